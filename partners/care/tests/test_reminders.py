"""Contact reminders through a GOV.UK Notify-compatible server: opted-in people only, never twice."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from partners.care.models import ContactReminder, Episode
from partners.care.reminders import reminders_send
from partners.cli import main
from partners.common.models import OutboundMessage


@pytest.fixture
def opted_in(world):
    """p1 (cp1's caseload) agrees to texts and emails; contact planned the day after tomorrow."""
    person = world.people["p1"]
    person.phone, person.sms_opt_in = "07700 900123", True
    person.email, person.email_opt_in = "ada@example.com", True
    person.preferred_name = "Ada L"
    person.save()
    Episode.objects.filter(pk=world.episodes["p1"].pk).update(
        next_contact_on=timezone.localdate() + timedelta(days=2))
    return person


def test_an_opted_in_person_gets_one_sms_and_one_email_naming_the_date_and_nothing_clinical(world, opted_in,
                                                                                            notify_server):
    run = reminders_send(on=timezone.localdate())
    assert run.sent == 2 and run.failed == 0
    sms = next(r for r in notify_server.received if "phone_number" in r)
    email = next(r for r in notify_server.received if "email_address" in r)
    planned = timezone.localdate() + timedelta(days=2)
    assert sms["phone_number"] == "07700 900123" and email["email_address"] == "ada@example.com"
    assert sms["personalisation"] == {"name": "Ada L", "date": planned.strftime("%A %-d %B"),
                                      "care_partner": "Cp1"}
    assert OutboundMessage.objects.filter(purpose="contact_reminder", person_id=opted_in.pk).count() == 2


def test_running_again_the_same_day_or_the_next_sends_nothing_twice(world, opted_in, notify_server):
    reminders_send(on=timezone.localdate())
    again = reminders_send(on=timezone.localdate())
    next_day = reminders_send(on=timezone.localdate() + timedelta(days=1))
    assert again.sent == next_day.sent == 0 and again.already_sent == 2
    assert len(notify_server.received) == 2
    assert ContactReminder.objects.count() == 2


def test_a_person_who_did_not_opt_in_gets_no_reminder(world, opted_in, notify_server):
    opted_in.sms_opt_in = opted_in.email_opt_in = False
    opted_in.save()
    assert reminders_send(on=timezone.localdate()).sent == 0
    assert notify_server.received == []


def test_only_the_channels_the_person_agreed_to_are_used(world, opted_in, notify_server):
    opted_in.email_opt_in = False
    opted_in.save()
    reminders_send(on=timezone.localdate())
    assert [("phone_number" in r) for r in notify_server.received] == [True]


def test_a_contact_outside_the_window_is_not_reminded_yet(world, opted_in, notify_server):
    Episode.objects.filter(pk=world.episodes["p1"].pk).update(next_contact_on=timezone.localdate() + timedelta(days=5))
    assert reminders_send(on=timezone.localdate()).sent == 0
    assert reminders_send(on=timezone.localdate() + timedelta(days=3)).sent == 2


def test_a_failure_is_recorded_and_retried_on_the_next_run(world, opted_in, notify_server):
    opted_in.email_opt_in = False
    opted_in.save()
    notify_server.fail_next.append((500, "Internal server error"))
    first = reminders_send(on=timezone.localdate())
    assert first.failed == 1 and ContactReminder.objects.get().status == "failed"
    second = reminders_send(on=timezone.localdate())
    assert second.sent == 1 and ContactReminder.objects.get().attempts == 2


def test_a_rescheduled_contact_gets_a_reminder_for_its_new_date(world, opted_in, notify_server):
    opted_in.email_opt_in = False
    opted_in.save()
    reminders_send(on=timezone.localdate())
    Episode.objects.filter(pk=world.episodes["p1"].pk).update(next_contact_on=timezone.localdate() + timedelta(days=1))
    assert reminders_send(on=timezone.localdate()).sent == 1
    assert ContactReminder.objects.count() == 2


def test_the_command_sends_and_prints_one_json_object(world, opted_in, notify_server, capsys):
    assert main(["reminders", "send", "--date", timezone.localdate().isoformat(), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["sent"] == 2 and payload["already_sent"] == 0
    assert main(["reminders", "send", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["already_sent"] == 2


@pytest.mark.parametrize(("argv", "message"), [
    (["reminders", "send", "--date", "31/12/2026"], "--date '31/12/2026' is not a date"),
    (["reminders", "send", "--days-before", "0"], "--days-before 0 must be between 1 and 14"),
])
def test_bad_arguments_exit_2_naming_the_value(db, capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
