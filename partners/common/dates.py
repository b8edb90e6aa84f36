"""Date arithmetic and wording shared across apps (pure Python, no Django)."""

from __future__ import annotations

from datetime import date


def short_date(day: date) -> str:
    """``3 Mar 2026``: what Django's ``date:"j M Y"`` writes in English."""
    return f"{day.day} {day:%b %Y}"


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (or earlier); 29 February becomes 28 February in other years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
