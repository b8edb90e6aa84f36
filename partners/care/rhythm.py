"""The episode's calendar and the proactive rhythm, as pure functions (no Django: reusable anywhere).

- An episode lasts up to 12 months from acceptance; the last 2 are a planned transition.
- Contact is fortnightly to start, stepped down (monthly, then every 3 months) or up by agreement.
- Every open episode has a next planned contact; before today it is overdue, within 7 days it is due.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

EPISODE_MONTHS = 12
TRANSITION_MONTHS = 2
START_INTERVAL_DAYS = 14
DUE_SOON_DAYS = 7
# The rhythms a Care Partner and the person can agree, in days.
INTERVALS: dict[int, str] = {
    3: "Every few days",
    7: "Weekly",
    14: "Fortnightly",
    28: "Monthly",
    56: "Every 2 months",
    91: "Every 3 months",
}


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def planned_end(started_on: date) -> date:
    return add_months(started_on, EPISODE_MONTHS)


def transition_start(started_on: date) -> date:
    return add_months(started_on, EPISODE_MONTHS - TRANSITION_MONTHS)


def interval_label(days: int) -> str:
    if days in INTERVALS:
        return INTERVALS[days]
    return f"Every {days} days"


def suggested_next_contact(*, after: date, interval_days: int, today: date) -> date:
    """The next planned contact: one interval after ``after``, and never before tomorrow."""
    return max(after + timedelta(days=interval_days), today + timedelta(days=1))


def contact_status(next_contact_on: date | None, today: date) -> str:
    """'overdue', 'due' (within 7 days), 'ok', or 'unplanned' (no next contact: itself a problem)."""
    if next_contact_on is None:
        return "unplanned"
    if next_contact_on < today:
        return "overdue"
    if next_contact_on < today + timedelta(days=DUE_SOON_DAYS):
        return "due"
    return "ok"


def direction_of(previous_interval: int, new_interval: int) -> str:
    """'step_down' when contact becomes less frequent, 'step_up' when more, '' when unchanged."""
    if new_interval > previous_interval:
        return "step_down"
    if new_interval < previous_interval:
        return "step_up"
    return ""
