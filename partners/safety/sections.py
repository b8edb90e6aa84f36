"""Person-page sections: safety events, and physical health (checks, long-term conditions, medication).

Both read the person page's shared preload (``preload``): no query of their own, whatever the history."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.common.bundle import Load
from partners.registry.models import Person
from partners.registry.sections import PersonPage, page_for
from partners.safety.health import check_status, missing_elements
from partners.safety.models import HealthCheck, LongTermCondition, Medication, SafetyEvent
from partners.safety.selectors import with_treated
from partners.safety.services import HEALTH_WRITERS, INTERVENTIONS, SAFETY_WRITERS, SERIOUSNESS, SERIOUSNESS_LABELS

SHOWN = 20


def preload(page: PersonPage) -> dict[str, Load]:
    person, today = page.person, timezone.localdate()
    return {
        "safety.events": Load(with_treated(SafetyEvent.objects.filter(person=person)).order_by("-onset_on", "-pk")
                              [:SHOWN + 1], related=("reviewed_by",), annotations=("treated",)),
        "safety.checks": Load(HealthCheck.objects.filter(person=person).order_by("-checked_on", "-pk")[:5]),
        "safety.conditions": Load(LongTermCondition.objects.filter(person=person)[:50]),
        "safety.medication": Load(Medication.objects.filter(person=person).filter(
            Q(stopped_on__isnull=True) | Q(stopped_on__gte=today))[:50]),
    }


def safety(actor: Actor, person: Person) -> dict[str, Any]:
    """The latest events with the derived 'treated' classification (from the page's shared preload)."""
    events: list[SafetyEvent] = page_for(actor, person).loaded["safety.events"]
    today = timezone.localdate()
    rows = []
    for event in events[:SHOWN]:
        criteria = [SERIOUSNESS_LABELS[name] for name in SERIOUSNESS if getattr(event, name)]
        days = event.days if event.ended_on else (today - event.onset_on).days
        rows.append({"event": event, "criteria": criteria, "days": days,
                     "related": event.relatedness in ("possibly", "probably", "definitely")})
    return {"template": "safety/sections/safety.html", "rows": rows, "more": len(events) > SHOWN,
            "can_record": actor.user.role in SAFETY_WRITERS, "can_review": actor.user.role == Role.SUPERVISOR}


def physical_health(actor: Actor, person: Person) -> dict[str, Any]:
    """The latest checks, long-term conditions, and current medication (from the page's shared preload)."""
    today = timezone.localdate()
    loaded = page_for(actor, person).loaded
    checks: list[HealthCheck] = loaded["safety.checks"]
    latest = checks[0] if checks else None
    status = check_status(latest.checked_on if latest else None, today)
    missing = missing_elements(
        bmi=latest.bmi, systolic_bp=latest.systolic_bp, diastolic_bp=latest.diastolic_bp,
        total_cholesterol=latest.total_cholesterol, hba1c=latest.hba1c, glucose=latest.glucose,
        smoking=latest.smoking, alcohol_units_per_week=latest.alcohol_units_per_week) if latest else []
    labels = dict(INTERVENTIONS)
    conditions: list[LongTermCondition] = loaded["safety.conditions"]
    medication: list[Medication] = loaded["safety.medication"]
    groups: dict[str, list[str]] = {}
    for m in medication:
        groups.setdefault(m.get_group_display(), []).append(m.name or "name not recorded")
    return {
        "template": "safety/sections/physical_health.html", "latest": latest, "status": status,
        "missing": missing, "interventions": [labels.get(i, i) for i in (latest.interventions if latest else [])],
        "earlier": checks[1:], "conditions": conditions, "medication_groups": groups,
        "can_record": actor.user.role in HEALTH_WRITERS,
    }
