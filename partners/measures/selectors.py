"""Reads of questionnaires: scoped to the caller and audited (through the registry's person read), plus
``latest_scores_for_people`` for the caseload.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, NamedTuple

from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record
from partners.care.models import OPEN_PHASES, Episode
from partners.measures import conf
from partners.measures.charts import format_number
from partners.measures.engine import get_instrument
from partners.measures.models import MeasurementPlan, QuestionnaireResponse, SelfCompletionLink
from partners.measures.schedule import Completed, MeasurementPoint, episode_end, measurement_points
from partners.registry.models import Person
from partners.registry.selectors import service_user_get

Direction = Literal["up", "down", "same"]
SCORE_PLACES = {"eq-5d-5l": 3, "icecap-a": 3}


class LatestScore(NamedTuple):
    latest: float
    previous: float | None
    direction: Direction | None  # None when there is no previous score


def format_score(instrument: str, value: float | None) -> str:
    if value is None:
        return "No score"
    return format_number(value, SCORE_PLACES.get(instrument, 2))


def direction_of(latest: float, previous: float | None, instrument: str = "mansa") -> Direction | None:
    """'up', 'down' or 'same' (equal when shown to the instrument's precision); None without a previous score."""
    if previous is None:
        return None
    places = SCORE_PLACES.get(instrument, 2)
    difference = round(latest - previous, places)
    return "same" if difference == 0 else "up" if difference > 0 else "down"


def latest_scores_for_people(person_ids: Iterable[int], instrument: str = "mansa") -> dict[int, LatestScore]:
    """Each person's latest and previous completed score on ``instrument``, and the direction, in one query.

    For the caseload ("latest MANSA and direction"): ``{person_id: (latest, previous, direction)}`` where
    direction is ``"up"``, ``"down"`` or ``"same"`` (the raw direction of the number; for MANSA up is
    better, for PHQ-9 down is) or ``None`` when there is only one score. People with no score are left out.
    Latest means the latest ``completed_on`` (ties: the one entered last). Responses without a score (too
    many items missing) are skipped. Not scoped or audited: pass the ids of people the caller already shows.
    """
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return {}
    ranked = (
        QuestionnaireResponse.objects.filter(person_id__in=ids, instrument=instrument,
                                             status=QuestionnaireResponse.Status.COMPLETED, score__isnull=False)
        .annotate(rank=Window(RowNumber(), partition_by=[F("person_id")],
                              order_by=[F("completed_on").desc(), F("pk").desc()]))
        .filter(rank__lte=2)
        .values_list("person_id", "rank", "score")
    )
    found: dict[int, dict[int, float]] = {}
    for person_id, rank, value in ranked:
        if value is not None:  # never: the query asks for scored responses
            found.setdefault(person_id, {})[rank] = value
    out = {}
    for person_id, by_rank in found.items():
        latest, previous = by_rank[1], by_rank.get(2)
        out[person_id] = LatestScore(latest, previous, direction_of(latest, previous, instrument))
    return out


def completed_responses(person: Person) -> QuerySet[QuestionnaireResponse]:
    return QuestionnaireResponse.objects.filter(person=person, status=QuestionnaireResponse.Status.COMPLETED)


def questionnaire_responses_list(*, actor: Actor, person_id: int, instrument: str | None = None, limit: int = 100,
                                 offset: int = 0) -> list[QuestionnaireResponse]:
    """A person's completed questionnaires, newest first, with their items (the read is audited)."""
    person = service_user_get(actor=actor, person_id=person_id)
    responses = completed_responses(person).select_related("entered_by").prefetch_related("items")
    if instrument:
        responses = responses.filter(instrument=instrument.strip().lower())
    result = list(responses.order_by("-completed_on", "-pk")[offset:offset + limit])
    audit_record(actor=actor, action=Action.VIEW, person_id=person.pk, object_type="questionnaire_responses",
                 detail={"instrument": instrument or "", "count": len(result)})
    return result


def questionnaire_response_get(*, actor: Actor, person_id: int, response_id: int) -> QuestionnaireResponse:
    person = service_user_get(actor=actor, person_id=person_id)
    try:
        response = (completed_responses(person).select_related("entered_by", "wording", "person")
                    .prefetch_related("items").get(pk=response_id))
    except (QuestionnaireResponse.DoesNotExist, ValueError, TypeError):
        raise Http404("No such questionnaire.") from None
    audit_record(actor=actor, action=Action.VIEW, person_id=person.pk, object_type="questionnaire_response",
                 object_id=response.pk)
    return response


def response_values(response: QuestionnaireResponse) -> list[Any]:
    """The stored answers in item order (``None`` for not answered); uses prefetched items when present."""
    instrument = get_instrument(response.instrument)
    by_position = {item.position: item.value for item in response.items.all()}
    return [by_position.get(n) for n in range(1, len(instrument.items) + 1)]


# --- the measurement schedule of an episode ---------------------------------------------------------------

@dataclass(frozen=True)
class Schedule:
    instruments: list[str]
    review_interval_months: int
    window_days: int
    collect_at_end: bool
    custom: bool


def schedule_settings(plan: MeasurementPlan | None) -> Schedule:
    if plan is not None:
        return Schedule(list(plan.instruments), plan.review_interval_months, plan.window_days, plan.collect_at_end,
                        True)
    return Schedule(list(conf.get("MEASUREMENT_INSTRUMENTS")), int(conf.get("MEASUREMENT_REVIEW_MONTHS")),
                    int(conf.get("MEASUREMENT_WINDOW_DAYS")), bool(conf.get("MEASUREMENT_COLLECT_AT_END")), False)


def episode_plan(episode: Episode) -> MeasurementPlan | None:
    try:
        return episode.measurement_plan
    except MeasurementPlan.DoesNotExist:
        return None


def episode_points(episode: Episode, responses: Iterable[QuestionnaireResponse], today: date | None = None
                   ) -> tuple[Schedule, list[MeasurementPoint]]:
    """The episode's schedule and its points, matched against the completed responses given (no queries
    beyond ``episode.measurement_plan``, which callers select_related)."""
    schedule = schedule_settings(episode_plan(episode))
    start = episode.started_on or episode.referred_on
    ended = episode.phase not in OPEN_PHASES
    end = episode_end(start=start, planned_end=episode.planned_end_on, ended_on=episode.ended_on if ended else None)
    completed = [Completed(r.instrument, r.point, r.completed_on, r.pk) for r in responses
                 if r.episode_id == episode.pk and r.completed_on is not None]
    points = measurement_points(
        start=start, end=end, ended=ended, instruments=schedule.instruments,
        review_interval_months=schedule.review_interval_months, window_days=schedule.window_days,
        collect_at_end=schedule.collect_at_end, completed=completed, today=today or timezone.localdate())
    return schedule, points


def live_links_queryset(person: Person) -> QuerySet[SelfCompletionLink]:
    return SelfCompletionLink.objects.filter(person=person, submitted_at__isnull=True, cancelled_at__isnull=True,
                                             expires_at__gt=timezone.now()).order_by("pk")
