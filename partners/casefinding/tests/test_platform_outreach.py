"""Outreach: invitations, the opt-out window, appointments, calls and outcomes; declining stops everything."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from pypdf import PdfReader

from partners.care.models import CarePartnerPost, Episode, Phase
from partners.casefinding import services
from partners.casefinding.models import OutreachAttempt, OutreachCase, OutreachStatus
from partners.casefinding.tests.platform_data import valid_nhs
from partners.common.models import OutboundMessage
from partners.conftest import actor_for
from partners.registry.models import Person

DECLINER, ACCEPTER = valid_nhs(999111444), valid_nhs(999111555)


@pytest.fixture
def staff(world):
    return actor_for(world.users["practice_a"])


def _after_window(days: int = 15):
    return time_machine.travel(timezone.now() + timedelta(days=days), tick=False)


def test_a_letter_invitation_is_recorded_as_a_letter_to_print_and_opens_the_opt_out_window(made_run, staff, settings):
    settings.CASEFINDING_OPT_OUT_DAYS = 10
    result = made_run.add("Ann", "Example")
    attempt = services.outreach_invite(actor=staff, result_id=result.pk, channel="letter")
    case = OutreachCase.objects.get()
    assert attempt.result == "letter to print" and attempt.step == "invitation"
    reader = PdfReader(io.BytesIO(bytes(attempt.letter_pdf or b"")))  # an accessible letter from partners.letters
    assert reader.trailer["/Root"]["/Lang"] == "en"  # type: ignore[index]
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Ann Example" in text and "Invitation to meet a Care Partner" in text
    assert case.status == OutreachStatus.INVITED
    assert case.opt_out_closes_on == timezone.localdate() + timedelta(days=10)
    assert attempt.recorded_by == staff.user and attempt.recorded_at is not None


def test_a_text_message_invitation_goes_through_gov_uk_notify(made_run, staff, notify_server):
    result = made_run.add("Bea", "Example")
    attempt = services.outreach_invite(actor=staff, result_id=result.pk, channel="sms", recipient="07700900123")
    assert attempt.message_id is not None
    message = OutboundMessage.objects.get(pk=attempt.message_id)
    assert message.status == OutboundMessage.Status.SENT and message.purpose == "casefinding_invitation"
    assert attempt.result == "sent"
    assert [m["phone_number"] for m in notify_server.received] == ["07700900123"]


def test_nobody_is_invited_to_an_appointment_or_called_before_the_opt_out_window_closes(made_run, staff):
    result = made_run.add("Cat", "Example")
    services.outreach_invite(actor=staff, result_id=result.pk, channel="letter")
    soon = timezone.now() + timedelta(days=20)
    with pytest.raises(ValidationError, match="opt-out window is open"):
        services.outreach_appointment(actor=staff, result_id=result.pk, channel="telephone", appointment_at=soon)
    with pytest.raises(ValidationError, match="opt-out window is open"):
        services.outreach_telephone(actor=staff, result_id=result.pk, result="no_answer")
    with _after_window():
        services.outreach_appointment(actor=staff, result_id=result.pk, channel="telephone",
                                      appointment_at=timezone.now() + timedelta(days=5))
        services.outreach_telephone(actor=staff, result_id=result.pk, result="no_answer")
    assert OutreachCase.objects.get().status == OutreachStatus.APPOINTMENT_OFFERED
    assert list(OutreachAttempt.objects.order_by("pk").values_list("step", flat=True)) == [
        "invitation", "appointment", "telephone"]


def test_opting_out_stops_every_further_contact(made_run, staff):
    result = made_run.add("Dee", "Example")
    services.outreach_invite(actor=staff, result_id=result.pk, channel="letter")
    services.outreach_opt_out(actor=staff, result_id=result.pk)
    with _after_window():
        for call in (lambda: services.outreach_telephone(actor=staff, result_id=result.pk, result="spoke"),
                     lambda: services.outreach_appointment(actor=staff, result_id=result.pk, channel="telephone",
                                                           appointment_at=timezone.now() + timedelta(days=3)),
                     lambda: services.outreach_invite(actor=staff, result_id=result.pk, channel="letter")):
            with pytest.raises(ValidationError, match="opted out"):
                call()


def test_a_person_who_declines_is_never_contacted_again_even_after_a_new_run(made_run, staff, world):
    result = made_run.add("Eve", "Example", nhs=DECLINER)
    services.outreach_invite(actor=staff, result_id=result.pk, channel="letter")
    with _after_window():
        services.outreach_outcome(actor=staff, result_id=result.pk, outcome="declined")
        with pytest.raises(ValidationError, match="declined"):
            services.outreach_telephone(actor=staff, result_id=result.pk, result="spoke")
    # A later run finds the same person (same NHS number) in the gap again: still not contacted.
    from partners.casefinding.models import LinkageRun

    later = LinkageRun.objects.create(register_batch=made_run.register_batch,
                                      secondary_batch=made_run.secondary_batch, as_of=made_run.as_of,
                                      run_at=timezone.now() + timedelta(minutes=1), run_by=world.users["admin"])
    later_row = made_run.add("Eve", "Example", nhs=DECLINER)
    later_row.run = later
    later_row.save()
    with pytest.raises(ValidationError, match="declined"):
        services.outreach_invite(actor=staff, result_id=later_row.pk, channel="letter")
    assert OutreachAttempt.objects.filter(step="invitation").count() == 1


def test_accepting_makes_a_referral_into_partners_care_creating_the_persons_record(made_run, staff, world):
    CarePartnerPost.objects.create(care_partner=world.users["cp1"], practice=world.practice_a,
                                   starts_on=timezone.localdate() - timedelta(days=100))
    result = made_run.add("Fay", "Example", nhs=ACCEPTER)
    services.outreach_invite(actor=staff, result_id=result.pk, channel="letter")
    with _after_window():
        services.outreach_outcome(actor=staff, result_id=result.pk, outcome="accepted")
    person = Person.objects.get(nhs_number=ACCEPTER)
    episode = Episode.objects.get(person=person)
    assert episode.phase == Phase.INVITED and episode.care_partner == world.users["cp1"]
    case = OutreachCase.objects.get()
    assert case.status == OutreachStatus.ACCEPTED and case.episode == episode and case.person == person


def test_people_not_eligible_or_not_in_the_gap_are_not_invited(made_run, staff):
    under_care = made_run.add("Gil", "Example", status="secondary_care", eligible=False,
                              reasons=["in_secondary_care"])
    no_care = made_run.add("Hal", "Example", eligible=False, reasons=["no_care_needs_past_2y"])
    with pytest.raises(ValidationError, match="Only people in the gap"):
        services.outreach_invite(actor=staff, result_id=under_care.pk, channel="letter")
    with pytest.raises(ValidationError, match="No care for the diagnosis in the past 2 years"):
        services.outreach_invite(actor=staff, result_id=no_care.pk, channel="letter")
    assert not OutreachAttempt.objects.exists()


def test_practice_staff_cannot_reach_another_practices_rows(made_run, staff, world):
    elsewhere = made_run.add("Ida", "Example", practice=world.practice_b)
    with pytest.raises(Http404):
        services.outreach_invite(actor=staff, result_id=elsewhere.pk, channel="letter")


def test_a_failed_notify_message_is_reported_and_nothing_is_recorded_as_sent(made_run, staff, notify_server):
    result = made_run.add("Jo", "Example")
    notify_server.fail_next.append((400, "phone_number Not a UK mobile number"))
    with pytest.raises(ValidationError, match="Not a UK mobile number"):
        services.outreach_invite(actor=staff, result_id=result.pk, channel="sms", recipient="07700900999")
    assert not OutreachAttempt.objects.exists()
    assert OutreachCase.objects.filter(status=OutreachStatus.INVITED).count() == 0


def test_someone_already_in_partners_care_is_not_invited(made_run, staff, world):
    ada = world.people["p1"]  # has an active episode
    result = made_run.add("Ada", "Lovelace", nhs=ada.nhs_number, person=ada)
    with pytest.raises(ValidationError, match="already has an open episode"):
        services.outreach_invite(actor=staff, result_id=result.pk, channel="letter")


def test_an_appointment_letter_names_the_place_and_books_the_interpreter(made_run, staff, world):
    from partners.conftest import make_person

    person = make_person(world.practice_a, nhs_number=valid_nhs(999111666), given="Kit", family="Example",
                         preferred_language="en", communication_needs=["large_print"], interpreter_needed=True,
                         interpreter_language="pl")
    result = made_run.add("Kit", "Example", nhs=person.nhs_number, person=person)
    services.outreach_invite(actor=staff, result_id=result.pk, channel="letter")
    with _after_window():
        attempt = services.outreach_appointment(actor=staff, result_id=result.pk, channel="letter",
                                                appointment_at=timezone.now() + timedelta(days=4), place="Room 2")
    pages = PdfReader(io.BytesIO(bytes(attempt.letter_pdf or b""))).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert "Your appointment with your Care Partner" in text and "Room 2" in text
    assert "interpreter (Polish)" in text
