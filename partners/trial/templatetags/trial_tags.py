"""Tags for the trial screens: arms and practice statuses as NHS.UK tags, report tables as NHS.UK tables."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from partners.trial.models import ARM_LABELS, TrialPractice

register = template.Library()

STATUS_COLOURS: dict[str, str] = {
    TrialPractice.Status.APPROACHED: "grey",
    TrialPractice.Status.RECRUITED: "green",
    TrialPractice.Status.EXCLUDED: "red",
    TrialPractice.Status.WITHDRAWN: "orange",
}


@register.simple_tag
def arm_tag(arm: str | None) -> str:
    if not arm:
        return ""
    colour = "blue" if arm == "intervention" else "purple"
    return format_html('<strong class="nhsuk-tag nhsuk-tag--{}">{}</strong>', colour, ARM_LABELS.get(arm, arm))


@register.simple_tag
def practice_status_tag(tp: TrialPractice, allocation: Any = None) -> str:
    if allocation is not None:
        return format_html('<strong class="nhsuk-tag nhsuk-tag--{}">{}</strong>', "blue", "Randomised")
    if tp.status == TrialPractice.Status.RECRUITED and tp.baseline_complete_on:
        return format_html('<strong class="nhsuk-tag nhsuk-tag--{}">{}</strong>', "yellow", "Ready to randomise")
    return format_html('<strong class="nhsuk-tag nhsuk-tag--{}">{}</strong>', STATUS_COLOURS.get(tp.status, "grey"),
                       tp.get_status_display())


@register.inclusion_tag("trial/_table.html")
def report_table(table: Any, test_id: str = "") -> dict[str, Any]:
    return {"table": table, "test_id": test_id or table.key}


@register.filter
def percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.0f}%"


@register.filter
def factor_label(name: str) -> str:
    return str(name).replace("_", " ").capitalize()


@register.filter
def get(mapping: Any, key: str) -> Any:
    return mapping.get(key, "") if hasattr(mapping, "get") else ""
