"""The demo's supervision, safety and physical-health step: enough history for every screen to show
something real, including the problems the trial met (lapsed supervision, a practice without a Care Partner
for much of the year)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from partners.accounts.models import User
from partners.audit.actor import Actor
from partners.demo.loader import load_demo
from partners.organisations.models import Organisation
from partners.safety.health import OVERDUE, check_status
from partners.safety.models import HealthCheck, SafetyEvent
from partners.safety.selectors import new_safety_events
from partners.supervision import selectors
from partners.supervision.fidelity import Unit, fidelity
from partners.supervision.fidelity_selectors import gather_records
from partners.supervision.models import SupervisionAction, SupervisionSession, TrainingRecord


@pytest.fixture
def demo(db):
    load_demo(seed=7)


def test_every_demo_care_partner_has_supervision_history_and_initial_training(demo):
    for username in ("carepartner1", "carepartner2", "carepartner3", "carepartner4"):
        user = User.objects.get(username=username)
        assert SupervisionSession.objects.filter(supervisee=user).count() >= 3
        assert TrainingRecord.objects.filter(user=user, kind="initial").exists()
    assert SupervisionAction.objects.filter(completed_on__isnull=True).exists()
    assert SupervisionAction.objects.filter(completed_in__isnull=False).exists()


def test_supervisor2_is_warned_that_supervision_has_lapsed_and_supervisor1_is_not(demo):
    today = timezone.localdate()
    for username, lapsed in (("supervisor1", set()), ("supervisor2", {"carepartner3", "carepartner4"})):
        reviews = selectors.review(actor=Actor(user=User.objects.get(username=username)), today=today)
        assert {r.user.username for r in reviews if r.supervision_overdue} == lapsed


def test_safety_events_of_every_kind_and_new_ones_for_supervisor1(demo):
    kinds = set(SafetyEvent.objects.values_list("kind", flat=True))
    assert kinds == {"admission", "crisis", "sae"}
    assert len(new_safety_events(actor=Actor(user=User.objects.get(username="supervisor1")))) >= 2


def test_health_checks_leave_people_due_overdue_and_never_checked(demo):
    today = timezone.localdate()
    practice = Organisation.objects.get(ods_code="X91001")
    statuses = []
    for person in practice.registered_people.all():
        last = HealthCheck.objects.filter(person=person).order_by("-checked_on").values_list("checked_on", flat=True)
        statuses.append(check_status(last[0] if last else None, today))
    assert {s.status for s in statuses} == {"up_to_date", "due", "overdue"}
    assert any(s.status == OVERDUE and s.last_checked_on is None for s in statuses)


def test_one_demo_practice_had_a_care_partner_in_post_for_under_seventy_percent_of_the_year(demo):
    end = timezone.localdate()
    start = end - timedelta(days=364)
    figures = fidelity(gather_records(start, end), Unit.system(), start, end)
    late = Organisation.objects.get(ods_code="X91010").pk
    assert figures.below_threshold == (late,)
