from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.audit.models import Action, AuditEvent
from partners.audit.services import audit_record


def audit_search(*, actor: Actor, username: str = "", person_id: int | None = None, action: str = "",
                 date_from: date | None = None, date_to: date | None = None) -> QuerySet[AuditEvent]:
    """Administrators search the trail; the search itself is recorded."""
    if actor.user.role != Role.ADMINISTRATOR:
        return AuditEvent.objects.none()
    events = AuditEvent.objects.all()
    if username:
        events = events.filter(username=username)
    if person_id is not None:
        events = events.filter(person_id=person_id)
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    audit_record(actor=actor, action=Action.SEARCH, object_type="audit",
                 detail={"username": username, "person_id": person_id, "action": action})
    return events.order_by("-at", "-id")
