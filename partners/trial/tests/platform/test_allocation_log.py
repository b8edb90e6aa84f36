"""The allocation log is append-only (application and PostgreSQL) and reproducible from the stored seed."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from partners.trial import services
from partners.trial.models import AllocationLog
from partners.trial.selectors import allocation_verify
from partners.trial.stats.minimisation import MinimisationConfig, minimise
from partners.trial.tests.factories import actor, build_trial


def test_the_application_refuses_to_change_or_delete_allocations(world):
    tw = build_trial(world, n_practices=2, per_practice=1, followup=False)
    log = AllocationLog.objects.get(trial=tw.trial, sequence=0)
    with pytest.raises(PermissionError):
        AllocationLog.objects.filter(pk=log.pk).update(arm="control" if log.arm == "intervention" else "intervention")
    with pytest.raises(PermissionError):
        AllocationLog.objects.all().delete()
    log.arm = "control" if log.arm == "intervention" else "intervention"
    with pytest.raises(PermissionError):
        log.save()
    with pytest.raises(PermissionError):
        log.delete()
    assert AllocationLog.objects.filter(trial=tw.trial).count() == 2
    assert AllocationLog.objects.get(pk=log.pk).arm != log.arm


@pytest.mark.postgresql  # the database-level guard is PostgreSQL's
@pytest.mark.parametrize("statement", ["UPDATE trial_allocationlog SET arm = 'control'",
                                       "DELETE FROM trial_allocationlog"])
def test_postgresql_itself_refuses_updates_and_deletes_of_allocations(world, statement):
    tw = build_trial(world, n_practices=2, per_practice=1, followup=False)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AllocationLog.objects.filter(trial=tw.trial).count() == 2


def test_re_running_the_allocations_from_the_log_gives_the_same_arms(world):
    tw = build_trial(world, n_practices=8, per_practice=1, followup=False, seed=987654321)
    logs = list(AllocationLog.objects.filter(trial=tw.trial).order_by("sequence"))
    assert [log.sequence for log in logs] == list(range(8))
    assert {log.seed for log in logs} == {987654321}
    cfg = logs[0].config
    config = MinimisationConfig(factors=tuple(cfg["factors"]), weights=tuple(cfg["weights"]),
                                ratio=tuple(cfg["ratio"]), p=cfg["p"])
    again = minimise([(log.practice_code, log.levels) for log in logs], config=config, seed=logs[0].seed)
    assert [a.arm for a in again] == [log.arm for log in logs]
    assert [a.draw for a in again] == [log.draw for log in logs]
    assert allocation_verify(trial=tw.trial) == {"reproduced": True, "checked": 8, "mismatches": []}
    assert {log.arm for log in logs} == {"intervention", "control"}


def test_the_verification_notices_an_allocation_that_does_not_follow_from_the_seed(world):
    tw = build_trial(world, n_practices=3, per_practice=1, followup=False, seed=5)
    logs = list(AllocationLog.objects.filter(trial=tw.trial).order_by("sequence"))
    logs[2].arm = "control" if logs[2].arm == "intervention" else "intervention"  # in memory only
    result = allocation_verify(trial=tw.trial, logs=logs)
    assert not result["reproduced"] and result["mismatches"][0]["sequence"] == 2


def test_the_log_records_the_totals_probabilities_who_and_when(world):
    tw = build_trial(world, n_practices=3, per_practice=1, followup=False)
    first, second, third = AllocationLog.objects.filter(trial=tw.trial).order_by("sequence")
    assert first.method == "first" and first.totals == {} and first.probabilities == {"intervention": 0.5,
                                                                                       "control": 0.5}
    for log in (second, third):
        assert set(log.totals) == {"intervention", "control"}
        if log.method in ("preferred", "random_element"):
            assert log.probabilities[log.preferred] == pytest.approx(0.8)
            assert min(log.totals.values()) == log.totals[log.preferred]
        assert log.allocated_by == world.users["researcher"] and log.allocated_by_username == "researcher"
        assert log.config == {"factors": ["region", "practice_size"], "weights": [1.0, 1.0], "ratio": [1.0, 1.0],
                              "p": 0.8, "arms": ["intervention", "control"]}
    assert first.allocated_at < second.allocated_at < third.allocated_at <= first.recorded_at


def test_the_same_seed_and_practices_give_the_same_allocations_in_another_trial(world):
    one = build_trial(world, n_practices=6, per_practice=1, followup=False, seed=31337, name="One")
    two = build_trial(world, n_practices=6, per_practice=1, followup=False, seed=31337, name="Two")
    arms = [[log.arm for log in AllocationLog.objects.filter(trial=tw.trial).order_by("sequence")] for tw in (one, two)]
    assert arms[0] == arms[1]
    three = build_trial(world, n_practices=6, per_practice=1, followup=False, seed=31338, name="Three")
    draws = [log.draw for log in AllocationLog.objects.filter(trial=three.trial).order_by("sequence")]
    assert draws != [log.draw for log in AllocationLog.objects.filter(trial=one.trial).order_by("sequence")]


def test_a_practice_is_randomised_once_and_the_sequence_has_no_gaps(world):
    from django.core.exceptions import ValidationError

    tw = build_trial(world, n_practices=2, per_practice=1, followup=False)
    with pytest.raises(ValidationError, match="already been randomised"):
        services.practice_allocate(actor=actor(world.users["researcher"]), trial_practice_id=tw.practices[0].pk)
    assert list(AllocationLog.objects.filter(trial=tw.trial).values_list("sequence", flat=True)) == [0, 1]
