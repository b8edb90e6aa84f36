"""The care sections of the person page (registry.sections.PERSON_SECTIONS).

They share one ``selectors.person_care`` per request (cached on the person), built from the page's shared
preload (``registry.sections.PERSON_PRELOADS``): the care part of the page costs no query of its own.
"""

from __future__ import annotations

from typing import Any

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.care.selectors import CARE_RECORD_ROLES, care_loads, person_care
from partners.common.bundle import Load
from partners.registry.models import Person
from partners.registry.sections import PersonPage, page_for

REFERRER_ROLES = (Role.PRACTICE_STAFF, Role.CARE_PARTNER, Role.ADMINISTRATOR)


def preload(page: PersonPage) -> dict[str, Load]:
    episode = page.episode
    if episode is None:
        return {}
    return care_loads(episode, sees_record=page.actor.user.role in CARE_RECORD_ROLES)


def _care(actor: Actor, person: Person) -> Any:
    page = page_for(actor, person)
    return person_care(actor, person, episode=page.episode, loaded=page.loaded)


def plan(actor: Actor, person: Person) -> dict[str, Any] | None:
    """The episode, its phase and calendar, the rhythm and the next contact, and what to do next."""
    care = _care(actor, person)
    return {"template": "care/sections/plan.html", "care": care,
            "can_refer": actor.user.role in REFERRER_ROLES and (care.episode is None or not care.episode.is_open),
            "can_hand_over": care.can_work or (actor.user.role == Role.SUPERVISOR and care.episode is not None
                                               and care.episode.is_open)}


def shared_understanding(actor: Actor, person: Person) -> dict[str, Any] | None:
    care = _care(actor, person)
    if care.episode is None or not care.sees_record:
        return None
    return {"template": "care/sections/understanding.html", "care": care,
            "understanding": getattr(care.episode, "shared_understanding", None)}


def goals(actor: Actor, person: Person) -> dict[str, Any] | None:
    care = _care(actor, person)
    if care.episode is None:
        return None
    return {"template": "care/sections/goals.html", "care": care}


def timeline(actor: Actor, person: Person) -> dict[str, Any] | None:
    care = _care(actor, person)
    if care.episode is None or not care.sees_record:
        return None
    return {"template": "care/sections/timeline.html", "care": care}


def liaison(actor: Actor, person: Person) -> dict[str, Any] | None:
    care = _care(actor, person)
    if care.episode is None:
        return None
    return {"template": "care/sections/liaison.html", "care": care}
