"""Supervision sessions, actions carried forward until done, and training records."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from partners.audit.models import AuditEvent
from partners.conftest import actor_for
from partners.supervision.models import SupervisionAction, TrainingRecord
from partners.supervision.services import (
    NewAction,
    supervision_action_complete,
    supervision_session_record,
    training_record_create,
)


def record(world, **extra):
    today = timezone.localdate()
    defaults = {"supervisee_id": world.users["cp1"].pk, "held_on": today, "episode_ids": [world.episodes["p1"].pk],
                "actions": [NewAction(1, "Call the practice about a medication review", world.users["cp1"].pk,
                                      today + timedelta(days=7), world.episodes["p1"].pk)]}
    defaults.update(extra)
    return supervision_session_record(actor=actor_for(world.users["sup1"]), **defaults)


def test_a_session_records_the_cases_discussed_and_its_actions_and_audits_each_person(world):
    session = record(world)
    assert list(session.cases.all()) == [world.episodes["p1"]]
    action = session.actions.get()
    assert action.owner == world.users["cp1"] and action.is_open and action.episode == world.episodes["p1"]
    assert AuditEvent.objects.filter(person_id=world.people["p1"].pk, object_type="supervision_session").exists()


def test_open_actions_are_carried_forward_until_a_later_session_closes_them(world):
    first = record(world, held_on=timezone.localdate() - timedelta(days=28))
    carried = first.actions.get()
    second = record(world, actions=[])
    assert SupervisionAction.objects.get(pk=carried.pk).is_open  # not ticked: still open after the next session
    third = record(world, actions=[], completed_action_ids=[carried.pk])
    carried.refresh_from_db()
    assert carried.completed_on == third.held_on and carried.completed_in == third
    assert second.actions_closed.count() == 0


def test_a_session_cannot_discuss_someone_elses_case_or_give_an_action_to_a_third_person(world):
    with pytest.raises(ValidationError) as caught:
        record(world, episode_ids=[world.episodes["p2"].pk],
               actions=[NewAction(2, "", world.users["cp2"].pk, None)])
    errors = caught.value.message_dict
    assert errors["cases"] == [f"Episode {world.episodes['p2'].pk} is not on Cp1 Tester's caseload."]
    assert errors["action_2_description"] == ["Enter what is to be done."]
    assert errors["action_2_owner"] == ["Select who will do it: the Care Partner or you."]
    assert errors["action_2_due_on"] == ["Enter when it is due."]


def test_a_session_in_the_future_or_an_action_due_before_it_is_refused(world):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as caught:
        record(world, held_on=today + timedelta(days=1))
    assert "is in the future" in caught.value.message_dict["held_on"][0]
    with pytest.raises(ValidationError) as caught:
        record(world, actions=[NewAction(1, "x", world.users["cp1"].pk, today - timedelta(days=1))])
    assert "is before the session" in caught.value.message_dict["action_1_due_on"][0]


def test_only_the_supervisee_s_own_supervisor_can_record_a_session(world):
    with pytest.raises(Http404):
        supervision_session_record(actor=actor_for(world.users["sup2"]), supervisee_id=world.users["cp1"].pk,
                                   held_on=timezone.localdate())
    with pytest.raises(Http404):
        supervision_session_record(actor=actor_for(world.users["cp1"]), supervisee_id=world.users["cp1"].pk,
                                   held_on=timezone.localdate())


def test_the_owner_marks_an_action_done_and_nobody_unrelated_can(world):
    action = record(world).actions.get()
    with pytest.raises(Http404):
        supervision_action_complete(actor=actor_for(world.users["cp2"]), action_id=action.pk)
    with pytest.raises(Http404):
        supervision_action_complete(actor=actor_for(world.users["sup2"]), action_id=action.pk)
    done = supervision_action_complete(actor=actor_for(world.users["cp1"]), action_id=action.pk)
    assert done.completed_on == timezone.localdate() and done.completed_by == world.users["cp1"]


def test_training_is_recorded_for_the_supervisor_and_supervisees_in_half_days(world):
    actor = actor_for(world.users["sup1"])
    today = timezone.localdate()
    record_ = training_record_create(actor=actor, user_id=world.users["cp2"].pk, kind="initial", completed_on=today,
                                     days="2.5")
    assert record_.days == Decimal("2.5") and record_.recorded_by == world.users["sup1"]
    training_record_create(actor=actor, user_id=world.users["sup1"].pk, kind="supervisor", completed_on=today, days=1)
    with pytest.raises(ValidationError) as caught:
        training_record_create(actor=actor, user_id=world.users["cp3"].pk, kind="top_up", completed_on=today,
                               days="0.7")
    errors = caught.value.message_dict
    assert errors["user"] == ["Select yourself or a Care Partner you supervise."]
    assert errors["days"] == ["Length 0.7 days must be between 0.5 and 10, in half days."]
    with pytest.raises(ValidationError) as caught:
        training_record_create(actor=actor, user_id=world.users["cp1"].pk, kind="supervisor", completed_on=today,
                               days=1)
    assert caught.value.message_dict["kind"] == ["Supervisor training is for supervisors."]
    assert TrainingRecord.objects.count() == 2
