from __future__ import annotations

from django import template

from partners.letters.languages import language_name as _language_name
from partners.registry.models import CommunicationNeed

register = template.Library()
NEEDS = dict(CommunicationNeed.choices)


@register.filter
def language_name(tag: str) -> str:
    return _language_name(tag or "")


@register.filter
def needs_text(needs: list[str] | None) -> str:
    return ", ".join(str(NEEDS.get(n, n)) for n in needs or [])
