"""The person page is assembled from sections owned by different apps (care, measures, safety, ...).

Each entry of ``PERSON_SECTIONS`` names a function ``(actor, person) -> dict | None`` returning the context
for its template (``template`` key) or None to leave the section out.

The page has a query budget (15, asserted in tests, whatever the length of the history), so sections do not
query one by one. ``build`` first reads the person's episodes (one query), then asks every function in
``PERSON_PRELOADS`` (``(page) -> {key: common.bundle.Load}``) what it needs and reads ALL of it in ONE query
(``common.bundle``); sections then find their rows in ``page_for(person).loaded[key]``. A new section adds
a preload function (keys prefixed with its app) instead of querying: that costs no extra query.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from partners.audit.actor import Actor
from partners.common.bundle import Load, bundle
from partners.registry.models import Consent, Person

if TYPE_CHECKING:
    from partners.care.models import Episode

PERSON_SECTIONS: list[str] = [
    "partners.registry.sections.summary",
    "partners.care.sections.plan",
    "partners.care.sections.shared_understanding",
    "partners.care.sections.goals",
    "partners.measures.sections.goal_progress",
    "partners.care.sections.timeline",
    "partners.measures.sections.outcomes",
    "partners.safety.sections.safety",
    "partners.care.sections.liaison",
    "partners.letters.sections.letters",
    "partners.safety.sections.physical_health",
    "partners.supervision.sections.supervision",
]

# Functions ``(page: PersonPage) -> dict[str, Load]``: what each app's sections read, loaded in one query.
PERSON_PRELOADS: list[str] = [
    "partners.registry.sections.preload",
    "partners.care.sections.preload",
    "partners.measures.sections.preload",
    "partners.safety.sections.preload",
    "partners.supervision.sections.preload",
]

CONSENTS_SHOWN = 20


@dataclass
class PersonPage:
    """One request's shared reads for the person page."""

    actor: Actor
    person: Person
    episodes: list[Episode]  # newest first (care.selectors.person_episodes)
    loaded: dict[str, Any] = field(default_factory=dict)

    @property
    def episode(self) -> Episode | None:
        """The episode the page is about: an open one first, else the most recent."""
        return next((e for e in self.episodes if e.is_open), self.episodes[0] if self.episodes else None)

    @property
    def open_episode(self) -> Episode | None:
        return next((e for e in self.episodes if e.is_open), None)


def page_for(actor: Actor, person: Person) -> PersonPage:
    """The page's shared reads (made once per request: a section called on its own gets them too)."""
    page: PersonPage | None = getattr(person, "_person_page", None)
    if page is None:
        from partners.care.selectors import person_episodes

        page = PersonPage(actor=actor, person=person, episodes=person_episodes(person))
        loads: dict[str, Load] = {}
        for dotted in PERSON_PRELOADS:
            loads.update(_function(dotted)(page) or {})
        page.loaded = bundle(loads)
        person._person_page = page  # type: ignore[attr-defined]
    return page


def preload(page: PersonPage) -> dict[str, Load]:
    return {"registry.consents": Load(Consent.objects.filter(person=page.person)[:CONSENTS_SHOWN])}


def summary(actor: Actor, person: Person) -> dict[str, Any]:
    consents = {c.scope: c for c in reversed(page_for(actor, person).loaded["registry.consents"])}
    return {"template": "registry/sections/summary.html", "consents": consents}


def _function(dotted: str) -> Callable[..., Any]:
    module_name, func_name = dotted.rsplit(".", 1)
    function: Callable[..., Any] = getattr(importlib.import_module(module_name), func_name)
    return function


def build(actor: Actor, person: Person) -> list[dict[str, Any]]:
    page_for(actor, person)
    sections = []
    for dotted in PERSON_SECTIONS:
        context = _function(dotted)(actor, person)
        if context is not None:
            sections.append(context)
    return sections
