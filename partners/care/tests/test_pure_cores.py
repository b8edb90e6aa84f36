"""The pure cores: the episode calendar and rhythm, caseload flags, practice availability."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from partners.care import rhythm

TODAY = date(2026, 6, 15)


def test_an_episode_lasts_twelve_months_with_the_last_two_a_transition():
    assert rhythm.planned_end(date(2026, 1, 10)) == date(2027, 1, 10)
    assert rhythm.transition_start(date(2026, 1, 10)) == date(2026, 11, 10)


def test_adding_months_clamps_to_the_end_of_a_shorter_month():
    assert rhythm.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rhythm.add_months(date(2028, 3, 31), -1) == date(2028, 2, 29)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(-36, 36))
def test_adding_months_moves_by_exactly_that_many_calendar_months(day, months):
    moved = rhythm.add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day <= day.day


def test_contact_status_is_overdue_before_today_and_due_within_a_week():
    assert rhythm.contact_status(TODAY - timedelta(days=1), TODAY) == "overdue"
    assert rhythm.contact_status(TODAY, TODAY) == "due"
    assert rhythm.contact_status(TODAY + timedelta(days=6), TODAY) == "due"
    assert rhythm.contact_status(TODAY + timedelta(days=7), TODAY) == "ok"
    assert rhythm.contact_status(None, TODAY) == "unplanned"


def test_the_suggested_next_contact_is_one_interval_on_and_never_in_the_past():
    assert rhythm.suggested_next_contact(after=TODAY, interval_days=14, today=TODAY) == TODAY + timedelta(days=14)
    long_ago = TODAY - timedelta(days=60)
    assert rhythm.suggested_next_contact(after=long_ago, interval_days=28, today=TODAY) == TODAY + timedelta(days=1)


def test_less_frequent_contact_is_a_step_down_and_more_frequent_a_step_up():
    assert rhythm.direction_of(14, 28) == "step_down"
    assert rhythm.direction_of(28, 7) == "step_up"
    assert rhythm.direction_of(14, 14) == ""

