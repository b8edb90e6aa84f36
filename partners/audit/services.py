"""Writes to the audit trail. Every read or change of a person's record calls one of these."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from partners.audit.actor import Actor
from partners.audit.models import Action, AuditEvent, BreakGlassAccess, SecurityAlert

alerts = logging.getLogger("partners.alerts")


def _event(*, actor: Actor, action: str, person_id: int | None, object_type: str, object_id: Any,
           detail: dict[str, Any] | None, at: Any) -> AuditEvent:
    user = actor.user
    return AuditEvent(
        at=at,
        user_id=getattr(user, "pk", None),
        username=getattr(user, "username", "") or "",
        role=getattr(user, "role", "") or "",
        action=action,
        person_id=person_id,
        object_type=object_type,
        object_id=str(object_id or ""),
        via=actor.via,
        ip_address=actor.ip_address,
        user_agent=actor.user_agent,
        method=actor.method,
        path=actor.path,
        request_id=actor.request_id,
        detail=detail or {},
    )


def audit_record(*, actor: Actor, action: str, person_id: int | None = None, object_type: str = "",
                 object_id: Any = "", detail: dict[str, Any] | None = None) -> AuditEvent:
    event = _event(actor=actor, action=action, person_id=person_id, object_type=object_type,
                   object_id=object_id, detail=detail, at=timezone.now())
    event.save(force_insert=True)
    return event


def audit_record_rows(*, actor: Actor, action: str, object_type: str,
                      rows: Iterable[tuple[int | None, Any]], detail: dict[str, Any] | None = None) -> int:
    """One audit row per ``(person id or None, object id)`` shown, written in a single statement."""
    now = timezone.now()
    events = [_event(actor=actor, action=action, person_id=pid, object_type=object_type, object_id=oid,
                     detail=detail, at=now) for pid, oid in rows]
    if events:
        AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)


def audit_record_people(*, actor: Actor, action: str, person_ids: Iterable[int], object_type: str = "person",
                        detail: dict[str, Any] | None = None) -> int:
    """One row per person shown (a list view reveals each of them), written in a single statement."""
    return audit_record_rows(actor=actor, action=action, object_type=object_type,
                             rows=((pid, pid) for pid in dict.fromkeys(person_ids)), detail=detail)


@transaction.atomic
def break_glass_start(*, actor: Actor, person_id: int, reason: str) -> BreakGlassAccess:
    """Time-limited access for an administrator, with a reason; raises an alert at once."""
    from partners.accounts.models import Role
    from partners.registry.models import Person

    reason = (reason or "").strip()
    if actor.user.role != Role.ADMINISTRATOR:
        raise PermissionError("Only an administrator can use break-glass access.")
    if len(reason) < 10:
        raise ValueError("Give the reason for break-glass access in at least 10 characters.")
    person = Person.objects.get(pk=person_id)
    now = timezone.now()
    grant = BreakGlassAccess.objects.create(
        user=actor.user, person=person, reason=reason, started_at=now,
        expires_at=now + timedelta(minutes=int(settings.PARTNERS["BREAK_GLASS_MINUTES"])),
    )
    audit_record(actor=actor, action=Action.BREAK_GLASS, person_id=person.pk, object_type="person",
                 object_id=person.pk, detail={"reason": reason, "expires_at": grant.expires_at.isoformat()})
    message = f"{actor.user.username} used break-glass access to person {person.pk}: {reason}"
    SecurityAlert.objects.create(kind=SecurityAlert.Kind.BREAK_GLASS, raised_at=now, user=actor.user,
                                 person_id=person.pk, message=message)
    alerts.warning(message)
    return grant


@transaction.atomic
def security_alert_acknowledge(*, actor: Actor, alert_id: int) -> SecurityAlert:
    alert = SecurityAlert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None:
        raise Http404("No such alert.")
    if alert.acknowledged_at is None:
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor.user
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return alert
