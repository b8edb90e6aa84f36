from __future__ import annotations

import json

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.accounts.models import Role, User
from partners.audit.models import AuditEvent
from partners.cli import main


def test_an_administrator_creates_an_account_whose_first_sign_in_changes_the_password_then_sets_up_two_factor(
        world, login_as):
    admin = login_as(world.users["admin"])
    response = admin.post("/organisation/accounts/new/", {
        "username": "newcp", "first_name": "New", "last_name": "Partner", "role": Role.CARE_PARTNER,
        "supervisor": world.users["sup1"].pk, "organisation": world.trust.pk})
    assert response.status_code == 200
    temporary = response.context["temporary"]
    user = User.objects.get(username="newcp")
    assert user.must_change_password and not user.is_demo and user.supervisor == world.users["sup1"]
    assert AuditEvent.objects.filter(object_type="user", object_id=str(user.pk), action="create").exists()

    client = Client()
    signed_in = client.post("/accounts/login/", {"username": "newcp", "password": temporary})
    assert signed_in["Location"] == "/accounts/password/"
    assert client.get("/caseload/")["Location"] == "/accounts/password/"
    changed = client.post("/accounts/password/", {"old_password": temporary, "new_password1": "a-long-new-pass-phrase",
                                                  "new_password2": "a-long-new-pass-phrase"})
    assert changed["Location"] == "/accounts/two-factor/setup/"
    assert client.get("/caseload/")["Location"] == "/accounts/two-factor/"


def test_practice_staff_must_belong_to_a_practice(world, login_as):
    response = login_as(world.users["admin"]).post("/organisation/accounts/new/", {
        "username": "pstaff", "first_name": "P", "last_name": "S", "role": Role.PRACTICE_STAFF,
        "organisation": world.trust.pk})
    assert "Practice staff must belong to a GP practice" in response.content.decode()
    assert not User.objects.filter(username="pstaff").exists()


def test_a_taken_username_is_refused(world, login_as):
    response = login_as(world.users["admin"]).post("/organisation/accounts/new/", {
        "username": "CP1", "first_name": "A", "last_name": "B", "role": Role.RESEARCHER})
    assert "already taken" in response.content.decode()


def test_deactivating_an_account_removes_all_access(world, login_as):
    cp = world.users["cp1"]
    login_as(world.users["admin"]).post(f"/organisation/accounts/{cp.pk}/", {
        "first_name": "Cp1", "last_name": "Tester", "role": Role.CARE_PARTNER, "supervisor": world.users["sup1"].pk,
        "organisation": world.trust.pk})
    cp.refresh_from_db()
    assert not cp.is_active
    assert Client().post("/accounts/login/", {"username": "cp1", "password": "x"}).status_code == 200


def test_resetting_two_factor_removes_the_authenticator(world, login_as):
    cp = world.users["cp2"]
    TOTPDevice.objects.create(user=cp, name="phone", confirmed=True)
    login_as(world.users["admin"]).post(f"/organisation/accounts/{cp.pk}/reset-two-factor/")
    assert not TOTPDevice.objects.filter(user=cp).exists()


def test_only_administrators_manage_accounts(world, login_as):
    for role in ("cp1", "sup1", "leader", "researcher", "practice_a"):
        assert login_as(world.users[role]).get("/organisation/accounts/new/").status_code == 404


def test_the_command_line_creates_the_first_administrator(world, capsys):
    assert main(["account", "create", "firstadmin", "--role", "administrator", "--organisation", "QT1",
                 "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    user = User.objects.get(username="firstadmin")
    assert user.check_password(payload["temporary_password"]) and user.must_change_password


def test_the_command_line_names_bad_input(world, capsys):
    assert main(["account", "create", "x", "--role", "wizard"]) == 2
    assert "Unknown role 'wizard'" in capsys.readouterr().err
    assert main(["account", "create", "y", "--role", "practice_staff", "--organisation", "NOPE"]) == 2
    assert "'NOPE'" in capsys.readouterr().err
