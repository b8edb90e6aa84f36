"""Demo step: structured sessions (DIALOG+ style) for some people in active care, with agreed actions still to
review at their next contact, and the DIALOG means as questionnaire responses (so they chart)."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from partners.care.models import Episode, Goal, Phase
from partners.measures.models import CollectionMode, ItemResponse, QuestionnaireResponse
from partners.measures.services import score_responses
from partners.voice import dialog
from partners.voice.models import AgreedAction, SessionDiscussion, SessionRating, StructuredSession

ACTIONS = {
    "mental_health": ["Try the breathing exercise before bed", "Write down three good things each evening"],
    "physical_health": ["Book the annual health check", "Walk to the shop instead of taking the bus"],
    "job": ["Visit the volunteer centre on Tuesday", "Update the CV with the Care Partner"],
    "accommodation": ["Call the housing officer about the damp", "Ask about a bidding number"],
    "leisure": ["Go to the allotment open day", "Look up the library's reading group"],
    "friendships": ["Text an old friend", "Try the peer support group once"],
    "partner_family": ["Phone my sister at the weekend", "Plan a visit to Mum"],
    "personal_safety": ["Save the crisis line number in the phone", "Ask for a door chain"],
    "medication": ["Ask the GP about the side effects", "Use a pill box for the week"],
    "practical_help": ["Bring the benefit letters next time", "Ask Citizens Advice about the bill"],
    "meetings": ["Meet at the park café next time", "Agree a text reminder the day before"],
}


def structured_sessions(rng: random.Random) -> str:
    today = timezone.localdate()
    episodes = list(Episode.objects.filter(phase__in=[Phase.ACTIVE, Phase.STEPPED_DOWN], care_partner__isnull=False,
                                           started_on__isnull=False)
                    .exclude(structured_sessions__isnull=False).select_related("person", "care_partner").order_by("pk"))
    chosen = [e for e in episodes if rng.random() < 0.35]
    goals: dict[int, list[Goal]] = {}
    goal: Goal | None
    for goal in Goal.objects.filter(episode__in=chosen, status=Goal.Status.ACTIVE).order_by("pk"):
        goals.setdefault(goal.episode_id, []).append(goal)
    sessions = actions = 0
    for episode in chosen:
        assert episode.started_on is not None and episode.care_partner is not None
        first = max(episode.started_on + timedelta(days=14), today - timedelta(days=rng.randint(40, 90)))
        held = [d for d in (first, first + timedelta(days=rng.randint(21, 35))) if d < today]
        base = {a.code: rng.randint(2, 5) for a in dialog.AREAS}
        for n, day in enumerate(held):
            ratings = {code: max(1, min(7, value + (rng.choice([0, 0, 1, 1, -1]) if n else 0)))
                       for code, value in base.items()}
            interpreter = episode.person.interpreter_needed
            mode = CollectionMode.INTERPRETER if interpreter else CollectionMode.STAFF
            responses = {}
            for code, areas in (("dialog-life", dialog.LIFE), ("dialog-care", dialog.CARE)):
                values = dialog.responses(ratings, areas)
                result = score_responses(code, values)
                response = QuestionnaireResponse.objects.create(
                    person=episode.person, episode=episode, instrument=code, instrument_version=result.version,
                    status=QuestionnaireResponse.Status.COMPLETED, mode=mode, completed_on=day,
                    entered_by=episode.care_partner, score=result.score, scores=result.scores,
                    scoring_rule=result.rule)
                ItemResponse.objects.bulk_create(ItemResponse(response=response, position=i, value=v)
                                                 for i, v in enumerate(values, start=1))
                responses[code] = response
            session = StructuredSession.objects.create(
                episode=episode, person=episode.person, care_partner=episode.care_partner, held_on=day,
                status=StructuredSession.Status.COMPLETED, interpreter_used=interpreter,
                life_response=responses["dialog-life"], care_response=responses["dialog-care"],
                life_mean=responses["dialog-life"].score, care_mean=responses["dialog-care"].score,
                completed_at=timezone.now())
            SessionRating.objects.bulk_create(SessionRating(session=session, area=c, rating=r,
                                                            more_help=r <= 3 and rng.random() < 0.6)
                                              for c, r in ratings.items())
            low = sorted(ratings, key=lambda c: (ratings[c], rng.random()))[:rng.randint(1, 3)]
            for position, area in enumerate(low, start=1):
                goal = next(iter(goals.get(episode.pk, [])), None) if position == 1 else None
                discussion = SessionDiscussion.objects.create(
                    session=session, area=area, position=position, done=True, goal=goal,
                    understanding="It has been harder lately, but some days are good.",
                    looking_forward="A small step better by next time.", options="Talked through a few ideas.")
                status = AgreedAction.Status.DONE if n == 0 and len(held) > 1 else AgreedAction.Status.OPEN
                AgreedAction.objects.create(discussion=discussion, session=session, episode=episode,
                                            text=rng.choice(ACTIONS[area]), goal=goal, status=status,
                                            reviewed_on=held[1] if status == AgreedAction.Status.DONE else None)
                actions += 1
            sessions += 1
    return f"{sessions} structured sessions for {len(chosen)} people, {actions} agreed actions"
