"""Dates as the platform writes them (pure Python, no Django): one place for the short form."""

from __future__ import annotations

from datetime import date


def short_date(day: date) -> str:
    """``3 Mar 2026``: what Django's ``date:"j M Y"`` writes in English."""
    return f"{day.day} {day:%b %Y}"
