"""Recording safety events and health checks: the rules, the 'treated' classification, the episode link."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from partners.care.models import Contact
from partners.conftest import actor_for
from partners.safety.models import SafetyEvent
from partners.safety.selectors import is_treated, with_treated
from partners.safety.services import health_check_record, medication_add, safety_event_record

TODAY = timezone.localdate


def sae(**extra):
    data = {"kind": "sae", "onset_on": TODAY() - timedelta(days=2), "hospitalisation": True,
            "relatedness": "not_related", "expected": True, "outcome": "resolved",
            "ended_on": TODAY() - timedelta(days=1), "description": "Admitted with pneumonia."}
    data.update(extra)
    return data


def test_a_care_partner_records_an_admission_linked_to_the_running_episode(world):
    event = safety_event_record(actor=actor_for(world.users["cp1"]), person_id=world.people["p1"].pk,
                                data={"kind": "admission", "onset_on": TODAY() - timedelta(days=3)})
    assert event.episode == world.episodes["p1"] and event.reported_by == world.users["cp1"]
    assert event.outcome == "unknown" and event.days is None


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"hospitalisation": False}, "seriousness", "Select at least one seriousness criterion"),
    ({"relatedness": ""}, "relatedness", "Select how related the event is to PARTNERS care."),
    ({"expected": None}, "expected", "Select whether the event was expected."),
    ({"relatedness": "maybe"}, "relatedness", "Relatedness 'maybe' is not one of"),
    ({"onset_on": TODAY() + timedelta(days=1), "ended_on": None}, "onset_on", "is in the future"),
    ({"ended_on": TODAY() - timedelta(days=5)}, "ended_on", "is before the onset date"),
    ({"resulted_in_death": True}, "outcome", "The event resulted in death: the outcome must be 'fatal'."),
    ({"outcome": "fatal"}, "resulted_in_death", "The outcome is fatal: select 'Resulted in death'."),
    ({"outcome": "ongoing"}, "outcome", "The event has an end date, so it cannot be ongoing."),
    ({"kind": "fall"}, "kind", "Kind 'fall' is not one of: admission, crisis, sae."),
])
def test_a_serious_adverse_event_that_breaks_a_rule_is_refused_naming_the_field(world, changes, field, message):
    with pytest.raises(ValidationError) as caught:
        safety_event_record(actor=actor_for(world.users["cp1"]), person_id=world.people["p1"].pk, data=sae(**changes))
    assert any(message in m for m in caught.value.message_dict[field]), caught.value.message_dict
    assert SafetyEvent.objects.count() == 0


def test_a_complete_serious_adverse_event_is_accepted(world):
    event = safety_event_record(actor=actor_for(world.users["sup1"]), person_id=world.people["p1"].pk, data=sae())
    assert event.hospitalisation and event.relatedness == "not_related" and event.expected is True


def test_nobody_records_an_event_for_someone_outside_their_scope(world):
    with pytest.raises(Http404):
        safety_event_record(actor=actor_for(world.users["cp1"]), person_id=world.people["p2"].pk,
                            data={"kind": "crisis", "onset_on": TODAY()})
    with pytest.raises(Http404):
        safety_event_record(actor=actor_for(world.users["leader"]), person_id=world.people["p1"].pk,
                            data={"kind": "crisis", "onset_on": TODAY()})


def test_treated_means_a_contact_that_reached_the_person_strictly_before_onset(world):
    person, cp = world.people["p1"], world.users["cp1"]
    onset = TODAY() - timedelta(days=10)
    event = SafetyEvent.objects.create(person=person, kind="crisis", onset_on=onset)

    def treated() -> bool:
        return bool(with_treated(SafetyEvent.objects.filter(pk=event.pk)).get().treated)  # type: ignore[attr-defined]

    assert treated() is False
    Contact.objects.create(episode=world.episodes["p1"], person=person, care_partner=cp, contact_on=onset,
                           mode="telephone", minutes=15)
    assert treated() is False  # on the day of onset: not before it
    Contact.objects.create(episode=world.episodes["p1"], person=person, care_partner=cp,
                           contact_on=onset - timedelta(days=1), mode="telephone", minutes=2, reached=False)
    assert treated() is False  # an unanswered call is not an interaction
    Contact.objects.create(episode=world.episodes["p1"], person=person, care_partner=cp,
                           contact_on=onset - timedelta(days=30), mode="face_to_face", minutes=40)
    assert treated() is True
    assert is_treated(onset, [onset - timedelta(days=30)]) and not is_treated(onset, [onset])


def test_a_health_check_works_out_the_bmi_and_keeps_the_follow_up_offered(world):
    check = health_check_record(actor=actor_for(world.users["practice_a"]), person_id=world.people["p3"].pk, data={
        "checked_on": TODAY(), "weight_kg": Decimal("81.2"), "height_cm": Decimal("171.5"), "systolic_bp": 132,
        "diastolic_bp": 84, "smoking": "current", "interventions": ["smoking_cessation"]})
    assert check.bmi == Decimal("27.6") and check.interventions == ["smoking_cessation"]
    assert check.recorded_by == world.users["practice_a"]


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"systolic_bp": 130}, "diastolic_bp", "Enter both blood pressure readings, or neither."),
    ({"systolic_bp": 80, "diastolic_bp": 90}, "diastolic_bp", "Diastolic blood pressure 90 must be lower than"),
    ({"weight_kg": "900"}, "weight_kg", "Weight 900 is outside 20 to 400."),
    ({"hba1c": "41.5"}, "hba1c", "HbA1c 41.5 must be a whole number."),
    ({"glucose": "lots"}, "glucose", "Fasting glucose 'lots' is not a number."),
    ({"smoking": "sometimes"}, "smoking", "Smoking status 'sometimes' is not one of"),
    ({"interventions": ["yoga"]}, "interventions", "Intervention 'yoga' is not one of"),
    ({"checked_on": "2026-13-01"}, "checked_on", "'2026-13-01' is not a date"),
])
def test_an_implausible_health_check_is_refused_naming_the_field_and_value(world, data, field, message):
    with pytest.raises(ValidationError) as caught:
        health_check_record(actor=actor_for(world.users["practice_a"]), person_id=world.people["p3"].pk,
                            data={"checked_on": TODAY(), **data})
    assert any(message in m for m in caught.value.message_dict[field]), caught.value.message_dict


def test_practice_staff_record_health_checks_only_for_their_own_practice_and_supervisors_not_at_all(world):
    with pytest.raises(Http404):
        health_check_record(actor=actor_for(world.users["practice_a"]), person_id=world.people["p2"].pk,
                            data={"checked_on": TODAY()})
    with pytest.raises(PermissionError):
        health_check_record(actor=actor_for(world.users["sup1"]), person_id=world.people["p1"].pk,
                            data={"checked_on": TODAY()})


def test_a_medication_stopped_before_it_started_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        medication_add(actor=actor_for(world.users["cp1"]), person_id=world.people["p1"].pk, group="antipsychotic",
                       started_on=TODAY(), stopped_on=TODAY() - timedelta(days=1))
    assert "is before started" in caught.value.message_dict["stopped_on"][0]
