"""Template helpers that stand in for slower built-ins must write exactly what the built-in writes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st


def render(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_short_date_writes_what_the_date_filter_writes_for_any_day(day):
    assert render("{{ d|short_date }}", d=day) == render('{{ d|date:"j M Y" }}', d=day)


def test_short_date_shows_a_moment_on_its_local_day_like_the_date_filter():
    late_summer_evening = datetime(2026, 7, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 August in London
    assert render("{{ d|short_date }}", d=late_summer_evening) == "1 Aug 2026"
    assert render('{{ d|date:"j M Y" }}', d=late_summer_evening) == "1 Aug 2026"
    winter = datetime(2026, 12, 31, 23, 30, tzinfo=UTC) + timedelta(0)
    assert render("{{ d|short_date }}", d=winter) == "31 Dec 2026"


def test_short_date_of_nothing_is_empty():
    assert render("[{{ d|short_date }}]", d=None) == "[]" and render("[{{ d|short_date }}]", d="") == "[]"
