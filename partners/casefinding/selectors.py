"""Reads for case finding, scoped to the caller and audited.

Scope: administrators (the case-finding lead) see every practice's case-finding rows; practice staff
see their own practice's rows only; nobody else sees any. A row out of scope is a 404. Every list or
page that shows person-identifying rows writes an audit row per row shown.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.http import Http404

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record_rows
from partners.casefinding.core.gaprule import GAP_STATUSES
from partners.casefinding.models import (
    CaseFindingResult,
    ClericalDecision,
    ImportBatch,
    ImportIssue,
    LinkageRun,
    OutreachAttempt,
    OutreachCase,
    OutreachStatus,
    ReviewPair,
    ScreeningFlag,
    Status,
)

REASONS = {
    "age_unknown": "Date of birth not known",
    "under_18": "Under 18",
    "diagnosis_unknown": "Diagnosis not known",
    "diagnosis_not_smi": "Diagnosis is not schizophrenia, bipolar disorder or other psychosis",
    "no_care_needs_past_2y": "No care for the diagnosis in the past 2 years",
    "in_remission": "In remission",
    "in_secondary_care": "Needs ongoing secondary care (acute or multidisciplinary)",
    "cannot_consent": "Could not consent (trial)",
    "needs_translation": "Needed translation (trial)",
    "in_other_psychosis_trial": "In another psychosis trial (trial)",
    "secondary_care_dementia_or_intellectual_disability": "Under secondary care for dementia or intellectual "
                                                         "disability (trial)",
    "significant_substance_or_alcohol_problems": "Significant substance or alcohol problems (trial)",
    "gp_judged_not_in_best_interests": "GP judged it not in their best interests (trial)",
}


def reason_text(code: str) -> str:
    return REASONS.get(code, code.replace("_", " "))


def is_lead(user: Any) -> bool:
    return getattr(user, "role", None) == Role.ADMINISTRATOR


def current_run() -> LinkageRun | None:
    return LinkageRun.objects.select_related("register_batch", "secondary_batch", "run_by").first()


def visible_results(user: Any, run: LinkageRun | None) -> QuerySet[CaseFindingResult]:
    """The case-finding rows of ``run`` the user may see."""
    results = CaseFindingResult.objects.all()
    if run is None or not getattr(user, "is_authenticated", False):
        return results.none()
    results = results.filter(run=run)
    if user.role == Role.ADMINISTRATOR:
        return results
    if user.role == Role.PRACTICE_STAFF and user.organisation_id:
        return results.filter(practice_id=user.organisation_id)
    return results.none()


def result_for_update(*, actor: Actor, result_id: int) -> CaseFindingResult:
    """A row of the current run in the caller's scope (for a write); 404 otherwise."""
    run = current_run()
    result = (visible_results(actor.user, run).filter(pk=result_id)
              .select_related("register_row", "register_row__person", "practice").first())
    if result is None:
        raise Http404("No such case-finding row.")
    return result


def result_get(*, actor: Actor, result_id: int) -> dict[str, Any]:
    """One person's case-finding page: the row, the screen, flags, outreach and its history (audited)."""
    result = result_for_update(actor=actor, result_id=result_id)
    row = result.register_row
    case = OutreachCase.objects.filter(person_key=row.person_key).select_related("episode").first()
    attempts = (list(OutreachAttempt.objects.filter(case=case).select_related("recorded_by").defer("letter_pdf")
                     .annotate(has_letter=ExpressionWrapper(Q(letter_pdf__isnull=False), output_field=BooleanField())))
                if case else [])
    flags = set(ScreeningFlag.objects.filter(person_key=row.person_key).values_list("flag", flat=True))
    audit_record_rows(actor=actor, action=Action.VIEW, object_type="casefinding_result",
                      rows=[(row.person_id, result.pk)])
    return {"result": result, "row": row, "case": case, "attempts": attempts, "flags": flags,
            "flag_labels": sorted(reason_text(f) for f in flags),
            "reasons": [reason_text(r) for r in result.exclusion_reasons]}


WORKLIST_FILTERS = {
    "gap": "In the gap",
    "eligible": "In the gap and eligible",
    "review": "Waiting for review",
    "all": "Everyone on the register",
}


def worklist(*, actor: Actor, show: str = "gap", practice_id: int | None = None,
             limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """The gap worklist of the current run: the caller's rows (a practice filter for leads), with outreach
    status. A constant number of queries; each row shown is audited."""
    run = current_run()
    results = visible_results(actor.user, run)
    if practice_id is not None and is_lead(actor.user):
        results = results.filter(practice_id=practice_id)
    counts = results.aggregate(total=Count("pk"), gap=Count("pk", filter=Q(status__in=GAP_STATUSES)),
                               eligible=Count("pk", filter=Q(status__in=GAP_STATUSES, eligible=True)),
                               review=Count("pk", filter=Q(needs_review=True)))
    if show == "gap":
        results = results.filter(status__in=GAP_STATUSES)
    elif show == "eligible":
        results = results.filter(status__in=GAP_STATUSES, eligible=True)
    elif show == "review":
        results = results.filter(needs_review=True)
    rows = list(results.select_related("register_row", "practice")
                .order_by("practice_ods", "register_row__family_name", "register_row__given_name", "pk")
                [offset:offset + limit])
    keys = [r.register_row.person_key for r in rows]
    cases = {c.person_key: c for c in OutreachCase.objects.filter(person_key__in=keys)}
    audit_record_rows(actor=actor, action=Action.LIST, object_type="casefinding_result",
                      rows=[(r.register_row.person_id, r.pk) for r in rows])
    return {"run": run, "rows": [(r, cases.get(r.register_row.person_key)) for r in rows], "counts": counts}


def review_queue(*, actor: Actor, limit: int = 50) -> dict[str, Any]:
    """Pairs of the current run waiting for a decision (no decision on their two records yet), with each
    field's agreement worked out; and how many were decided. Leads only; audited per pair shown."""
    if not is_lead(actor.user):
        raise Http404("Not available for this role.")
    run = current_run()
    if run is None:
        return {"run": None, "pairs": [], "waiting": 0, "decided": 0}
    pairs_qs = ReviewPair.objects.filter(run=run)
    decided_keys = ClericalDecision.objects.filter(register_key__in=pairs_qs.values("register_key"))
    decided = {(d.register_key, d.secondary_key): d for d in decided_keys.select_related("decided_by")}
    pairs = list(pairs_qs.select_related("register_row", "secondary_row").order_by("-match_probability", "pk"))
    waiting = [p for p in pairs if (p.register_key, p.secondary_key) not in decided]
    done = [(p, decided[(p.register_key, p.secondary_key)]) for p in pairs
            if (p.register_key, p.secondary_key) in decided]
    shown = waiting[:limit]
    audit_record_rows(actor=actor, action=Action.LIST, object_type="casefinding_review_pair",
                      rows=[(p.register_row.person_id, p.pk) for p in shown])
    return {"run": run, "pairs": [(p, compare(p)) for p in shown], "waiting": len(waiting),
            "decided": len(done), "recent": done[:limit]}


def compare(pair: ReviewPair) -> list[dict[str, Any]]:
    """The two records side by side, field by field, with whether each agrees."""
    reg, sec = pair.register_row, pair.secondary_row

    def norm(value: Any) -> str:
        return "".join(ch for ch in str(value or "").lower() if ch.isalnum())

    fields = [("NHS number", reg.nhs_raw, sec.nhs_raw), ("Given name", reg.given_name, sec.given_name),
              ("Family name", reg.family_name, sec.family_name),
              ("Date of birth", reg.date_of_birth, sec.date_of_birth), ("Postcode", reg.postcode, sec.postcode)]
    out = []
    for label, left, right in fields:
        if not left or not right:
            agreement = "missing"
        elif norm(left) == norm(right):
            agreement = "agree"
        else:
            agreement = "disagree"
        out.append({"label": label, "register": left, "secondary": right, "agreement": agreement})
    return out


def import_batches(*, actor: Actor, limit: int = 50) -> list[ImportBatch]:
    user = actor.user
    batches = ImportBatch.objects.select_related("uploaded_by")
    if user.role == Role.PRACTICE_STAFF:
        batches = batches.filter(uploaded_by=user)
    elif user.role != Role.ADMINISTRATOR:
        return []
    return list(batches[:limit])


def import_batch_get(*, actor: Actor, batch_id: int) -> ImportBatch:
    user = actor.user
    batches = ImportBatch.objects.select_related("uploaded_by")
    if user.role == Role.PRACTICE_STAFF:
        batches = batches.filter(uploaded_by=user)
    elif user.role != Role.ADMINISTRATOR:
        raise Http404("No such import.")
    batch = batches.filter(pk=batch_id).first()
    if batch is None:
        raise Http404("No such import.")
    return batch


def import_issues(*, actor: Actor, batch_id: int, limit: int | None = 200) -> tuple[ImportBatch, list[ImportIssue]]:
    """The validation report of an import (it names values from the file, so reading it is audited)."""
    batch = import_batch_get(actor=actor, batch_id=batch_id)
    issues = batch.issues.order_by("row", "column", "pk")
    listed = list(issues if limit is None else issues[:limit])
    from partners.audit.services import audit_record

    audit_record(actor=actor, action=Action.EXPORT if limit is None else Action.VIEW,
                 object_type="casefinding_import_report", object_id=batch.pk, detail={"issues": len(listed)})
    return batch, listed


def practice_statuses(*, nhs_numbers: list[str], practice_id: int) -> dict[str, dict[str, Any]]:
    """Gap and outreach status by NHS number for a practice's patients (for 'Our patients with SMI'):
    two queries whatever the page size. The caller has already scoped and audited the people."""
    run = current_run()
    if run is None or not nhs_numbers:
        return {}
    results = (CaseFindingResult.objects.filter(run=run, practice_id=practice_id,
                                                register_row__nhs_number__in=nhs_numbers)
               .values_list("pk", "register_row__nhs_number", "status", "eligible"))
    out: dict[str, dict[str, Any]] = {}
    for pk, nhs, status, eligible in results:
        out[nhs or ""] = {"result_id": pk, "status": status, "status_label": Status(status).label,
                    "in_gap": status in GAP_STATUSES, "eligible": eligible, "outreach": None, "outreach_label": ""}
    for key, status in OutreachCase.objects.filter(person_key__in=list(out)).values_list("person_key", "status"):
        out[key]["outreach"] = status
        out[key]["outreach_label"] = OutreachStatus(status).label
    return out


def letter_get(*, actor: Actor, attempt_id: int) -> OutreachAttempt:
    """An outreach letter (PDF) in the caller's scope, audited as an export; 404 otherwise."""
    user = actor.user
    attempts = OutreachAttempt.objects.filter(pk=attempt_id, letter_pdf__isnull=False).select_related("case")
    if user.role == Role.PRACTICE_STAFF and user.organisation_id:
        attempts = attempts.filter(case__practice_id=user.organisation_id)
    elif user.role != Role.ADMINISTRATOR:
        raise Http404("No such letter.")
    attempt = attempts.first()
    if attempt is None:
        raise Http404("No such letter.")
    from partners.audit.services import audit_record

    audit_record(actor=actor, action=Action.EXPORT, person_id=attempt.case.person_id,
                 object_type=f"letter:casefinding_{attempt.step}", object_id=attempt.pk)
    return attempt
