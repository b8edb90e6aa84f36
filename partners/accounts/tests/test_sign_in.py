from __future__ import annotations

import time

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.accounts.models import Role, User
from partners.audit.models import Action, AuditEvent
from partners.conftest import PASSWORD


@pytest.fixture
def real_user(world):
    user = User(username="realcp", role=Role.CARE_PARTNER, organisation=world.trust, supervisor=world.users["sup1"])
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_a_demo_account_signs_in_without_two_factor_and_lands_on_its_home_page(world):
    client = Client()
    response = sign_in(client, "cp1")
    assert response.status_code == 302 and response["Location"] == "/caseload/"
    assert client.get("/caseload/").status_code == 200
    assert AuditEvent.objects.filter(username="cp1", action=Action.SIGN_IN).exists()


@pytest.mark.parametrize(
    ("username", "home"),
    [("cp1", "/caseload/"), ("sup1", "/supervision/"), ("practice_a", "/practice/"), ("leader", "/dashboard/"),
     ("researcher", "/trials/"), ("admin", "/organisation/")],
)
def test_each_role_starts_on_its_own_first_screen(world, username, home):
    client = Client()
    assert sign_in(client, username)["Location"] == home
    assert client.get("/")["Location"] == home


def test_a_real_account_must_set_up_two_factor_before_seeing_anything(real_user):
    client = Client()
    response = sign_in(client, "realcp")
    assert response["Location"] == "/accounts/two-factor/setup/"
    assert client.get("/caseload/")["Location"] == "/accounts/two-factor/"
    assert client.get("/api/v1/service-users").status_code == 401  # a session is not an API credential
    setup = client.get("/accounts/two-factor/setup/")
    assert "QR code" in setup.content.decode()
    device = TOTPDevice.objects.get(user=real_user, confirmed=False)
    wrong_code = "000000" if current_code(device) != "000000" else "111111"
    wrong = client.post("/accounts/two-factor/setup/", {"token": wrong_code})
    assert "not right" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp backs off for a second after a wrong code
    done = client.post("/accounts/two-factor/setup/", {"token": current_code(device)})
    assert "Two-factor sign-in is on" in done.content.decode()
    assert client.get("/caseload/").status_code == 200


def test_a_real_account_with_an_authenticator_is_asked_for_its_code_at_every_sign_in(real_user):
    device = TOTPDevice.objects.create(user=real_user, name="phone", confirmed=True)
    client = Client()
    assert sign_in(client, "realcp")["Location"] == "/accounts/two-factor/"
    assert client.get("/caseload/")["Location"] == "/accounts/two-factor/"
    response = client.post("/accounts/two-factor/", {"token": current_code(device)})
    assert response.status_code == 302
    assert client.get("/caseload/").status_code == 200


def test_demo_accounts_do_not_skip_two_factor_when_demo_accounts_are_not_allowed(world, settings):
    settings.PARTNERS_ALLOW_DEMO_ACCOUNTS = False
    client = Client()
    assert sign_in(client, "cp1")["Location"] == "/accounts/two-factor/setup/"
    assert client.get("/caseload/")["Location"] == "/accounts/two-factor/"


def test_repeated_wrong_passwords_lock_the_account_for_a_while(world, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, "cp1", "wrong-password")
        assert response.status_code == 200
        assert "Enter a correct username and password" in response.content.decode()
    locked = sign_in(client, "cp1", "wrong-password")
    assert locked.status_code == 429
    # even the right password is refused while locked
    assert sign_in(client, "cp1").status_code == 429


def test_a_session_ends_after_its_absolute_lifetime_whatever_the_activity(world, settings):
    client = Client()
    sign_in(client, "cp1")
    assert client.get("/caseload/").status_code == 200
    session = client.session
    session["partners_signed_in_at"] = time.time() - settings.PARTNERS_SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get("/caseload/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/caseload/")["Location"].startswith("/accounts/login/")


def test_sessions_expire_when_idle(settings):
    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_signing_out_needs_a_post_and_ends_the_session(world):
    client = Client()
    sign_in(client, "cp1")
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/caseload/")["Location"].startswith("/accounts/login/")


def test_sign_in_forms_are_protected_against_cross_site_request_forgery(world):
    client = Client(enforce_csrf_checks=True)
    response = sign_in(client, "cp1")
    assert response.status_code == 403
    assert "form has expired" in response.content.decode()
