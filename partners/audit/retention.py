"""Records retention (nhs-standards.md): deletes records past their retention period and logs each deletion.

Retention is configured per record type in ``settings.PARTNERS["RETENTION"]``:

- ``mental_health_record`` (a person and everything recorded about them): kept until 20 years after care
  ends or 10 years after death, whichever comes first. Care ends with the end of the person's last
  episode; anyone with an open episode is kept. With no episode, the last change to the record counts.
- ``idempotency_record`` (stored API answers, which can hold personal data): hours.
- ``outbound_message`` (the log of texts, emails and letters sent): years.

The audit trail itself is never deleted here: it is append-only (and PostgreSQL refuses deletions);
each deletion adds an audit row naming the record, the rule and the dates that made it due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Max, Q
from django.utils import timezone

from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record, audit_record_rows
from partners.common.dates import add_years


@dataclass
class Due:
    record_type: str
    object_id: int
    reason: str
    due_since: date
    person_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def config() -> dict[str, Any]:
    return dict(settings.PARTNERS["RETENTION"])


def people_due(today: date) -> list[Due]:
    from partners.registry.models import Person

    rule = config()["mental_health_record"]
    care_years, death_years = int(rule["years_after_care_ends"]), int(rule["years_after_death"])
    people = Person.objects.annotate(
        open_episodes=models.Count("episodes", filter=Q(episodes__ended_on__isnull=True)),
        last_episode_end=Max("episodes__ended_on"),
    ).values("pk", "date_of_death", "open_episodes", "last_episode_end", "updated_at")
    due: list[Due] = []
    for p in people:
        candidates: list[tuple[date, str, dict[str, Any]]] = []
        if p["date_of_death"]:
            candidates.append((add_years(p["date_of_death"], death_years), f"{death_years} years after death",
                               {"date_of_death": p["date_of_death"].isoformat()}))
        if not p["open_episodes"]:  # every episode has ended, so no end date means no episode
            ended = p["last_episode_end"] or timezone.localdate(p["updated_at"])
            candidates.append((add_years(ended, care_years), f"{care_years} years after care ended",
                               {"care_ended_on": ended.isoformat()}))
        ready = [c for c in candidates if c[0] <= today]
        if ready:
            when, reason, detail = min(ready, key=lambda c: c[0])
            due.append(Due("mental_health_record", p["pk"], reason, when, person_id=p["pk"], detail=detail))
    return due


def _delete_tree(model: type[models.Model], pks: list[Any], counts: dict[str, int]) -> None:
    """Deletes rows and, first, everything that refers to them (PROTECT included), bottom up."""
    if not pks:
        return
    for relation in model._meta.related_objects:
        if relation.many_to_many:
            continue
        related = relation.related_model
        if relation.field.null and relation.on_delete is models.SET_NULL:
            continue  # Django sets these to NULL itself
        field_name = relation.field.name
        child_pks = list(related._default_manager.filter(**{f"{field_name}__in": pks}).values_list("pk", flat=True))
        _delete_tree(related, child_pks, counts)
    _, per_model = model._default_manager.filter(pk__in=pks).delete()
    for label, n in per_model.items():
        counts[label] = counts.get(label, 0) + n


@transaction.atomic
def _delete_person(actor: Actor, item: Due) -> dict[str, int]:
    from partners.registry.models import Person

    counts: dict[str, int] = {}
    _delete_tree(Person, [item.object_id], counts)
    audit_record(actor=actor, action=Action.DELETE, person_id=item.person_id, object_type="person",
                 object_id=item.object_id,
                 detail={"retention": item.record_type, "rule": item.reason, "due_since": item.due_since.isoformat(),
                         **item.detail, "rows_deleted": counts})
    return counts


def retention_run(*, actor: Actor, today: date | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Finds (and unless ``dry_run`` deletes) every record past retention; returns a summary."""
    from partners.common.models import IdempotencyRecord, OutboundMessage

    today = today or timezone.localdate()
    rules = config()
    summary: dict[str, Any] = {"today": today.isoformat(), "dry_run": dry_run, "rules": rules, "deleted": {},
                               "due": {}}
    people = people_due(today)
    summary["due"]["mental_health_record"] = [
        {"person_id": d.person_id, "rule": d.reason, "due_since": d.due_since.isoformat()} for d in people]
    now = timezone.now()
    idem_cutoff = now - timedelta(hours=int(rules["idempotency_record"]["hours"]))
    msg_cutoff = timezone.make_aware(datetime.combine(add_years(today, -int(rules["outbound_message"]["years"])),
                                                      time.min))
    # Each with the field naming the person a row is about (None: not about a person).
    housekeeping = {
        "idempotency_record": (IdempotencyRecord.objects.filter(created_at__lt=idem_cutoff), None),
        "outbound_message": (OutboundMessage.objects.filter(created_at__lt=msg_cutoff), "person_id"),
    }
    for name, (queryset, _) in housekeeping.items():
        summary["due"][name] = queryset.count()
    if dry_run:
        return summary
    summary["deleted"]["mental_health_record"] = len(people)
    for item in people:
        _delete_person(actor, item)
    for name, (queryset, person_field) in housekeeping.items():
        with transaction.atomic():
            rows = (queryset.values_list(person_field, "pk") if person_field
                    else ((None, pk) for pk in queryset.values_list("pk", flat=True)))
            audit_record_rows(actor=actor, action=Action.DELETE, object_type=name, rows=rows,
                              detail={"retention": name, "rule": rules[name]})
            summary["deleted"][name] = queryset.delete()[0]
    return summary
