"""The measurement schedule (pure): baseline, reviews every few months, the end; done, due, overdue, missed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partners.measures.schedule import Completed, add_months, measurement_points, next_point_kind

START = date(2026, 1, 15)


def points(today, completed=(), *, end=date(2027, 1, 15), ended=False, instruments=("mansa",), months=3, window=28,
           at_end=True):
    return measurement_points(start=START, end=end, ended=ended, instruments=list(instruments),
                              review_interval_months=months, window_days=window, collect_at_end=at_end,
                              completed=list(completed), today=today)


def test_a_year_long_episode_has_a_baseline_three_reviews_and_an_end():
    laid_out = points(START)
    assert [(p.kind, p.number, p.due_on) for p in laid_out] == [
        ("baseline", 0, START), ("review", 1, date(2026, 4, 15)), ("review", 2, date(2026, 7, 15)),
        ("review", 3, date(2026, 10, 15)), ("end", 0, date(2027, 1, 15))]
    assert [p.label for p in laid_out] == ["Baseline", "Review 1", "Review 2", "Review 3", "End of episode"]


def test_a_review_that_would_fall_within_the_window_of_the_end_is_left_to_the_end():
    laid_out = points(START, end=date(2026, 10, 30))
    assert [p.kind for p in laid_out] == ["baseline", "review", "review", "end"]


def test_statuses_move_from_upcoming_to_due_to_overdue_to_missed():
    review_1 = date(2026, 4, 15)

    def status(today):
        return next(p.status for p in points(today) if p.kind == "review" and p.number == 1)

    assert status(review_1 - timedelta(days=29)) == "upcoming"
    assert status(review_1 - timedelta(days=28)) == "due"
    assert status(review_1 + timedelta(days=28)) == "due"
    assert status(review_1 + timedelta(days=29)) == "overdue"
    # once the next review's window opens, the missed one can no longer be caught up
    assert status(date(2026, 7, 15) - timedelta(days=28)) == "missed"


def test_every_unfinished_point_of_an_ended_episode_is_missed():
    laid_out = points(date(2026, 9, 1), end=date(2026, 8, 1), ended=True)
    assert [p.kind for p in laid_out] == ["baseline", "review", "end"]
    assert {p.status for p in laid_out} == {"missed"}


def test_completed_questionnaires_are_matched_to_their_points():
    done = [Completed("mansa", "baseline", START + timedelta(days=3), 1),
            Completed("mansa", "review", date(2026, 7, 20), 2),
            Completed("mansa", "review", date(2026, 4, 1), 3),
            Completed("phq9", "review", date(2026, 4, 15), 4),
            Completed("mansa", "ad_hoc", date(2026, 10, 15), 5)]
    laid_out = {(p.kind, p.number): p for p in points(date(2026, 12, 20), done)}
    assert laid_out[("baseline", 0)].status == "done" and laid_out[("baseline", 0)].response_id == 1
    assert laid_out[("review", 1)].response_id == 3 and laid_out[("review", 2)].response_id == 2
    assert laid_out[("review", 3)].status == "missed"  # the ad hoc questionnaire does not count
    assert laid_out[("end", 0)].status == "due"


def test_each_instrument_in_the_plan_has_its_own_points():
    laid_out = points(date(2026, 4, 20), [Completed("mansa", "review", date(2026, 4, 16))],
                      instruments=("mansa", "swemwbs"))
    review_1 = {p.instrument: p.status for p in laid_out if p.kind == "review" and p.number == 1}
    assert review_1 == {"mansa": "done", "swemwbs": "due"}
    assert next_point_kind(laid_out, "swemwbs") == "review"
    # the baseline was missed (review 1's window had opened), so what comes next for MANSA is review 2
    assert next(p.status for p in laid_out if p.instrument == "mansa" and p.kind == "baseline") == "missed"
    assert next_point_kind(laid_out, "mansa") == "review"


def test_six_monthly_reviews_and_no_end_point_when_asked():
    laid_out = points(START, months=6, at_end=False)
    assert [(p.kind, p.due_on) for p in laid_out] == [("baseline", START), ("review", date(2026, 7, 15))]


def test_add_months_clips_to_the_end_of_a_shorter_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_nonsense_settings_are_refused():
    with pytest.raises(ValueError, match="at least 1 month"):
        points(START, months=0)
    with pytest.raises(ValueError, match="0 days or more"):
        points(START, window=-1)


@given(start=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)),
       length=st.integers(min_value=1, max_value=900), months=st.integers(min_value=1, max_value=12),
       window=st.integers(min_value=0, max_value=60), offset=st.integers(min_value=-100, max_value=1000))
def test_points_are_in_order_one_baseline_and_reviews_strictly_between_start_and_end(start, length, months, window,
                                                                                    offset):
    end = start + timedelta(days=length)
    laid_out = measurement_points(start=start, end=end, ended=False, instruments=["mansa"],
                                  review_interval_months=months, window_days=window, collect_at_end=True,
                                  completed=[], today=start + timedelta(days=offset))
    dues = [p.due_on for p in laid_out]
    assert dues == sorted(dues) and laid_out[0].kind == "baseline" and laid_out[-1].kind == "end"
    assert all(start < p.due_on < end - timedelta(days=window) for p in laid_out if p.kind == "review")
    assert sum(p.status == "due" for p in laid_out) <= len(laid_out)
    assert all(p.status in ("upcoming", "due", "overdue", "missed") for p in laid_out)


def test_a_review_far_from_any_due_date_is_not_counted_for_one():
    laid_out = points(date(2026, 5, 1), [Completed("mansa", "review", date(2025, 6, 1), 9)])
    assert all(p.response_id is None for p in laid_out)
