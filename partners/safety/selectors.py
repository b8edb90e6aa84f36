"""Reads of safety events and physical health, scoped to the caller and audited.

'Treated' (the trial's as-treated rule, trial.md): the person had at least one Care Partner contact that
reached them before the onset date (strictly before: a contact on the day of onset does not count, as the
trial counted interactions "before the date of onset"). It is derived when read, never stored, so a
contact logged late still counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, Max, OuterRef, QuerySet
from django.http import Http404

from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record, audit_record_people
from partners.care.models import Contact
from partners.registry.models import Person
from partners.registry.scope import visible_people
from partners.safety.health import CheckStatus, check_status
from partners.safety.models import SafetyEvent


def is_treated(onset_on: date, contact_dates: Iterable[date]) -> bool:
    """The as-treated rule on plain dates (for analysis datasets): any contact strictly before onset."""
    return any(d < onset_on for d in contact_dates)


def with_treated(events: QuerySet[SafetyEvent]) -> QuerySet[SafetyEvent]:
    """Annotates ``treated`` on each event (one EXISTS subquery; no extra queries)."""
    contacts = Contact.objects.filter(person_id=OuterRef("person_id"), reached=True,
                                      contact_on__lt=OuterRef("onset_on"))
    return events.annotate(treated=Exists(contacts))


def _person(actor: Actor, person_id: int) -> Person:
    try:
        return visible_people(actor.user).get(pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("No such person.") from None


def safety_events_for_person(*, actor: Actor, person_id: int, limit: int = 200) -> list[SafetyEvent]:
    person = _person(actor, person_id)
    events = list(with_treated(SafetyEvent.objects.filter(person=person))
                  .select_related("reported_by", "reviewed_by").order_by("-onset_on", "-pk")[:limit])
    audit_record(actor=actor, action=Action.VIEW, person_id=person.pk, object_type="safety_events",
                 object_id=person.pk, detail={"count": len(events)})
    return events


def new_safety_events(*, actor: Actor, limit: int = 50, audit: bool = True) -> list[SafetyEvent]:
    """Safety events not yet reviewed by a supervisor, for people the caller may see (newest first).

    ``audit=False`` for a caller that may show nothing (a poll answering 'no change'): it must then call
    :func:`audit_new_safety_events` for what it does show."""
    events = list(
        with_treated(SafetyEvent.objects.filter(reviewed_at__isnull=True, person__in=visible_people(actor.user)))
        .select_related("person", "episode__care_partner", "reported_by")
        .order_by("-reported_at", "-pk")[:limit]
    )
    if audit:
        audit_new_safety_events(actor, events)
    return events


def audit_new_safety_events(actor: Actor, events: list[SafetyEvent]) -> None:
    audit_record_people(actor=actor, action=Action.LIST, person_ids=[e.person_id for e in events],
                        object_type="safety_event", detail={"view": "new safety events"})


@dataclass(frozen=True)
class HealthCheckRow:
    person: Person
    status: CheckStatus


def practice_health_checks(*, actor: Actor, today: date) -> list[HealthCheckRow]:
    """Every person the caller may see (for practice staff: their practice) with their check status.

    One query; the caller audits the rows it shows."""
    people = (
        visible_people(actor.user).select_related("practice")
        .annotate(last_check=Max("health_checks__checked_on"))
        .order_by("family_name", "given_name", "pk")
    )
    return [HealthCheckRow(p, check_status(p.last_check, today)) for p in people]


def audit_listed(actor: Actor, person_ids: list[int], view: str) -> None:
    audit_record_people(actor=actor, action=Action.LIST, person_ids=person_ids, detail={"view": view})
