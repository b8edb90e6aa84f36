"""The annual SMI physical health check: BMI, completeness and when the next one is due. No Django here.

Due and overdue (per practice, on the practice's list):
- ``overdue``: never checked, or more than 12 months since the last check (the anniversary has passed);
- ``due``: within the month before the anniversary (from 11 months after the last check up to and
  including the anniversary);
- ``up_to_date``: otherwise.
Months are calendar months; a check on 29 February falls due on 28 February in other years.

Completeness follows the six elements of the comprehensive physical health check for people with SMI
(NHS England, QOF): BMI, blood pressure, lipids (cholesterol), glucose or HbA1c, smoking status and
alcohol consumption.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

OVERDUE = "overdue"
DUE = "due"
UP_TO_DATE = "up_to_date"
STATUS_LABELS = {OVERDUE: "Overdue", DUE: "Due", UP_TO_DATE: "Up to date"}

ELEMENTS = ("BMI", "blood pressure", "cholesterol", "glucose or HbA1c", "smoking status", "alcohol")


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def bmi(weight_kg: Decimal | float | None, height_cm: Decimal | float | None) -> Decimal | None:
    """Body mass index, kg/m2, to one decimal place (half up); None unless both are given and positive."""
    if weight_kg is None or height_cm is None:
        return None
    weight, height = Decimal(str(weight_kg)), Decimal(str(height_cm)) / 100
    if weight <= 0 or height <= 0:
        return None
    return (weight / (height * height)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CheckStatus:
    status: str
    last_checked_on: date | None
    due_on: date | None  # the anniversary of the last check

    @property
    def label(self) -> str:
        if self.last_checked_on is None:
            return "Never checked"
        return STATUS_LABELS[self.status]

    @property
    def tag_key(self) -> str:
        """The key of the NHS.UK tag colour (red overdue, yellow due, green up to date)."""
        return {OVERDUE: "overdue", DUE: "due"}.get(self.status, "ok")


def check_status(last_checked_on: date | None, today: date) -> CheckStatus:
    if last_checked_on is None:
        return CheckStatus(OVERDUE, None, None)
    anniversary = add_months(last_checked_on, 12)
    if today > anniversary:
        return CheckStatus(OVERDUE, last_checked_on, anniversary)
    if today >= add_months(last_checked_on, 11):
        return CheckStatus(DUE, last_checked_on, anniversary)
    return CheckStatus(UP_TO_DATE, last_checked_on, anniversary)


def missing_elements(*, bmi: object, systolic_bp: object, diastolic_bp: object, total_cholesterol: object,
                     hba1c: object, glucose: object, smoking: str, alcohol_units_per_week: object) -> list[str]:
    """Which of the six elements a check did not record."""
    present = {
        "BMI": bmi is not None,
        "blood pressure": systolic_bp is not None and diastolic_bp is not None,
        "cholesterol": total_cholesterol is not None,
        "glucose or HbA1c": hba1c is not None or glucose is not None,
        "smoking status": smoking not in ("", "not_recorded"),
        "alcohol": alcohol_units_per_week is not None,
    }
    return [e for e in ELEMENTS if not present[e]]
