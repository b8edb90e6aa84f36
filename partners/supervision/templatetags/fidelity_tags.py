"""Formatting for fidelity figures: shares as whole percentages, means to one decimal place."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


@register.filter
def one_dp(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
