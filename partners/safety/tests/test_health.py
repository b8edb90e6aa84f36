"""BMI, the annual check's due and overdue status, and which elements a check left out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from partners.safety.health import DUE, OVERDUE, UP_TO_DATE, add_months, bmi, check_status, missing_elements


def test_bmi_is_weight_over_height_squared_to_one_decimal_place():
    assert bmi(Decimal("81.2"), Decimal("171.5")) == Decimal("27.6")  # 81.2 / 1.715^2 = 27.61
    assert bmi(70, 175) == Decimal("22.9")  # 22.857
    assert bmi(Decimal("91.4"), Decimal("200.0")) == Decimal("22.9")  # 22.85 exactly: half-way rounds up


def test_bmi_needs_both_measurements():
    assert bmi(None, 170) is None and bmi(70, None) is None and bmi(0, 170) is None


def test_a_check_is_up_to_date_then_due_in_the_month_before_its_anniversary_then_overdue():
    last = date(2025, 3, 10)
    assert check_status(last, date(2026, 2, 9)).status == UP_TO_DATE
    assert check_status(last, date(2026, 2, 10)).status == DUE
    due = check_status(last, date(2026, 3, 10))
    assert due.status == DUE and due.due_on == date(2026, 3, 10)
    assert check_status(last, date(2026, 3, 11)).status == OVERDUE


def test_never_checked_is_overdue_and_says_so():
    status = check_status(None, date(2026, 1, 1))
    assert status.status == OVERDUE and status.label == "Never checked" and status.due_on is None
    assert status.tag_key == "overdue"


def test_a_check_on_29_february_falls_due_on_28_february():
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
       st.integers(min_value=0, max_value=800))
def test_status_moves_only_forward_as_time_passes(last, days):
    from datetime import timedelta

    order = [UP_TO_DATE, DUE, OVERDUE]
    today = last + timedelta(days=days)
    later = today + timedelta(days=1)
    assert order.index(check_status(last, today).status) <= order.index(check_status(last, later).status)


def test_missing_elements_names_the_six_elements_not_recorded():
    assert missing_elements(bmi=Decimal("25"), systolic_bp=120, diastolic_bp=80, total_cholesterol=Decimal("5"),
                            hba1c=None, glucose=Decimal("5.1"), smoking="never", alcohol_units_per_week=0) == []
    assert missing_elements(bmi=None, systolic_bp=120, diastolic_bp=None, total_cholesterol=None, hba1c=None,
                            glucose=None, smoking="not_recorded", alcohol_units_per_week=None) == [
        "BMI", "blood pressure", "cholesterol", "glucose or HbA1c", "smoking status", "alcohol"]
