"""The data breach log: recording and updating breaches, each change audited and the first raising an alert."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.audit.models import Action, DataBreach, SecurityAlert
from partners.audit.services import alerts, audit_record

ICO_DEADLINE = timedelta(hours=72)
UPDATABLE = ("summary", "description", "data_categories", "people_affected", "containment", "notifiable",
             "reported_at", "dspt_reference", "lessons", "status", "occurred_on")


def _require_admin(actor: Actor) -> None:
    if actor.user.role != Role.ADMINISTRATOR:
        raise PermissionError("Only an administrator keeps the data breach log.")


def report_deadline(breach: DataBreach) -> datetime:
    """A notifiable breach is reported to the ICO (through the DSPT) within 72 hours of discovery."""
    return breach.discovered_at + ICO_DEADLINE


@transaction.atomic
def breach_record(*, actor: Actor, summary: str, description: str, discovered_at: datetime | None = None,
                  **fields: Any) -> DataBreach:
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    if not (summary or "").strip():
        errors["summary"] = ["Enter a short summary of the breach."]
    if not (description or "").strip():
        errors["description"] = ["Describe what happened."]
    now = timezone.now()
    discovered_at = discovered_at or now
    if discovered_at > now:
        errors["discovered_at"] = ["The time of discovery cannot be in the future."]
    if errors:
        raise ValidationError(errors)
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise ValidationError({"__all__": [f"Unknown fields: {', '.join(sorted(unknown))}."]})
    year = discovered_at.year
    count = DataBreach.objects.select_for_update().filter(reference__startswith=f"DB-{year}-").count()
    breach = DataBreach.objects.create(reference=f"DB-{year}-{count + 1:03d}", discovered_at=discovered_at,
                                       recorded_by=actor.user, summary=summary.strip(),
                                       description=description.strip(), **fields)
    audit_record(actor=actor, action=Action.CREATE, object_type="data_breach", object_id=breach.pk,
                 detail={"reference": breach.reference})
    message = f"Data breach {breach.reference} recorded by {actor.user.username}: {breach.summary}"
    SecurityAlert.objects.create(kind=SecurityAlert.Kind.BREACH, raised_at=now, user=actor.user, message=message)
    alerts.warning(message)
    return breach


@transaction.atomic
def breach_update(*, actor: Actor, breach_id: int, **fields: Any) -> DataBreach:
    _require_admin(actor)
    breach = DataBreach.objects.select_for_update().filter(pk=breach_id).first()
    if breach is None:
        raise Http404("No such breach.")
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise ValidationError({"__all__": [f"Unknown fields: {', '.join(sorted(unknown))}."]})
    if fields.get("status") == DataBreach.Status.REPORTED and not (fields.get("reported_at") or breach.reported_at):
        raise ValidationError({"reported_at": ["Give the date and time it was reported."]})
    changed = sorted(name for name, value in fields.items() if getattr(breach, name) != value)
    for name in changed:
        setattr(breach, name, fields[name])
    if breach.status == DataBreach.Status.CLOSED and breach.closed_at is None:
        breach.closed_at = timezone.now()
        changed.append("closed_at")
    if changed:
        breach.save(update_fields=changed)
        audit_record(actor=actor, action=Action.UPDATE, object_type="data_breach", object_id=breach.pk,
                     detail={"reference": breach.reference, "fields": changed})
    return breach
