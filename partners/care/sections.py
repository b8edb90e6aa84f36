"""The care sections of the person page (registry.sections.PERSON_SECTIONS).

They share one ``selectors.person_care`` bundle per request (cached on the person), so the whole care
part of the page is a fixed number of queries whatever the history length.
"""

from __future__ import annotations

from typing import Any

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.care.selectors import person_care
from partners.registry.models import Person

REFERRER_ROLES = (Role.PRACTICE_STAFF, Role.CARE_PARTNER, Role.ADMINISTRATOR)


def plan(actor: Actor, person: Person) -> dict[str, Any] | None:
    """The episode, its phase and calendar, the rhythm and the next contact, and what to do next."""
    care = person_care(actor, person)
    return {"template": "care/sections/plan.html", "care": care,
            "can_refer": actor.user.role in REFERRER_ROLES and (care.episode is None or not care.episode.is_open),
            "can_hand_over": care.can_work or (actor.user.role == Role.SUPERVISOR and care.episode is not None
                                               and care.episode.is_open)}


def shared_understanding(actor: Actor, person: Person) -> dict[str, Any] | None:
    care = person_care(actor, person)
    if care.episode is None or not care.sees_record:
        return None
    return {"template": "care/sections/understanding.html", "care": care,
            "understanding": getattr(care.episode, "shared_understanding", None)}


def goals(actor: Actor, person: Person) -> dict[str, Any] | None:
    care = person_care(actor, person)
    if care.episode is None:
        return None
    return {"template": "care/sections/goals.html", "care": care}


def timeline(actor: Actor, person: Person) -> dict[str, Any] | None:
    care = person_care(actor, person)
    if care.episode is None or not care.sees_record:
        return None
    return {"template": "care/sections/timeline.html", "care": care}


def liaison(actor: Actor, person: Person) -> dict[str, Any] | None:
    care = person_care(actor, person)
    if care.episode is None:
        return None
    return {"template": "care/sections/liaison.html", "care": care}
