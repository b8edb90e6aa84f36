"""When questionnaires are due in an episode: baseline, reviews every few months, and the end (pure Python).

``measurement_points`` lays out the points of one episode and matches the questionnaires already completed
to them, so a page can say what is done, due, overdue or missed. No Django here.

Rules:

- the baseline is due when the episode starts (``start``: the date the person accepted, else the referral);
- a review is due every ``review_interval_months`` after the start, while it falls more than ``window_days``
  before the end (a review that close to the end is the end point);
- the end point is due on the end (the actual end of an ended episode, else the planned end, else 12 months
  after the start), when ``collect_at_end``;
- a point is *done* when a completed questionnaire of that instrument and point kind is matched to it:
  the earliest baseline, the latest end, and each review to the nearest review due date not yet taken
  that it falls within half a review interval (or the window, if wider) of;
- otherwise it is *upcoming* until ``window_days`` before its due date, *due* until ``window_days`` after,
  then *overdue* until the next point's window opens (it can still be caught up), and *missed* after that
  or once the episode has ended.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

PointKind = Literal["baseline", "review", "end"]
Status = Literal["done", "upcoming", "due", "overdue", "missed"]


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clipped to the end of a shorter month (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Completed:
    """A completed questionnaire, as far as the schedule cares."""

    instrument: str
    point: str  # baseline, review, end, ad_hoc
    completed_on: date
    response_id: int | None = None


@dataclass(frozen=True)
class MeasurementPoint:
    instrument: str
    kind: PointKind
    number: int  # 1-based review number; 0 for baseline and end
    due_on: date
    window_from: date
    window_to: date
    status: Status
    completed_on: date | None = None
    response_id: int | None = None

    @property
    def label(self) -> str:
        if self.kind == "review":
            return f"Review {self.number}"
        return "Baseline" if self.kind == "baseline" else "End of episode"

    @property
    def outstanding(self) -> bool:
        return self.status in ("due", "overdue")


def episode_end(*, start: date, planned_end: date | None, ended_on: date | None, default_months: int = 12) -> date:
    return ended_on or planned_end or add_months(start, default_months)


def _status(due_on: date, window: timedelta, today: date, ended: bool, next_due: date | None) -> Status:
    if today < due_on - window:
        return "upcoming"
    if today <= due_on + window:
        return "due"
    if ended or (next_due is not None and today >= next_due - window):
        return "missed"
    return "overdue"


def measurement_points(
    *,
    start: date,
    end: date,
    ended: bool,
    instruments: Sequence[str],
    review_interval_months: int,
    window_days: int,
    collect_at_end: bool,
    completed: Iterable[Completed],
    today: date,
) -> list[MeasurementPoint]:
    """Every point of the episode for each instrument, in date order, with its status (see the module)."""
    if review_interval_months < 1:
        raise ValueError(f"review interval must be at least 1 month, not {review_interval_months}")
    if window_days < 0:
        raise ValueError(f"window must be 0 days or more, not {window_days}")
    window = timedelta(days=window_days)
    due: list[tuple[PointKind, int, date]] = [("baseline", 0, start)]
    k = 1
    while True:
        review_on = add_months(start, k * review_interval_months)
        if review_on >= end - window or (ended and review_on > end):
            break
        due.append(("review", k, review_on))
        k += 1
    if collect_at_end and end > start:
        due.append(("end", 0, end))

    by_instrument: dict[str, list[Completed]] = {}
    for c in completed:
        by_instrument.setdefault(c.instrument, []).append(c)

    points: list[MeasurementPoint] = []
    for instrument in instruments:
        done = sorted(by_instrument.get(instrument, []), key=lambda c: (c.completed_on, c.response_id or 0))
        matched: dict[tuple[str, int], Completed] = {}
        baselines = [c for c in done if c.point == "baseline"]
        if baselines:
            matched[("baseline", 0)] = baselines[0]
        ends = [c for c in done if c.point == "end"]
        if ends:
            matched[("end", 0)] = ends[-1]
        reviews = [(kind, n, on) for kind, n, on in due if kind == "review"]
        reach = max(window_days, round(review_interval_months * 30.44 / 2))
        for c in (c for c in done if c.point == "review"):
            free = [(abs((on - c.completed_on).days), n) for kind, n, on in reviews
                    if ("review", n) not in matched and abs((on - c.completed_on).days) <= reach]
            if free:
                matched[("review", min(free)[1])] = c
        for index, (kind, n, on) in enumerate(due):
            hit = matched.get((kind, n))
            next_due = due[index + 1][2] if index + 1 < len(due) else None
            points.append(MeasurementPoint(
                instrument=instrument, kind=kind, number=n, due_on=on, window_from=on - window,
                window_to=on + window, status="done" if hit else _status(on, window, today, ended, next_due),
                completed_on=hit.completed_on if hit else None, response_id=hit.response_id if hit else None,
            ))
    points.sort(key=lambda p: (p.due_on, list(instruments).index(p.instrument)))
    return points


def next_point_kind(points: Sequence[MeasurementPoint], instrument: str) -> PointKind | None:
    """The kind of the first outstanding (due or overdue) point for an instrument, else the next upcoming."""
    mine = [p for p in points if p.instrument == instrument]
    for wanted in (("overdue", "due"), ("upcoming",)):
        for p in mine:
            if p.status in wanted:
                return p.kind
    return None
