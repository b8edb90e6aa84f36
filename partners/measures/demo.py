"""Demo step: realistic questionnaire histories for the people in demo episodes (synthetic data only).

Everyone whose episode has started has MANSA at baseline and at the 3-monthly reviews due so far (and at
the end of an ended episode), with a few points missed; some also have SWEMWBS or WEMWBS, EQ-5D-5L, and
PHQ-9 with GAD-7. Each person has a latent level of wellbeing that improves a little on average over the
episode (about a tenth of a standard deviation per review, with noise), and item answers are drawn around
it. Every response is scored by the engine and stored item by item. Uses the existing episodes only.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from partners.accounts.models import Role, User
from partners.care.models import Episode, Phase
from partners.measures.availability import NEEDS_REGISTRATION
from partners.measures.engine import get_instrument
from partners.measures.models import (
    CollectionMode,
    InstrumentSetting,
    ItemResponse,
    MeasurementPlan,
    QuestionnaireResponse,
    SelfCompletionLink,
)
from partners.measures.schedule import episode_end, measurement_points
from partners.measures.services import score_responses

# Typical differences between MANSA satisfaction items (finances and work lower, safety and housing higher).
MANSA_OFFSETS = (0.0, -0.5, -0.7, 0.0, 0.1, 0.3, 0.4, 0.2, -0.4, 0.2, -0.2, -0.3)
EQ5D_OFFSETS = (-0.5, -0.9, 0.0, 0.1, 0.6)


def _clip(value: float, low: int, high: int) -> int:
    return int(min(high, max(low, round(value))))


def _answers(code: str, z: float, rng: random.Random) -> list[Any]:
    """Item answers for someone at latent level ``z`` (0 = typical at baseline, higher = better)."""
    if code == "mansa":
        sat: list[Any] = [_clip(4.0 + 0.8 * z + off + rng.gauss(0, 0.8), 1, 7) for off in MANSA_OFFSETS]
        roll = rng.random()
        if roll < 0.06:
            sat[8] = None  # sex life: the item most often left unanswered
        elif roll < 0.07:
            sat[rng.randrange(12)] = None
            sat[rng.randrange(12)] = None
        objective = [rng.random() < 0.55 + 0.1 * z, rng.random() < 0.45 + 0.1 * z, rng.random() < 0.04,
                     rng.random() < 0.07]
        return sat + objective
    if code in ("wemwbs", "swemwbs"):
        n = 14 if code == "wemwbs" else 7
        return [_clip(2.9 + 0.7 * z + rng.gauss(0, 0.6), 1, 5) for _ in range(n)]
    if code == "eq-5d-5l":
        dims = [_clip(1.9 - 0.6 * z + off + rng.gauss(0, 0.7), 1, 5) for off in EQ5D_OFFSETS]
        return [*dims, _clip(60 + 12 * z + rng.gauss(0, 8), 0, 100)]
    if code in ("phq9", "gad7"):
        n = 9 if code == "phq9" else 7
        items = [_clip(1.3 - 0.6 * z + rng.gauss(0, 0.6), 0, 3) for _ in range(n)]
        if code == "phq9":
            items[8] = 1 if rng.random() < 0.05 else 0
        return items
    raise ValueError(f"no demo answers for {code}")


def _enable_licensed(admin: User | None) -> None:
    now = timezone.now()
    for code in sorted(NEEDS_REGISTRATION - {"icecap-a"}):
        InstrumentSetting.objects.update_or_create(instrument=code, organisation=None, defaults={
            "enabled": True, "licence_confirmed": True, "licence_note": get_instrument(code).licence,
            "changed_by": admin, "changed_at": now})


def questionnaire_histories(rng: random.Random) -> str:
    today = timezone.localdate()
    admin = User.objects.filter(role=Role.ADMINISTRATOR, is_demo=True).order_by("pk").first()
    _enable_licensed(admin)
    episodes = list(Episode.objects.filter(started_on__isnull=False).exclude(
        pk__in=QuestionnaireResponse.objects.filter(episode__isnull=False).values("episode_id"))
        .select_related("person", "care_partner").order_by("pk"))
    planned: list[tuple[QuestionnaireResponse, list[Any], bool]] = []
    plans = []
    for episode in episodes:
        extra = []
        if rng.random() < 0.3:
            extra.append("swemwbs")
        elif rng.random() < 0.1:
            extra.append("wemwbs")
        if rng.random() < 0.25:
            extra.append("eq-5d-5l")
        if rng.random() < 0.2:
            extra += ["phq9", "gad7"]
        instruments = ["mansa", *extra]
        if extra:
            plans.append(MeasurementPlan(episode=episode, instruments=instruments, review_interval_months=3,
                                         window_days=28, collect_at_end=True, updated_by=episode.care_partner))
        start = episode.started_on
        assert start is not None
        ended = episode.phase == Phase.ENDED
        end = episode_end(start=start, planned_end=episode.planned_end_on, ended_on=episode.ended_on if ended else None)
        points = measurement_points(start=start, end=end, ended=ended, instruments=["mansa"],
                                    review_interval_months=3, window_days=28, collect_at_end=True, completed=[],
                                    today=today)
        z0 = rng.gauss(0, 1)
        gain = rng.gauss(0.12, 0.15)  # per review: a small average improvement, varying between people
        person = episode.person
        for point in points:
            skip = 0.08 if point.kind == "baseline" else 0.18
            when = point.due_on + timedelta(days=rng.randint(0, 10) if point.kind == "baseline"
                                            else rng.randint(-10, 14))
            if when > today - timedelta(days=1) or when < start or rng.random() < skip:
                continue
            months = (when - start).days / 30.44
            z = z0 + gain * months / 3 + rng.gauss(0, 0.35)
            mode = (CollectionMode.INTERPRETER if person.interpreter_needed
                    else CollectionMode.SELF if rng.random() < 0.3 else CollectionMode.STAFF)
            for code in instruments:
                if code != "mansa" and rng.random() < 0.12:
                    continue
                values = _answers(code, z, rng)
                result = score_responses(code, values)
                response = QuestionnaireResponse(
                    person=person, episode=episode, instrument=code, instrument_version=result.version,
                    point=point.kind, status=QuestionnaireResponse.Status.COMPLETED, mode=mode,
                    language=person.interpreter_language if mode == CollectionMode.INTERPRETER else "en",
                    completed_on=when, entered_by=None if mode == CollectionMode.SELF else episode.care_partner,
                    score=result.score, scores=result.scores, missing=result.missing, prorated=result.prorated,
                    value_set=result.value_set or "", scoring_rule=result.rule,
                    no_score_reason=result.no_score_reason or "", flags=list(result.flags))
                planned.append((response, values, mode == CollectionMode.SELF))
    MeasurementPlan.objects.bulk_create(plans, batch_size=500)
    QuestionnaireResponse.objects.bulk_create([r for r, _, _ in planned], batch_size=500)
    if planned and planned[0][0].pk is None:  # a database that does not return ids from bulk inserts
        raise RuntimeError("bulk_create did not return primary keys")
    items = [ItemResponse(response=r, position=n, value=v) for r, values, _ in planned
             for n, v in enumerate(values, start=1)]
    ItemResponse.objects.bulk_create(items, batch_size=2000)
    links = []
    for response, _, by_self in planned:
        if by_self:
            assert response.completed_on is not None
            sent = _at(response.completed_on - timedelta(days=rng.randint(0, 5)))
            links.append(SelfCompletionLink(
                # A hash of a token nobody holds: these historical links can never be opened.
                token_hash=hashlib.sha256(f"demo-used-link-{response.pk}-{rng.random()}".encode()).hexdigest(),
                person_id=response.person_id, response=response, channel=SelfCompletionLink.Channel.SMS,
                sent_by=response.episode.care_partner if response.episode else None, created_at=sent,
                expires_at=sent + timedelta(days=14), first_opened_at=_at(response.completed_on),
                submitted_at=_at(response.completed_on)))
    SelfCompletionLink.objects.bulk_create(links, batch_size=500)
    people = len({r.person_id for r, _, _ in planned})
    return f"{len(planned)} questionnaires ({len(items)} answers) for {people} people, {len(plans)} custom schedules"


def _at(day: date) -> Any:
    return timezone.make_aware(datetime.combine(day, time(12)))
