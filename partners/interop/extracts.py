"""Extracts: the practice-level list for GP systems.

- :func:`practice_list` - one row per person registered at a practice (the practice's own patients, so
  identifiable), with their gap status, PARTNERS episode, Care Partner, planned contact, goals and
  physical health check; downloaded by practice staff (``/practice/extract.csv``) or written by
  ``partners extract practice-list``. Audited as an export of each person listed.

The pseudonymised research extract is the trial module's (``partners.trial.services.trial_extract_produce``;
``partners extract research TRIAL`` and the trial page both run it): one extract, one set of rules.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from django.http import Http404, HttpResponse
from django.utils import timezone

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record_people
from partners.common.decorators import role_required
from partners.common.types import AuthedRequest
from partners.registry.scope import visible_people

PRACTICE_LIST_COLUMNS = [
    "nhs_number", "family_name", "given_name", "date_of_birth", "sex", "practice_ods", "diagnosis_group",
    "snomed_code", "gap_status", "partners_phase", "care_partner", "episode_referred_on", "episode_started_on",
    "next_contact_on", "last_contact_on", "contact_overdue", "goals_active", "latest_health_check_on",
    "health_check_due_on", "interpreter_needed", "interpreter_language", "communication_needs",
]
HEALTH_CHECK_INTERVAL = timedelta(days=365)


class ExtractRefused(Exception):
    pass


def practice_list(*, actor: Actor, practice_ods: str, as_of: date | None = None) -> list[dict[str, Any]]:
    """Every person registered at the practice, as the GP system list extract (scoped to the caller)."""
    from partners.care.models import OPEN_PHASES, Episode, Goal
    from partners.dashboards.sources import statuses_for
    from partners.organisations.models import Organisation
    from partners.safety.models import HealthCheck

    as_of = as_of or timezone.localdate()
    practice = Organisation.objects.filter(ods_code=practice_ods.strip().upper(), kind="practice").first()
    if practice is None:
        raise ExtractRefused(f"No GP practice has the ODS code {practice_ods!r}.")
    if actor.user.role != Role.PRACTICE_STAFF or actor.user.organisation_id != practice.pk:
        raise ExtractRefused(f"Only staff of practice {practice.ods_code} can extract its list.")
    people = list(visible_people(actor.user).filter(practice=practice).order_by("family_name", "given_name", "pk"))
    pks = [p.pk for p in people]
    statuses = statuses_for(pks, as_of)
    episodes: dict[int, Any] = {}
    e: Any
    for e in Episode.objects.filter(person_id__in=pks).select_related("care_partner").order_by("referred_on", "pk"):
        current = episodes.get(e.person_id)
        if current is None or e.phase in OPEN_PHASES or current.phase not in OPEN_PHASES:
            episodes[e.person_id] = e
    goals: dict[int, int] = defaultdict(int)
    for person_id in Goal.objects.filter(person_id__in=pks, status=Goal.Status.ACTIVE).values_list("person_id",
                                                                                                   flat=True):
        goals[person_id] += 1
    checks: dict[int, date] = {}
    for person_id, checked_on in HealthCheck.objects.filter(person_id__in=pks).values_list("person_id", "checked_on"):
        if person_id not in checks or checked_on > checks[person_id]:
            checks[person_id] = checked_on
    rows = []
    for p in people:
        e = episodes.get(p.pk)
        last_check = checks.get(p.pk)
        open_episode = e is not None and e.phase in OPEN_PHASES
        rows.append({
            "nhs_number": p.nhs_number or "", "family_name": p.family_name, "given_name": p.given_name,
            "date_of_birth": p.date_of_birth.isoformat(), "sex": p.sex, "practice_ods": practice.ods_code,
            "diagnosis_group": p.diagnosis_group, "snomed_code": p.snomed_code,
            "gap_status": statuses.get(p.pk, ""),
            "partners_phase": e.phase if e else "",
            "care_partner": (e.care_partner.get_full_name() if e and e.care_partner else ""),
            "episode_referred_on": e.referred_on.isoformat() if e else "",
            "episode_started_on": e.started_on.isoformat() if e and e.started_on else "",
            "next_contact_on": e.next_contact_on.isoformat() if open_episode and e.next_contact_on else "",
            "last_contact_on": e.last_contact_on.isoformat() if e and e.last_contact_on else "",
            "contact_overdue": "true" if open_episode and e.next_contact_on and e.next_contact_on < as_of else "false",
            "goals_active": goals.get(p.pk, 0),
            "latest_health_check_on": last_check.isoformat() if last_check else "",
            "health_check_due_on": (last_check + HEALTH_CHECK_INTERVAL if last_check else as_of).isoformat(),
            "interpreter_needed": "true" if p.interpreter_needed else "false",
            "interpreter_language": p.interpreter_language,
            "communication_needs": ";".join(p.communication_needs or []),
        })
    audit_record_people(actor=actor, action=Action.EXPORT, person_ids=pks, object_type="practice_list_extract",
                        detail={"practice": practice.ods_code, "as_of": as_of.isoformat()})
    return rows


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue()


@role_required(Role.PRACTICE_STAFF)
def practice_list_download(request: AuthedRequest) -> HttpResponse:
    from partners.organisations.models import Organisation

    practice = (Organisation.objects.filter(pk=request.user.organisation_id, kind="practice").first()
                if request.user.organisation_id else None)
    if practice is None or not practice.ods_code:
        raise Http404("No practice.")
    rows = practice_list(actor=Actor.from_request(request), practice_ods=practice.ods_code)
    response = HttpResponse(("\ufeff" + to_csv(rows, PRACTICE_LIST_COLUMNS)).encode(),
                            content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="partners-smi-list-{practice.ods_code}-{stamp}.csv"'
    return response

