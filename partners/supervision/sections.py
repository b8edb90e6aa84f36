"""Person-page section: the case's flags and what supervision has said about it.

Shown to the person's Care Partner (or whoever covers) and to supervisors; read from the person page's shared
preload (``preload``), flags included: no query of its own."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.common.bundle import Load
from partners.registry.models import Person
from partners.registry.sections import PersonPage, page_for
from partners.supervision.config import flag_config
from partners.supervision.flags import episode_loads, flags_from_loaded
from partners.supervision.models import SupervisionAction, SupervisionSession


def preload(page: PersonPage) -> dict[str, Load]:
    if page.actor.user.role not in (Role.CARE_PARTNER, Role.SUPERVISOR) or page.open_episode is None:
        return {}
    person = page.person
    return {
        "supervision.actions": Load(SupervisionAction.objects.filter(episode__person=person, completed_on__isnull=True)
                                    .order_by("due_on", "pk")[:20], related=("owner",)),
        "supervision.sessions": Load(SupervisionSession.objects.filter(cases__person=person)
                                     .order_by("-held_on", "-pk")[:5], related=("supervisor",)),
        **episode_loads(page.open_episode, timezone.localdate(), flag_config()),
    }


def supervision(actor: Actor, person: Person) -> dict[str, Any] | None:
    user = actor.user
    if user.role not in (Role.CARE_PARTNER, Role.SUPERVISOR):
        return None
    page = page_for(actor, person)
    episode = page.open_episode
    if episode is None:
        return None
    today = timezone.localdate()
    actions: list[SupervisionAction] = page.loaded["supervision.actions"]
    for action in actions:
        action.is_overdue = action.due_on < today  # type: ignore[attr-defined]
    cp = episode.care_partner
    return {
        "template": "supervision/sections/supervision.html",
        "episode": episode,
        "flags": flags_from_loaded(episode, page.loaded, today, flag_config()),
        "actions": actions,
        "sessions": page.loaded["supervision.sessions"],
        "can_record": user.role == Role.SUPERVISOR and cp is not None and cp.supervisor_id == user.pk,
    }
