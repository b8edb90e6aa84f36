"""Rich synthetic care records for one person: an episode with every kind of record FHIR exports."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from partners.measures.engine import get_instrument, score


def responses(code: str, seed: int) -> list[Any]:
    out: list[Any] = []
    for n, item in enumerate(get_instrument(code).items):
        if item.kind == "boolean":
            out.append((n + seed) % 2 == 0)
        elif item.kind == "hours":
            out.append(round(1.5 + (n + seed) % 5, 1))
        else:
            low, high = int(item.minimum or 0), int(item.maximum or 0)
            out.append(low + (n * 3 + seed) % (high - low + 1))
    return out


def questionnaire(person: Any, episode: Any, code: str, point: str, on: date, seed: int, entered_by: Any) -> Any:
    from partners.measures.models import ItemResponse, QuestionnaireResponse

    values = responses(code, seed)
    values[1] = None  # one item left unanswered
    result = score(code, values)
    response = QuestionnaireResponse.objects.create(
        person=person, episode=episode, instrument=code, instrument_version=result.version, point=point,
        status="completed", mode="self" if seed % 2 else "staff", language="en", completed_on=on,
        entered_by=None if seed % 2 else entered_by, score=result.score, scores=result.scores, missing=result.missing,
        prorated=result.prorated, value_set=result.value_set or "", scoring_rule=result.rule)
    ItemResponse.objects.bulk_create(ItemResponse(response=response, position=i + 1, value=v)
                                     for i, v in enumerate(values))
    return response


def full_history(person: Any, care_partner: Any, *, seed: int = 0, start: date | None = None) -> Any:
    """An episode with shared understanding, goals and ratings, contacts, questionnaires, a health check,
    a referral and a safety event. Returns the episode."""
    from partners.care.models import Contact, Episode, Goal, GoalRating, Referral, Service, SharedUnderstanding
    from partners.safety.models import HealthCheck, SafetyEvent

    start = start or date(2025, 3, 3) + timedelta(days=seed * 11)
    episode = Episode.objects.create(
        person=person, care_partner=care_partner, practice=person.practice, phase="active", referred_on=start,
        started_on=start + timedelta(days=6), planned_end_on=start + timedelta(days=371),
        transition_from=start + timedelta(days=310), secondary_care_change="not_applicable",
        contact_interval_days=14, next_contact_on=start + timedelta(days=200),
        last_contact_on=start + timedelta(days=90))
    SharedUnderstanding.objects.create(episode=episode, situation="Lives alone; money worries.",
                                       strengths="Good with people; likes walking.",
                                       what_matters="Seeing my daughter more often.")
    goals = []
    for i, (area, words) in enumerate([("relationships", "See my daughter every month"),
                                       ("physical_health", "Walk to the park three times a week")]):
        goal = Goal.objects.create(episode=episode, person=person, life_area=area, words=words,
                                   steps="Phone her on Sundays" if i == 0 else "", who_helps="My Care Partner",
                                   agreed_on=start + timedelta(days=20), review_on=start + timedelta(days=110),
                                   status="active" if i == 0 else "achieved",
                                   status_changed_on=None if i == 0 else start + timedelta(days=100))
        GoalRating.objects.create(goal=goal, rated_on=start + timedelta(days=20), rating=3 + seed % 3,
                                  kind="agreement")
        GoalRating.objects.create(goal=goal, rated_on=start + timedelta(days=100), rating=6 + i, kind="review")
        goals.append(goal)
    for n, (mode, place, minutes, reached) in enumerate([
            ("face_to_face", "home", 45, True), ("telephone", "", 15, True), ("video", "", 25, True),
            ("text", "", 2, False), ("face_to_face", "community", 60, True)]):
        contact = Contact.objects.create(
            episode=episode, person=person, care_partner=care_partner, contact_on=start + timedelta(days=8 + 14 * n),
            mode=mode, place=place, minutes=minutes, reached=reached, goals_discussed=n in (0, 2, 4),
            notes=f"Talked about week {n}." if reached else "", liaison_actions="Asked GP about medication review"
            if n == 2 else "", next_contact_on=start + timedelta(days=22 + 14 * n))
        if n in (0, 2):
            contact.goals.set(goals)
    questionnaire(person, episode, "mansa", "baseline", start + timedelta(days=7), seed, care_partner)
    questionnaire(person, episode, "mansa", "review", start + timedelta(days=120), seed + 1, care_partner)
    questionnaire(person, episode, "phq9", "baseline", start + timedelta(days=7), seed + 2, care_partner)
    questionnaire(person, episode, "tus", "baseline", start + timedelta(days=7), seed + 3, care_partner)
    HealthCheck.objects.create(
        person=person, checked_on=start + timedelta(days=40), weight_kg=Decimal("82.5"), height_cm=Decimal("171.0"),
        bmi=Decimal("28.2"), systolic_bp=132, diastolic_bp=84, total_cholesterol=Decimal("5.4"),
        hdl_cholesterol=Decimal("1.2"), hba1c=41, glucose=Decimal("5.6"), smoking="current",
        alcohol_units_per_week=10, interventions=["smoking cessation referral"], notes="Interested in stopping.")
    HealthCheck.objects.create(person=person, checked_on=start - timedelta(days=300), systolic_bp=128,
                               smoking="not_recorded")
    service, _ = Service.objects.get_or_create(name="Shire Mind peer support", kind="peer_support")
    Referral.objects.create(episode=episode, person=person, service=service, referred_on=start + timedelta(days=30),
                            reason="Would like to meet others", urgent=False, status="accepted",
                            outcome="Started the Tuesday group", outcome_on=start + timedelta(days=50))
    SafetyEvent.objects.create(person=person, episode=episode, kind="crisis", onset_on=start + timedelta(days=70),
                               ended_on=start + timedelta(days=80))
    return episode
