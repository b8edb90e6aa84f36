"""Reads of people's records, always scoped to the caller and always audited."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from partners.audit.actor import Actor
from partners.audit.models import Action, AuditEvent
from partners.audit.services import audit_record, audit_record_people
from partners.registry.models import Person
from partners.registry.scope import visible_people


def service_user_queryset(*, actor: Actor) -> QuerySet[Person]:
    """The scoped queryset, unaudited: for callers that audit what they finally show."""
    return visible_people(actor.user).select_related("practice")


def service_user_list(*, actor: Actor, search: str = "", limit: int | None = None) -> list[Person]:
    people = service_user_queryset(actor=actor).order_by("family_name", "given_name", "pk")
    search = search.strip()
    if search:
        digits = search.replace(" ", "")
        people = people.filter(
            Q(family_name__icontains=search) | Q(given_name__icontains=search)
            | (Q(nhs_number=digits) if digits.isdigit() else Q(pk__in=[]))
        )
    if limit is not None:
        people = people[:limit]
    result = list(people)
    audit_record_people(actor=actor, action=Action.LIST, person_ids=[p.pk for p in result],
                        detail={"search": search} if search else None)
    return result


def service_user_get(*, actor: Actor, person_id: int) -> Person:
    """One person's record, or 404 as if it did not exist when it is outside the caller's scope."""
    try:
        person = service_user_queryset(actor=actor).get(pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("No such person.") from None
    audit_record(actor=actor, action=Action.VIEW, person_id=person.pk, object_type="person", object_id=person.pk)
    return person


def person_access_report(*, actor: Actor, person_id: int) -> tuple[Person, list[AuditEvent]]:
    """Who has viewed or changed this person's record (the report is itself a read, so it is audited)."""
    person = service_user_get(actor=actor, person_id=person_id)
    events = list(AuditEvent.objects.filter(person_id=person.pk).order_by("-at", "-id")[:1000])
    return person, events
