"""The case-finding screens: who sees what (out of scope is 404), audit, query counts, and the forms."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from partners.accounts.models import User
from partners.audit.models import AuditEvent
from partners.casefinding.models import ImportBatch, OutreachCase, RegisterRow, ReviewPair, SecondaryRow
from partners.casefinding.tests.platform_data import valid_nhs
from partners.casefinding.tests.test_platform_imports import GOOD, register_csv


def _pair(run, n: int) -> ReviewPair:
    reg = run.add(f"Reg{n}", "Pairson").register_row
    sec = SecondaryRow.objects.create(batch=run.secondary_batch, row=n + 1, record_key=f"sec{n:017d}",
                                      family_name="Pairsen", given_name=f"Reg{n}", date_of_birth=reg.date_of_birth,
                                      postcode="ZZ1 1AB", provider_ods="RT1", team_type="cmht", care_level="cpa")
    return ReviewPair.objects.create(run=run, register_row=reg, secondary_row=sec, match_probability=0.7,
                                     register_key=reg.record_key, secondary_key=sec.record_key)


def test_practice_staff_see_only_their_practices_worklist(made_run, world, login_as):
    mine = made_run.add("Mine", "Example")
    theirs = made_run.add("Theirs", "Example", practice=world.practice_b)
    client = login_as(world.users["practice_a"])
    page = client.get(reverse("casefinding:worklist")).content.decode()
    assert "Mine Example" in page and "Theirs Example" not in page
    assert client.get(reverse("casefinding:person", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("casefinding:person", args=[mine.pk])).status_code == 200


def test_the_administrator_sees_every_practice_and_can_filter_by_one(made_run, world, login_as):
    made_run.add("Mine", "Example")
    made_run.add("Theirs", "Example", practice=world.practice_b)
    client = login_as(world.users["admin"])
    page = client.get(reverse("casefinding:worklist")).content.decode()
    assert "Mine Example" in page and "Theirs Example" in page
    page = client.get(reverse("casefinding:worklist"), {"practice": world.practice_b.pk}).content.decode()
    assert "Mine Example" not in page and "Theirs Example" in page


@pytest.mark.parametrize("who", ["cp1", "sup1", "leader", "researcher"])
def test_other_roles_get_404_on_every_case_finding_page(made_run, world, login_as, who):
    result = made_run.add("Ann", "Example")
    client = login_as(world.users[who])
    for name, args in (("casefinding:worklist", []), ("casefinding:person", [result.pk]),
                       ("casefinding:imports", []), ("casefinding:review", []), ("casefinding:run", []),
                       ("casefinding:codes", [])):
        assert client.get(reverse(name, args=args)).status_code == 404, name


def test_practice_staff_cannot_open_the_review_queue_the_run_or_the_code_list(made_run, world, login_as):
    client = login_as(world.users["practice_a"])
    for name in ("casefinding:review", "casefinding:run", "casefinding:codes"):
        assert client.get(reverse(name)).status_code == 404


def test_every_worklist_row_shown_is_audited(made_run, world, login_as):
    rows = [made_run.add(f"P{i}", "Example") for i in range(3)]
    login_as(world.users["practice_a"]).get(reverse("casefinding:worklist"))
    audited = set(AuditEvent.objects.filter(object_type="casefinding_result", action="list")
                  .values_list("object_id", flat=True))
    assert audited == {str(r.pk) for r in rows}


def test_the_worklist_takes_the_same_number_of_queries_for_5_or_40_rows(made_run, world, login_as,
                                                                        django_assert_max_num_queries):
    client = login_as(world.users["admin"])
    for i in range(5):
        made_run.add(f"A{i}", "Example")
    client.get(reverse("casefinding:worklist"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("casefinding:worklist")).status_code == 200
    for i in range(35):
        result = made_run.add(f"B{i}", "Example")
        OutreachCase.objects.create(person_key=result.register_row.person_key, practice=world.practice_a)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("casefinding:worklist")).status_code == 200


def test_the_review_queue_takes_a_bounded_number_of_queries_and_shows_agreement(made_run, world, login_as,
                                                                              django_assert_max_num_queries):
    client = login_as(world.users["admin"])
    for i in range(3):
        _pair(made_run, 100 + i)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("casefinding:review")).content.decode()
    for i in range(20):
        _pair(made_run, 200 + i)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("casefinding:review")).content.decode()
    assert page.count('data-testid="review-pair"') == 23
    assert "Agrees" in page and "Differs" in page


def test_accepting_a_pair_on_the_review_page_records_who_and_when(made_run, world, login_as):
    pair = _pair(made_run, 300)
    client = login_as(world.users["admin"])
    response = client.post(reverse("casefinding:review"), {"pair": pair.pk, "decision": "accept"})
    assert response.status_code == 302
    page = client.get(reverse("casefinding:review")).content.decode()
    assert "0 pairs waiting, 1 decided" in page and "same person, by Admin Tester" in page


def test_uploading_through_the_page_shows_the_report_and_the_csv_names_file_row_field_value_problem(world, login_as):
    client = login_as(world.users["admin"])
    data = register_csv(GOOD[0], GOOD[0].replace("1970-01-02", "1970-13-45"))
    upload = SimpleUploadedFile("practice register.csv", data, content_type="text/csv")
    response = client.post(reverse("casefinding:imports"), {"kind": "register", "file": upload})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == "refused"
    page = client.get(reverse("casefinding:import_detail", args=[batch.pk])).content.decode()
    assert "Not imported" in page and "1970-13-45" in page
    report = client.get(reverse("casefinding:import_report", args=[batch.pk]))
    lines = list(csv.reader(io.StringIO(report.content.decode())))
    assert lines[0][:5] == ["file", "row", "field", "value", "problem"]
    assert any(line[:4] == ["practice register.csv", "3", "date_of_birth", "1970-13-45"] for line in lines[1:])
    assert not RegisterRow.objects.exists()


def test_practice_staff_see_only_their_own_uploads(world, login_as):
    from partners.casefinding import services
    from partners.conftest import actor_for

    batch = services.extract_import(actor=actor_for(world.users["admin"]), kind="register", filename="r.csv",
                                    data=register_csv(*GOOD)).batch
    client = login_as(world.users["practice_a"])
    assert client.get(reverse("casefinding:import_detail", args=[batch.pk])).status_code == 404
    assert "r.csv" not in client.get(reverse("casefinding:imports")).content.decode()


def test_the_practice_home_shows_gap_and_outreach_status(made_run, world, login_as):
    from partners.casefinding import services
    from partners.conftest import actor_for, make_person

    gwen = make_person(world.practice_a, nhs_number=valid_nhs(994440101), given="Gwen", family="Example")
    result = made_run.add("Gwen", "Example", nhs=gwen.nhs_number, person=gwen)
    services.outreach_invite(actor=actor_for(world.users["practice_a"]), result_id=result.pk, channel="letter")
    page = login_as(world.users["practice_a"]).get(reverse("registry:practice_patients")).content.decode()
    assert "Primary care only" in page and "Invited (opt-out window)" in page


def test_recording_outreach_through_the_page(made_run, world, login_as):
    result = made_run.add("Ann", "Example", nhs=valid_nhs(994440001))
    client = login_as(world.users["practice_a"])
    url = reverse("casefinding:person", args=[result.pk])
    assert client.post(url, {"action": "invite", "invite-channel": "letter"}).status_code == 302
    page = client.get(url).content.decode()
    assert "letter to print" in page and "no appointment invitation or call until" in page.lower()
    response = client.post(url, {"action": "telephone", "telephone-result": "spoke"}, follow=True)
    assert "opt-out window is open" in response.content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=20), tick=False):
        client.force_login(world.users["practice_a"], backend="django.contrib.auth.backends.ModelBackend")
        assert client.post(url, {"action": "outcome", "outcome-outcome": "declined"}).status_code == 302
        page = client.get(url).content.decode()
    assert "Declined: do not contact" in page and "Send invitation" not in page


def test_the_invitation_letter_downloads_as_a_pdf_in_scope_only(made_run, world, login_as):
    from partners.casefinding import services
    from partners.casefinding.models import OutreachAttempt
    from partners.conftest import actor_for

    result = made_run.add("Lee", "Example")
    services.outreach_invite(actor=actor_for(world.users["practice_a"]), result_id=result.pk, channel="letter")
    attempt = OutreachAttempt.objects.get()
    client = login_as(world.users["practice_a"])
    page = client.get(reverse("casefinding:person", args=[result.pk])).content.decode()
    assert reverse("casefinding:letter", args=[attempt.pk]) in page
    response = client.get(reverse("casefinding:letter", args=[attempt.pk]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="export", object_type="letter:casefinding_invitation").exists()
    other = User.objects.create(username="practice_b", role="practice_staff", organisation=world.practice_b,
                                is_demo=True)
    assert login_as(other).get(reverse("casefinding:letter", args=[attempt.pk])).status_code == 404


def test_a_persons_case_finding_page_takes_a_bounded_number_of_queries(made_run, world, login_as,
                                                                      django_assert_max_num_queries):
    from partners.casefinding import services
    from partners.conftest import actor_for

    result = made_run.add("Max", "Example")
    staff = actor_for(world.users["practice_a"])
    services.outreach_invite(actor=staff, result_id=result.pk, channel="sms", recipient="07700900123")
    client = login_as(world.users["practice_a"])
    with django_assert_max_num_queries(20):
        page = client.get(reverse("casefinding:person", args=[result.pk])).content.decode()
    assert "Text message" in page and "Invited (opt-out window)" in page
