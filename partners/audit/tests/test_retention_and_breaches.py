"""Retention per record type with every deletion audited, and the data breach log."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from partners.audit.breaches import breach_record, breach_update, report_deadline
from partners.audit.models import Action, AuditEvent, DataBreach, SecurityAlert
from partners.audit.retention import retention_run
from partners.care.models import Contact, Episode, Phase
from partners.cli import main
from partners.common.dates import add_years
from partners.common.models import IdempotencyRecord
from partners.conftest import actor_for
from partners.registry.models import Person


def end_care(episode: Episode, ended_on: date) -> None:
    episode.phase = Phase.ENDED
    episode.referred_on = ended_on - timedelta(days=300)
    episode.started_on = ended_on - timedelta(days=290)
    episode.ended_on = ended_on
    episode.save()


@pytest.fixture
def today() -> date:
    return timezone.localdate()


def test_a_record_is_kept_until_twenty_years_after_care_ends_then_deleted_and_the_deletion_audited(world, today):
    episode = world.episodes["p1"]
    Contact.objects.create(episode=episode, person=world.people["p1"], care_partner=world.users["cp1"],
                           contact_on=today - timedelta(days=10), mode="telephone", minutes=10,
                           next_contact_on=today + timedelta(days=3))
    end_care(episode, add_years(today, -20) + timedelta(days=1))
    person_id = world.people["p1"].pk
    assert retention_run(actor=actor_for(world.users["admin"]), today=today)["deleted"]["mental_health_record"] == 0
    assert Person.objects.filter(pk=person_id).exists()

    end_care(episode, add_years(today, -20))
    summary = retention_run(actor=actor_for(world.users["admin"]), today=today)
    assert summary["deleted"]["mental_health_record"] == 1
    assert not Person.objects.filter(pk=person_id).exists()
    assert not Episode.objects.filter(pk=episode.pk).exists() and not Contact.objects.filter(person_id=person_id)
    event = AuditEvent.objects.get(action=Action.DELETE, person_id=person_id, object_type="person")
    assert event.detail["rule"] == "20 years after care ended"
    assert event.detail["rows_deleted"]["care.Contact"] == 1
    # the audit trail of the deleted record is kept: it is append-only
    assert AuditEvent.objects.filter(person_id=person_id).count() >= 1


def test_a_record_is_deleted_ten_years_after_death_even_if_care_ended_more_recently(world, today):
    person = world.people["p1"]
    end_care(world.episodes["p1"], add_years(today, -11))
    person.date_of_death = add_years(today, -10) - timedelta(days=1)
    person.save()
    summary = retention_run(actor=actor_for(world.users["admin"]), today=today)
    assert summary["due"]["mental_health_record"][0]["rule"] == "10 years after death"
    assert not Person.objects.filter(pk=person.pk).exists()


def test_anyone_with_an_open_episode_is_kept_however_old_the_record(world, today):
    person = world.people["p1"]
    person.date_of_death = None
    person.save()
    Person.objects.filter(pk=person.pk).update(updated_at=timezone.now() - timedelta(days=365 * 30))
    retention_run(actor=actor_for(world.users["admin"]), today=today)
    assert Person.objects.filter(pk=person.pk).exists()


def test_retention_periods_are_configurable_per_record_type(world, settings, today):
    settings.PARTNERS = {**settings.PARTNERS, "RETENTION": {**settings.PARTNERS["RETENTION"],
                                                            "mental_health_record": {"years_after_care_ends": 1,
                                                                                     "years_after_death": 1}}}
    end_care(world.episodes["p1"], today - timedelta(days=400))
    retention_run(actor=actor_for(world.users["admin"]), today=today)
    assert not Person.objects.filter(pk=world.people["p1"].pk).exists()


def test_old_stored_api_answers_are_deleted_and_each_deletion_logged(world, today):
    old = IdempotencyRecord.objects.create(principal="user:1", key="old", method="POST", path="/x", fingerprint="f")
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=49))
    fresh = IdempotencyRecord.objects.create(principal="user:1", key="new", method="POST", path="/x",
                                             fingerprint="f")
    retention_run(actor=actor_for(world.users["admin"]), today=today)
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert AuditEvent.objects.filter(action=Action.DELETE, object_type="idempotency_record",
                                     object_id=str(old.pk)).exists()


def test_the_dry_run_lists_what_is_due_and_changes_nothing(world, capsys, today):
    end_care(world.episodes["p1"], add_years(today, -21))
    before = AuditEvent.objects.count()
    assert main(["retention", "run", "--dry-run", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dry_run"] is True
    assert [d["person_id"] for d in out["due"]["mental_health_record"]] == [world.people["p1"].pk]
    assert Person.objects.filter(pk=world.people["p1"].pk).exists()
    assert AuditEvent.objects.count() == before


def test_the_retention_command_deletes_and_names_a_bad_date(world, capsys, today):
    end_care(world.episodes["p1"], add_years(today, -21))
    assert main(["retention", "run"]) == 0
    assert "1 mental health record(s) deleted" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action=Action.DELETE, username="system:retention").exists()
    assert main(["retention", "run", "--as-of", "2026-02-30"]) == 2
    assert "'2026-02-30' is not a date" in capsys.readouterr().err


def test_recording_a_breach_gives_a_reference_raises_an_alert_and_is_audited(world):
    breach = breach_record(actor=actor_for(world.users["admin"]), summary="Letter sent to the wrong address",
                           description="A questionnaire letter went to a neighbour.", people_affected=1,
                           notifiable=True)
    assert breach.reference == f"DB-{breach.discovered_at.year}-001"
    assert report_deadline(breach) == breach.discovered_at + timedelta(hours=72)
    assert SecurityAlert.objects.filter(kind=SecurityAlert.Kind.BREACH).exists()
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="data_breach").exists()


def test_only_administrators_keep_the_breach_log_and_reporting_needs_its_date(world):
    with pytest.raises(PermissionError):
        breach_record(actor=actor_for(world.users["cp1"]), summary="x", description="y")
    breach = breach_record(actor=actor_for(world.users["admin"]), summary="Lost laptop", description="Encrypted.")
    with pytest.raises(ValidationError, match="reported"):
        breach_update(actor=actor_for(world.users["admin"]), breach_id=breach.pk, status=DataBreach.Status.REPORTED)
    breach_update(actor=actor_for(world.users["admin"]), breach_id=breach.pk, status=DataBreach.Status.CLOSED,
                  lessons="Remind staff.")
    breach.refresh_from_db()
    assert breach.closed_at is not None
    assert AuditEvent.objects.filter(action=Action.UPDATE, object_type="data_breach").exists()


def test_administrators_record_and_update_a_breach_through_the_screens(world, login_as):
    client = login_as(world.users["admin"])
    response = client.post("/audit/breaches/new/", {"summary": "Email to the wrong person",
                                                    "description": "Contact details of one person.",
                                                    "people_affected": "1"})
    breach = DataBreach.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/audit/breaches/{breach.pk}/"
    page = client.get("/audit/breaches/").content.decode()
    assert breach.reference in page and "Email to the wrong person" in page
    detail = client.get(f"/audit/breaches/{breach.pk}/")
    assert detail.status_code == 200
    missing = client.post("/audit/breaches/new/", {"summary": "", "description": ""})
    assert missing.status_code == 200 and "nhsuk-error-summary" in missing.content.decode()
    assert DataBreach.objects.count() == 1
