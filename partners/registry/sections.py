"""The person page is assembled from sections owned by different apps (care, measures, safety, ...).

Each entry names a function ``(actor, person) -> dict | None`` returning the context for its template
(``template`` key) or None to leave the section out. Each must run a fixed number of queries whatever
the history length: the person page has a query budget asserted in tests.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from partners.audit.actor import Actor
from partners.registry.models import Person

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


def summary(actor: Actor, person: Person) -> dict[str, Any]:
    consents = {c.scope: c for c in reversed(list(person.consents.all()[:20]))}
    return {"template": "registry/sections/summary.html", "consents": consents}


def build(actor: Actor, person: Person) -> list[dict[str, Any]]:
    sections = []
    for dotted in PERSON_SECTIONS:
        module_name, func_name = dotted.rsplit(".", 1)
        func: Callable[[Actor, Person], dict[str, Any] | None] = getattr(
            importlib.import_module(module_name), func_name
        )
        context = func(actor, person)
        if context is not None:
            sections.append(context)
    return sections
