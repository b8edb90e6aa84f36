"""The demo step gives some people in active care structured sessions, charted means and actions to review."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

from partners.care.models import Episode, Phase
from partners.conftest import make_person
from partners.measures.models import QuestionnaireResponse
from partners.voice.demo import structured_sessions
from partners.voice.models import AgreedAction, StructuredSession


def test_the_demo_step_creates_completed_sessions_with_scores_and_open_actions(world: Any) -> None:
    today = timezone.localdate()
    for n in range(20):
        person = make_person(world.practice_a, nhs_number=None, given=f"Demo{n}", family="Person")
        Episode.objects.create(person=person, care_partner=world.users["cp1"], practice=world.practice_a,
                               phase=Phase.ACTIVE, referred_on=today - timedelta(days=200),
                               started_on=today - timedelta(days=190), next_contact_on=today + timedelta(days=7))
    summary = structured_sessions(random.Random(7))
    sessions = list(StructuredSession.objects.all())
    assert sessions and summary.startswith(f"{len(sessions)} structured sessions")
    assert all(s.status == StructuredSession.Status.COMPLETED and s.ratings.count() == 11 for s in sessions)
    assert all(1 <= (s.life_mean or 0) <= 7 and 1 <= (s.care_mean or 0) <= 7 for s in sessions)
    assert QuestionnaireResponse.objects.filter(instrument="dialog-life").count() == len(sessions)
    assert AgreedAction.objects.filter(status=AgreedAction.Status.OPEN).exists()
    before = {e: StructuredSession.objects.filter(episode_id=e).count() for e in {s.episode_id for s in sessions}}
    structured_sessions(random.Random(7))  # a second run leaves people who already have sessions alone
    assert before == {e: StructuredSession.objects.filter(episode_id=e).count() for e in before}
