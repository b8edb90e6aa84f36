"""Template helpers for NHS.UK design system markup (available in every template)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms, template
from django.utils import timezone

from partners.common.dates import short_date
from partners.common.identifiers import format_nhs_number

register = template.Library()

TAG_COLOURS = {
    # episode phases
    "invited": "grey",
    "engaging": "aqua-green",
    "active": "green",
    "stepped_down": "blue",
    "transition": "purple",
    "ended": "white",
    # gap statuses
    "primary_care_only": "orange",
    "discharged": "orange",
    "limited_secondary": "yellow",
    "secondary_care": "blue",
    "in_remission": "grey",
    "under_18": "grey",
    # urgency
    "overdue": "red",
    "due": "yellow",
    "ok": "green",
    # case finding: outreach, imports, review agreement
    "not_invited": "grey",
    "appointment_offered": "blue",
    "accepted": "green",
    "declined": "red",
    "opted_out": "red",
    "no_response": "grey",
    "imported": "green",
    "refused": "red",
    "green": "green",
    "red": "red",
    "amber": "yellow",
    "grey": "grey",
}


@register.filter(name="short_date", expects_localtime=True)
def short_date_filter(value: date | None) -> str:
    """What ``date:"j M Y"`` writes, an order of magnitude faster: long lists (a person's timeline, their
    scores) format hundreds of dates a page and Django's format engine showed in the page's profile."""
    return short_date(value) if isinstance(value, date) else ""


@register.filter
def is_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def nhs_number(value: str | None) -> str:
    return format_nhs_number(value) if value else "Not recorded"


@register.filter
def tag_colour(value: str | None) -> str:
    return TAG_COLOURS.get(value or "", "grey")


@register.filter
def age_on(born: date | None, on: date | None = None) -> int | None:
    if born is None:
        return None
    today = on or timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@register.simple_tag
def tag(text: Any, key: str | None = None) -> str:
    from django.utils.html import format_html

    colour = tag_colour(key if key is not None else str(text))
    return format_html('<strong class="nhsuk-tag nhsuk-tag--{}">{}</strong>', colour, text)


@register.simple_tag(takes_context=True)
def querystring_with(context: Any, **kwargs: Any) -> str:
    """The current query string with some parameters replaced (sort and filter links)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def idempotency_field() -> str:
    """A hidden key so a double-submitted form creates one record (see common.idempotency)."""
    from django.utils.html import format_html

    from partners.common.idempotency import FORM_FIELD, new_key

    return format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, new_key())
