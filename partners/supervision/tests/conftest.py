"""Builders for caseloads with a history (contacts, goals, scores, safety events), for query-count tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from partners.conftest import make_person


def build_caseload(cp: Any, practice: Any, people: int, *, history: int = 1, tag: str = "") -> list[Any]:
    """``people`` open episodes for ``cp``; each with ``history`` contacts, goals, ratings, scores and events."""
    from partners.care.models import Contact, Episode, Goal, GoalRating, Phase
    from partners.measures.models import QuestionnaireResponse
    from partners.safety.models import SafetyEvent

    today = timezone.localdate()
    episodes = []
    for i in range(people):
        person = make_person(practice, nhs_number=None, given=f"P{tag}{i}", family=f"Case{tag}{i:03d}")
        start = today - timedelta(days=20 + 14 * history)
        episode = Episode.objects.create(
            person=person, care_partner=cp, practice=practice, phase=Phase.ACTIVE, referred_on=start,
            started_on=start, planned_end_on=start + timedelta(days=365),
            next_contact_on=today - timedelta(days=i % 3), last_contact_on=today - timedelta(days=14))
        for k in range(history):
            day = start + timedelta(days=14 * k + 1)
            Contact.objects.create(episode=episode, person=person, care_partner=cp, contact_on=day,
                                   mode="telephone", minutes=20, goals_discussed=k % 2 == 0,
                                   next_contact_on=day + timedelta(days=14))
            goal = Goal.objects.create(episode=episode, person=person, life_area="social", words=f"Goal {k}",
                                       agreed_on=day, review_on=day + timedelta(days=60))
            GoalRating.objects.create(goal=goal, rated_on=day, rating=3, kind="agreement")
            QuestionnaireResponse.objects.create(person=person, episode=episode, instrument="mansa",
                                                 completed_on=day, score=4.5 - 0.5 * k, status="completed")
            SafetyEvent.objects.create(person=person, episode=episode, kind="crisis", onset_on=day + timedelta(days=2),
                                       ended_on=day + timedelta(days=5))
        episodes.append(episode)
    return episodes


@pytest.fixture
def caseload() -> Any:
    return build_caseload


def days(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)
