"""Person page sections (``registry.sections.PERSON_SECTIONS``): scores over time, and goal progress.

Both read the page's shared preload (``preload``: responses, live links, goal ratings; no query of their own);
``outcomes`` adds, for staff who collect, the two queries that say which instruments their organisation has
enabled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from partners.audit.actor import Actor
from partners.care.models import GoalRating
from partners.common.bundle import Load
from partners.measures.availability import enabled_instruments
from partners.measures.charts import Chart, Thresholds, format_number, line_chart, thresholds_for
from partners.measures.engine import get_instrument
from partners.measures.models import QuestionnaireResponse
from partners.measures.presentation import COLLECTED, short_name
from partners.measures.selectors import (
    SCORE_PLACES,
    completed_responses,
    direction_of,
    episode_points,
    format_score,
    live_links_queryset,
)
from partners.measures.services import WRITER_ROLES
from partners.registry.models import Person
from partners.registry.sections import PersonPage, page_for

LOWER_IS_BETTER = frozenset({"phq9", "gad7"})
FLAG_TEXT = {
    "phq9-item9-positive": "PHQ-9 question 9 (thoughts of being better off dead or of self-harm) was answered "
                           "above 'not at all': check on the person's safety",
    "tus-outlier": "Time Use Survey total is unusually high",
}


@dataclass
class ScoreRow:
    response_id: int
    completed_on: date | None
    point: str
    score: str
    change: str
    mode: str
    notes: str


@dataclass
class MeasureView:
    code: str
    name: str
    full_name: str
    description: str
    better: str
    rows: list[ScoreRow]
    chart: Chart | None
    thresholds: Thresholds
    title: str
    summary: str
    latest: str
    direction: str | None
    flags: list[str] = field(default_factory=list)


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _signed(value: float, places: int) -> str:
    text = format_number(abs(value), places)
    return "no change" if text == "0" else f"{'+' if value > 0 else '-'}{text}"


def _measure(code: str, responses: list[QuestionnaireResponse]) -> MeasureView:
    instrument = get_instrument(code)
    places = SCORE_PLACES.get(code, 2)
    thresholds = thresholds_for(instrument)
    # (date, score, response) for the responses with a score: what the chart and the change are drawn from
    scored = [(r.completed_on, r.score, r) for r in responses if r.score is not None and r.completed_on is not None]
    first = scored[0][1] if scored else None
    rows = []
    flags: list[str] = []
    for r in responses:
        notes = []
        if r.score is None:
            notes.append(r.no_score_reason or "not scored")
        elif r.prorated:
            notes.append(f"{r.missing} item{'s' if r.missing != 1 else ''} missing: prorated")
        elif r.missing:
            notes.append(f"{r.missing} optional item{'s' if r.missing != 1 else ''} not answered")
        if isinstance(r.scores, dict) and r.scores.get("severity"):
            notes.append(str(r.scores["severity"]))
        for flag in r.flags or []:
            text = FLAG_TEXT.get(flag, flag)
            notes.append(text)
            flags.append(f"{long_date(r.completed_on)}: {text}" if r.completed_on else text)
        change = ""
        if r.score is not None and first is not None and r is not scored[0][2]:
            change = _signed(r.score - first, places)
        rows.append(ScoreRow(response_id=r.pk, completed_on=r.completed_on, point=r.get_point_display(),
                             score=format_score(code, r.score), change=change, mode=r.get_mode_display(),
                             notes="; ".join(notes)))
    name = short_name(code)
    chart = None
    summary = f"No {name} score yet."
    latest = "No score"
    direction = None
    if scored and first is not None:
        band = (first, thresholds.change, thresholds.change_label) if thresholds.change else None
        chart = line_chart([(name, [(on, value) for on, value, _ in scored])], y_range=instrument.score_range,
                           lines=thresholds.lines, band=band, places=places)
        last_on, last_score, _ = scored[-1]
        latest = format_score(code, last_score)
        previous = scored[-2][1] if len(scored) > 1 else None
        direction = direction_of(last_score, previous, code)
        summary = (f"{len(scored)} {name} score{'s' if len(scored) != 1 else ''} from "
                   f"{long_date(scored[0][0])} to {long_date(last_on)}: first "
                   f"{format_score(code, first)}, latest {latest}")
        if len(scored) > 1:
            summary += f" ({_signed(last_score - first, places)} since the first)"
        summary += "."
        if thresholds.change_label:
            summary += f" Shaded: {thresholds.change_label.lower()}."
        for value, _ in thresholds.lines:
            summary += f" Dashed line: clinical threshold {format_number(value, places)}."
    return MeasureView(
        code=code, name=name, full_name=instrument.name, description=instrument.score_description,
        better="lower is better" if code in LOWER_IS_BETTER else "higher is better", rows=rows, chart=chart,
        thresholds=thresholds, title=f"{name} scores over time", summary=summary, latest=latest,
        direction=direction, flags=flags)


def preload(page: PersonPage) -> dict[str, Load]:
    person = page.person
    return {
        "measures.responses": Load(completed_responses(person).order_by("completed_on", "pk")),
        "measures.links": Load(live_links_queryset(person), related=("response", "sent_by")),
        "measures.goal_ratings": Load(GoalRating.objects.filter(goal__person=person).order_by("rated_on", "pk"),
                                      related=("goal",)),
    }


def outcomes(actor: Actor, person: Person) -> dict[str, Any]:
    page = page_for(actor, person)
    responses: list[QuestionnaireResponse] = page.loaded["measures.responses"]
    episode = page.open_episode
    can_collect = actor.user.role in WRITER_ROLES
    by_code: dict[str, list[QuestionnaireResponse]] = {}
    for r in responses:
        by_code.setdefault(r.instrument, []).append(r)
    measures = [_measure(code, by_code[code]) for code in COLLECTED if code in by_code]
    schedule, points = episode_points(episode, responses) if episode else (None, [])
    outstanding = [p for p in points if p.outstanding]
    upcoming = next((p for p in points if p.status == "upcoming"), None)
    return {
        "template": "measures/sections/outcomes.html",
        "measures": measures,
        "episode": episode,
        "schedule": schedule,
        "schedule_names": [short_name(c) for c in schedule.instruments] if schedule else [],
        "outstanding": [(p, short_name(p.instrument)) for p in outstanding],
        "upcoming": (upcoming, short_name(upcoming.instrument)) if upcoming else None,
        "links": [(link, short_name(link.response.instrument)) for link in page.loaded["measures.links"]],
        "can_collect": can_collect,
        "can_send": can_collect and bool(enabled_instruments(actor.user.organisation_id)),
        "flags": [f for m in measures for f in m.flags],
    }


@dataclass
class GoalRow:
    words: str
    area: str
    status: str
    ratings: list[tuple[date, int, str]]
    first: str
    latest: str
    change: str


def goal_progress(actor: Actor, person: Person) -> dict[str, Any] | None:
    """Goal-based outcome ratings (0-10) over time, one line per goal (care's GoalRating, read only)."""
    ratings: list[GoalRating] = page_for(actor, person).loaded["measures.goal_ratings"]
    if not ratings:
        return None
    by_goal: dict[int, list[GoalRating]] = {}
    for rating in ratings:
        by_goal.setdefault(rating.goal_id, []).append(rating)
    goals = sorted({r.goal_id: r.goal for r in ratings}.values(), key=lambda g: (g.agreed_on, g.pk))
    rows = []
    series = []
    for n, goal in enumerate(goals, start=1):
        mine = by_goal[goal.pk]
        first, last = mine[0].rating, mine[-1].rating
        rows.append(GoalRow(words=goal.words, area=goal.get_life_area_display(), status=goal.get_status_display(),
                            ratings=[(r.rated_on, r.rating, r.get_kind_display()) for r in mine], first=str(first),
                            latest=str(last), change=_signed(last - first, 0) if len(mine) > 1 else ""))
        label = goal.words if len(goal.words) <= 40 else goal.words[:39] + "..."
        series.append((f"Goal {n}: {label}", [(r.rated_on, float(r.rating)) for r in mine]))
    chart = line_chart(series, y_range=(0, 10), places=0)
    summary = "; ".join(f"goal {n} from {row.first} to {row.latest} out of 10" for n, row in enumerate(rows, start=1))
    return {
        "template": "measures/sections/goal_progress.html",
        "chart": chart,
        "rows": rows,
        "title": "Goal progress ratings over time",
        "summary": f"Progress ratings (0 no progress, 10 goal reached) for {len(rows)} "
                   f"goal{'s' if len(rows) != 1 else ''}: {summary}.",
    }
