"""Person-page section: the case's flags and what supervision has said about it.

Shown to the person's Care Partner (or whoever covers) and to supervisors; a fixed eight queries."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.care.models import OPEN_PHASES, Episode
from partners.registry.models import Person
from partners.supervision.flags import flags_for_episodes
from partners.supervision.models import SupervisionAction, SupervisionSession


def supervision(actor: Actor, person: Person) -> dict[str, Any] | None:
    user = actor.user
    if user.role not in (Role.CARE_PARTNER, Role.SUPERVISOR):
        return None
    episode = (Episode.objects.filter(person=person, phase__in=OPEN_PHASES).select_related("care_partner")
               .order_by("-referred_on", "-pk").first())
    if episode is None:
        return None
    today = timezone.localdate()
    actions = list(SupervisionAction.objects.filter(episode__person=person, completed_on__isnull=True)
                   .select_related("owner").order_by("due_on", "pk")[:20])
    for action in actions:
        action.is_overdue = action.due_on < today  # type: ignore[attr-defined]
    sessions = list(SupervisionSession.objects.filter(cases__person=person).select_related("supervisor")
                    .order_by("-held_on", "-pk")[:5])
    cp = episode.care_partner
    return {
        "template": "supervision/sections/supervision.html",
        "episode": episode,
        "flags": flags_for_episodes([episode], today)[episode.pk],
        "actions": actions,
        "sessions": sessions,
        "can_record": user.role == Role.SUPERVISOR and cp is not None and cp.supervisor_id == user.pk,
    }
