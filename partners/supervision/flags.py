"""Caseload flags for many episodes at once, in a fixed number of queries (five, whatever the number of
episodes or the length of their histories).

    from partners.supervision.flags import flags_for_episodes
    flags = flags_for_episodes(episodes, timezone.localdate())   # {episode_id: [Flag, ...]}

``episodes`` are ``care.Episode`` instances (any queryset or list; only their own columns are read, so
no ``select_related`` is needed). Each ``Flag`` has ``code``, ``label``, ``reason`` (a sentence with the
dates that explain it), ``severity`` ("high" or "medium"), ``since`` and ``anchor`` (the person-page
section where it is acted on). Ended episodes get no flags. The rules and their thresholds are in
``partners.supervision.flagrules`` (pure, tested on its own) and configurable through
``partners.supervision.config``. The care caseload's 'flags' column and the supervisor's review use this.

Queries: the latest contact that reached each person (window function), the goals with their latest
review rating, the latest two completed scores per person and configured instrument (window function),
the safety events that can still raise a flag, and urgent referrals awaiting a response.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db.models import F, Max, Q, Window
from django.db.models.functions import RowNumber

from partners.care.models import Contact, Episode, Goal, GoalRating, Referral
from partners.common.bundle import Load
from partners.measures.models import QuestionnaireResponse
from partners.safety.models import SafetyEvent
from partners.supervision.config import flag_config
from partners.supervision.flagrules import (
    OPEN_PHASES,
    EpisodeFacts,
    Flag,
    FlagConfig,
    GoalFacts,
    ReferralFacts,
    SafetyFacts,
    ScoreFacts,
    episode_flags,
)

QUERIES = 5


def gather_facts(episodes: Iterable[Episode], today: date, config: FlagConfig) -> list[EpisodeFacts]:
    open_episodes = [e for e in episodes if e.phase in OPEN_PHASES]
    if not open_episodes:
        return []
    ids = [e.pk for e in open_episodes]
    person_ids = sorted({e.person_id for e in open_episodes})

    latest_contact: dict[int, tuple[date | None, date | None]] = {}
    contacts = (
        Contact.objects.filter(episode_id__in=ids, reached=True)
        .annotate(rank=Window(RowNumber(), partition_by=[F("episode_id")],
                              order_by=[F("contact_on").desc(), F("pk").desc()]))
        .filter(rank=1)
        .values_list("episode_id", "contact_on", "next_contact_on")
    )
    for episode_id, contact_on, next_on in contacts:
        latest_contact[episode_id] = (contact_on, next_on)

    goals: dict[int, list[GoalFacts]] = defaultdict(list)
    rows = (
        Goal.objects.filter(episode_id__in=ids)
        .annotate(last_review=Max("ratings__rated_on", filter=Q(ratings__kind=GoalRating.Kind.REVIEW)))
        .values_list("episode_id", "status", "agreed_on", "review_on", "last_review")
    )
    for episode_id, status, agreed_on, review_on, last_review in rows:
        goals[episode_id].append(GoalFacts(status, agreed_on, review_on, last_review))

    scores: dict[int, list[ScoreFacts]] = defaultdict(list)
    if config.worsening:
        responses = (
            QuestionnaireResponse.objects.filter(
                person_id__in=person_ids, instrument__in=list(config.worsening),
                status=QuestionnaireResponse.Status.COMPLETED, score__isnull=False, completed_on__isnull=False)
            .annotate(rank=Window(RowNumber(), partition_by=[F("person_id"), F("instrument")],
                                  order_by=[F("completed_on").desc(), F("pk").desc()]))
            .filter(rank__lte=2)
            .values_list("person_id", "instrument", "completed_on", "score")
        )
        for person_id, instrument, completed_on, score in responses:
            if completed_on is not None and score is not None:
                scores[person_id].append(ScoreFacts(instrument, completed_on, float(score)))

    safety: dict[int, list[SafetyFacts]] = defaultdict(list)
    earliest = min(e.referred_on for e in open_episodes)
    recent = today - timedelta(days=config.safety_recent_days)
    events = (
        SafetyEvent.objects.filter(person_id__in=person_ids, onset_on__gte=earliest)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=recent) | Q(reviewed_at__isnull=True))
        .values_list("person_id", "kind", "onset_on", "ended_on", "reviewed_at")
    )
    labels = dict(SafetyEvent.Kind.choices)
    for person_id, kind, onset_on, ended_on, reviewed_at in events:
        safety[person_id].append(SafetyFacts(kind, onset_on, ended_on, reviewed_at is not None, labels[kind]))

    referrals: dict[int, list[ReferralFacts]] = defaultdict(list)
    urgent = (Referral.objects.filter(episode_id__in=ids, urgent=True, status=Referral.Status.SENT)
              .values_list("episode_id", "referred_on", "service__name"))
    for episode_id, referred_on, service in urgent:
        referrals[episode_id].append(ReferralFacts(referred_on, service or ""))

    facts = []
    for e in open_episodes:
        latest_on, latest_next = latest_contact.get(e.pk) or (None, None)
        facts.append(_episode_facts(e, latest_on=latest_on, latest_next=latest_next, goals=goals.get(e.pk, ()),
                                    scores=scores.get(e.person_id, ()), safety=safety.get(e.person_id, ()),
                                    urgent=referrals.get(e.pk, ())))
    return facts


def _episode_facts(e: Episode, *, latest_on: date | None, latest_next: date | None, goals: Iterable[GoalFacts],
                   scores: Iterable[ScoreFacts], safety: Iterable[SafetyFacts],
                   urgent: Iterable[ReferralFacts]) -> EpisodeFacts:
    """The facts the rules read: the episode's own columns plus what was gathered about it."""
    return EpisodeFacts(
        id=e.pk, phase=e.phase, referred_on=e.referred_on, started_on=e.started_on, planned_end_on=e.planned_end_on,
        next_contact_on=e.next_contact_on, last_contact_on=e.last_contact_on,
        contact_interval_days=e.contact_interval_days, latest_contact_on=latest_on, latest_contact_next_on=latest_next,
        goals=tuple(goals), scores=tuple(scores), safety=tuple(safety), urgent_referrals=tuple(urgent))


def episode_loads(episode: Episode, today: date, config: FlagConfig) -> dict[str, Load]:
    """The same reads as ``gather_facts`` for ONE open episode, as ``common.bundle`` loads (the person page
    adds them to its shared preload, so its flags cost no query of their own)."""
    recent = today - timedelta(days=config.safety_recent_days)
    return {
        "flags.latest_contact": Load(Contact.objects.filter(episode=episode, reached=True)
                                     .order_by("-contact_on", "-pk")[:1]),
        "flags.goals": Load(Goal.objects.filter(episode=episode).order_by("pk")),
        "flags.reviews": Load(GoalRating.objects.filter(goal__episode=episode, kind=GoalRating.Kind.REVIEW)
                              .order_by("pk")),
        "flags.scores": Load(QuestionnaireResponse.objects.filter(
            person_id=episode.person_id, instrument__in=list(config.worsening) or ["-"],
            status=QuestionnaireResponse.Status.COMPLETED, score__isnull=False, completed_on__isnull=False)
            .order_by("-completed_on", "-pk")),
        "flags.safety": Load(SafetyEvent.objects.filter(person_id=episode.person_id, onset_on__gte=episode.referred_on)
                             .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=recent) | Q(reviewed_at__isnull=True))
                             .order_by("pk")),
        "flags.urgent": Load(Referral.objects.filter(episode=episode, urgent=True, status=Referral.Status.SENT)
                             .order_by("pk"), related=("service",)),
    }


def flags_from_loaded(episode: Episode, loaded: dict[str, Any], today: date, config: FlagConfig) -> list[Flag]:
    """``episode_flags`` for one episode from ``episode_loads``' results (the rules of ``gather_facts``)."""
    if episode.phase not in OPEN_PHASES:
        return []
    latest = loaded["flags.latest_contact"][0] if loaded["flags.latest_contact"] else None
    last_review: dict[int, date] = {}
    for rating in loaded["flags.reviews"]:
        last_review[rating.goal_id] = max(rating.rated_on, last_review.get(rating.goal_id, rating.rated_on))
    goals = tuple(GoalFacts(g.status, g.agreed_on, g.review_on, last_review.get(g.pk)) for g in loaded["flags.goals"])
    taken: dict[str, int] = defaultdict(int)
    scores = []
    for r in loaded["flags.scores"]:  # newest first: the latest two per instrument
        if taken[r.instrument] < 2:
            taken[r.instrument] += 1
            scores.append(ScoreFacts(r.instrument, r.completed_on, float(r.score)))
    labels = dict(SafetyEvent.Kind.choices)
    safety = tuple(SafetyFacts(e.kind, e.onset_on, e.ended_on, e.reviewed_at is not None, labels[e.kind])
                   for e in loaded["flags.safety"])
    urgent = tuple(ReferralFacts(r.referred_on, r.service.name if r.service else "") for r in loaded["flags.urgent"])
    facts = _episode_facts(episode, latest_on=latest.contact_on if latest else None,
                           latest_next=latest.next_contact_on if latest else None, goals=goals, scores=scores,
                           safety=safety, urgent=urgent)
    return episode_flags(facts, today, config)


def flags_for_episodes(episodes: Iterable[Episode], today: date,
                       *, config: FlagConfig | None = None) -> dict[int, list[Flag]]:
    """{episode id: flags, most urgent first} for every episode given (an empty list when none)."""
    episodes = list(episodes)
    config = config or flag_config()
    result: dict[int, list[Flag]] = {e.pk: [] for e in episodes}
    for facts in gather_facts(episodes, today, config):
        result[facts.id] = episode_flags(facts, today, config)
    return result
