"""Writes for case finding: imports, the code list, linkage runs, clerical decisions, screening flags and
outreach. Keyword-only, atomic, audited; the logic is the pure core's (``casefinding.core``).

Who may do what (``docs/casefinding.md``):
- Administrators (the case-finding lead) import both extracts, edit the code list, run linkage and work
  the review queue; they see every practice's worklist.
- Practice staff import their own practice's register, see their practice's worklist and record
  outreach for it. Recording that a person accepted makes a referral (``care.services.episode_refer``),
  which needs the person in the caller's scope: the practice records it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record
from partners.casefinding import selectors
from partners.casefinding.core.codelist import GROUPS, CodeList, load_code_list
from partners.casefinding.core.extracts import Issue, ValidationReport, read_register, read_secondary
from partners.casefinding.core.gaprule import GAP_STATUSES, OUTPUT_COLUMNS
from partners.casefinding.core.linkage import record_keys
from partners.casefinding.core.pipeline import casefind_tables
from partners.casefinding.models import (
    CaseFindingResult,
    ClericalDecision,
    CodeListEntry,
    ImportBatch,
    ImportIssue,
    Kind,
    LinkageRun,
    Mode,
    OutreachAttempt,
    OutreachCase,
    OutreachStatus,
    RegisterRow,
    ReviewPair,
    ScreeningFlag,
    SecondaryRow,
)
from partners.common import notify
from partners.organisations.models import Organisation
from partners.registry.models import Person

LEAD_ROLES = (Role.ADMINISTRATOR,)
WORKLIST_ROLES = (Role.ADMINISTRATOR, Role.PRACTICE_STAFF)
MAX_UPLOAD_BYTES = 300 * 1024 * 1024
_CHUNK = 5000


def opt_out_days() -> int:
    return int(getattr(settings, "CASEFINDING_OPT_OUT_DAYS", 14))


def _require(actor: Actor, roles: Iterable[str]) -> None:
    if actor.user.role not in roles:
        raise Http404("Not available for this role.")


# Code list -------------------------------------------------------------------------------------------------

def code_list_current() -> CodeList:
    """The code list the platform validates registers with: the administrators' table (seeded with the
    default list by a migration; an emptied table falls back to the default rather than to no codes)."""
    if not CodeListEntry.objects.exists():
        return load_code_list()
    groups: dict[str, str] = {}
    terms: dict[str, str] = {}
    for code, group, term in CodeListEntry.objects.values_list("snomed_code", "diagnosis_group", "term"):
        groups[code] = group
        terms[code] = term
    return CodeList(path="code list (database)", groups=groups, terms=terms)


@transaction.atomic
def code_list_save(*, actor: Actor, snomed_code: str, diagnosis_group: str, term: str = "") -> CodeListEntry:
    """Add a SNOMED CT concept to the code list, or change its group or term."""
    _require(actor, LEAD_ROLES)
    code = (snomed_code or "").strip()
    errors: dict[str, list[str]] = {}
    if not code.isdigit() or not 6 <= len(code) <= 18:
        errors["snomed_code"] = [f"SNOMED CT concept id {code!r} must be 6 to 18 digits."]
    if diagnosis_group not in GROUPS:
        errors["diagnosis_group"] = [f"Diagnosis group {diagnosis_group!r} must be one of {', '.join(GROUPS)}."]
    if len(term or "") > 255:
        errors["term"] = ["The term must be 255 characters or fewer."]
    if errors:
        raise ValidationError(errors)
    entry, created = CodeListEntry.objects.update_or_create(
        snomed_code=code, defaults={"diagnosis_group": diagnosis_group, "term": (term or "").strip(),
                                    "updated_by": actor.user})
    audit_record(actor=actor, action=Action.CREATE if created else Action.UPDATE, object_type="casefinding_code",
                 object_id=code, detail={"diagnosis_group": diagnosis_group})
    return entry


@transaction.atomic
def code_list_remove(*, actor: Actor, snomed_code: str) -> None:
    _require(actor, LEAD_ROLES)
    deleted, _ = CodeListEntry.objects.filter(snomed_code=snomed_code).delete()
    if not deleted:
        raise Http404("No such code.")
    audit_record(actor=actor, action=Action.DELETE, object_type="casefinding_code", object_id=snomed_code)


# Imports ---------------------------------------------------------------------------------------------------

_REGISTER_FIELDS = ("nhs_number", "nhs_raw", "nhs_digits", "nhs_valid", "family_name", "given_name",
                    "date_of_birth", "sex", "postcode", "practice_ods", "snomed_code", "diagnosis_group",
                    "in_remission", "last_mh_care_date", "ethnicity", "lsoa")
_SECONDARY_FIELDS = ("nhs_number", "nhs_raw", "nhs_digits", "nhs_valid", "family_name", "given_name",
                     "date_of_birth", "postcode", "provider_ods", "team_type", "care_level", "referral_date",
                     "discharge_date")
_NULLABLE = {"nhs_number", "nhs_digits", "date_of_birth", "last_mh_care_date", "referral_date", "discharge_date"}


def _read(kind: str, data: bytes, filename: str, quarantine: bool) -> tuple[pa.Table | None, ValidationReport]:
    suffix = Path(filename).suffix.lower() if Path(filename).suffix.lower() in (".csv", ".xlsx") else ".csv"
    fd, tmp = tempfile.mkstemp(prefix="casefind-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if kind == Kind.REGISTER:
            table, report = read_register(tmp, quarantine=quarantine, code_list=code_list_current())
        else:
            table, report = read_secondary(tmp, quarantine=quarantine)
    finally:
        Path(tmp).unlink(missing_ok=True)
    report.path = filename
    return table, report


def _not_own_practice(table: pa.Table, ods: str) -> list[Issue]:
    rows = table.select(["row", "practice_ods"]).to_pylist()
    return [Issue(r["row"], "practice_ods", r["practice_ods"] or "",
                  f"is not your practice ({ods}): you may import only your own practice's register")
            for r in rows if (r["practice_ods"] or "").upper() != ods]


def _clean(value: Any, field: str) -> Any:
    if value is None and field not in _NULLABLE and field not in ("nhs_valid", "in_remission"):
        return ""
    return value


def _slices(table: pa.Table, keys: list[str]) -> Iterable[tuple[dict[str, Any], str]]:
    """The rows of a table with their fingerprints, a slice at a time (so a national file is never held as
    600,000 Python dictionaries at once)."""
    for start in range(0, table.num_rows, _CHUNK):
        part = table.slice(start, _CHUNK).to_pylist()
        yield from zip(part, keys[start:start + _CHUNK], strict=True)


def _store_rows(batch: ImportBatch, table: pa.Table) -> None:
    keys = record_keys(table, batch.kind).to_pylist()  # type: ignore[arg-type]
    if batch.kind == Kind.REGISTER:
        practices = dict(Organisation.objects.filter(kind=Organisation.Kind.PRACTICE)
                         .values_list("ods_code", "pk"))
        people = _people_by_nhs([n for n in table.column("nhs_number").to_pylist() if n])
        rows: list[RegisterRow] = []
        for record, key in _slices(table, keys):
            values = {f: _clean(record[f], f) for f in _REGISTER_FIELDS}
            nhs = values["nhs_number"] if values["nhs_valid"] else None
            rows.append(RegisterRow(
                batch=batch, row=record["row"], record_key=key, person_key=nhs or f"k:{key}",
                practice_id=practices.get((values["practice_ods"] or "").upper()),
                person_id=people.get(nhs) if nhs else None, **values))
            if len(rows) >= _CHUNK:
                RegisterRow.objects.bulk_create(rows)
                rows = []
        RegisterRow.objects.bulk_create(rows)
    else:
        batch_rows: list[SecondaryRow] = []
        for record, key in _slices(table, keys):
            values = {f: _clean(record[f], f) for f in _SECONDARY_FIELDS}
            batch_rows.append(SecondaryRow(batch=batch, row=record["row"], record_key=key, **values))
            if len(batch_rows) >= _CHUNK:
                SecondaryRow.objects.bulk_create(batch_rows)
                batch_rows = []
        SecondaryRow.objects.bulk_create(batch_rows)


def _store_issues(batch: ImportBatch, report: ValidationReport) -> None:
    quarantined = set(report.quarantined_rows)
    issues = [ImportIssue(batch=batch, row=i.row, column=i.column[:60], value=str(i.value)[:300],
                          reason=i.reason[:300], severity=i.severity, quarantined=i.row in quarantined)
              for i in report.issues]
    ImportIssue.objects.bulk_create(issues, batch_size=_CHUNK)


@dataclass
class ImportOutcome:
    batch: ImportBatch
    already_imported: bool


def extract_import(*, actor: Actor, kind: str, filename: str, data: bytes, quarantine: bool = False) -> ImportOutcome:
    """Validate and store one extract file, all or nothing. The same file again (by its SHA-256) returns
    the first import and stores nothing new; a refused file keeps its report and stores no rows."""
    user = actor.user
    _require(actor, WORKLIST_ROLES)
    if kind not in Kind.values:
        raise ValidationError({"kind": [f"Extract kind {kind!r} must be one of {', '.join(Kind.values)}."]})
    if user.role == Role.PRACTICE_STAFF and kind != Kind.REGISTER:
        raise ValidationError({"kind": ["Practice staff may import their practice's register only."]})
    if not data:
        raise ValidationError({"file": [f"{filename}: the file is empty."]})
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": [f"{filename}: the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB."]})
    digest = hashlib.sha256(data).hexdigest()
    existing = _existing_batch(kind, digest, quarantine)
    if existing is not None:
        audit_record(actor=actor, action=Action.CREATE, object_type="casefinding_import", object_id=existing.pk,
                     detail={"same_file_again": True, "sha256": digest})
        return ImportOutcome(existing, True)
    table, report = _read(kind, data, filename, quarantine)
    if table is not None and user.role == Role.PRACTICE_STAFF:
        ods = (user.organisation.ods_code or "").upper() if user.organisation else ""
        foreign = _not_own_practice(table, ods)
        if foreign:
            report.issues.extend(foreign)
            table = None
    status = ImportBatch.Status.IMPORTED if table is not None else ImportBatch.Status.REFUSED
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                kind=kind, filename=filename[:255], sha256=digest, size_bytes=len(data), status=status,
                quarantine=quarantine and table is not None and bool(report.quarantined_rows),
                rows_read=report.rows_read, rows_imported=table.num_rows if table is not None else 0,
                error_count=len(report.errors), warning_count=len(report.warnings), uploaded_by=user,
                uploaded_at=timezone.now())
            _store_issues(batch, report)
            if table is not None:
                _store_rows(batch, table)
            audit_record(actor=actor, action=Action.CREATE, object_type="casefinding_import", object_id=batch.pk,
                         detail={"kind": kind, "status": status, "rows": batch.rows_imported, "sha256": digest})
    except IntegrityError:  # the same file with the same outcome: imported at the same moment by someone
        # else, or refused again even with quarantine asked for (a file-level error)
        existing = ImportBatch.objects.filter(kind=kind, sha256=digest, status=status).first()
        if existing is None:
            raise
        return ImportOutcome(existing, True)
    return ImportOutcome(batch, False)


def _existing_batch(kind: str, digest: str, quarantine: bool) -> ImportBatch | None:
    batches = {b.status: b for b in ImportBatch.objects.filter(kind=kind, sha256=digest)}
    if ImportBatch.Status.IMPORTED in batches:
        return batches[ImportBatch.Status.IMPORTED]
    if not quarantine and ImportBatch.Status.REFUSED in batches:
        return batches[ImportBatch.Status.REFUSED]
    return None


# Linkage runs ----------------------------------------------------------------------------------------------

def _none_if_blank(value: Any) -> Any:
    return None if value == "" else value


def _table(kind: str, batch_id: int) -> tuple[pa.Table, dict[int, int]]:
    """The clean extract table of an import, rebuilt from its stored rows (types as the core reads them),
    and row number -> stored row id."""
    model = RegisterRow if kind == Kind.REGISTER else SecondaryRow
    fields = _REGISTER_FIELDS if kind == Kind.REGISTER else _SECONDARY_FIELDS
    dates = {"date_of_birth", "last_mh_care_date", "referral_date", "discharge_date"}
    columns: dict[str, list[Any]] = {f: [] for f in ("row", *fields)}
    ids: dict[int, int] = {}
    for values in model.objects.filter(batch_id=batch_id).order_by("row").values_list(
            "pk", "row", *fields).iterator(chunk_size=_CHUNK):
        ids[values[1]] = values[0]
        columns["row"].append(values[1])
        for name, value in zip(fields, values[2:], strict=True):
            columns[name].append(_none_if_blank(value))
    arrays = {}
    for name, values in columns.items():
        if name == "row":
            arrays[name] = pa.array(values, type=pa.int64())
        elif name in ("nhs_valid", "in_remission"):
            arrays[name] = pa.array(values, type=pa.bool_())
        elif name in dates:
            arrays[name] = pa.array(values, type=pa.date32())
        else:
            arrays[name] = pa.array(values, type=pa.string())
    return pa.table(arrays), ids


def _decisions() -> pa.Table:
    items = list(ClericalDecision.objects.values_list("register_key", "secondary_key", "accept"))
    return pa.table({"register_key": pa.array([i[0] for i in items], type=pa.string()),
                     "secondary_key": pa.array([i[1] for i in items], type=pa.string()),
                     "accept": pa.array([i[2] for i in items], type=pa.bool_())})


def needs_translation(person: Person | None) -> bool:
    if person is None:
        return False
    language = (person.preferred_language or "en").strip().lower()
    return bool(person.interpreter_needed) or not (language == "en" or language.startswith("en-"))


def _attach_people(register_batch_id: int) -> None:
    """Tie register rows to people the platform has recorded since the import (by valid NHS number)."""
    missing = list(RegisterRow.objects.filter(batch_id=register_batch_id, person__isnull=True,
                                              nhs_number__isnull=False).values_list("pk", "nhs_number"))
    people = _people_by_nhs([nhs for _, nhs in missing if nhs])
    updates = [RegisterRow(pk=pk, person_id=people[nhs]) for pk, nhs in missing if nhs in people]
    RegisterRow.objects.bulk_update(updates, ["person"], batch_size=_CHUNK)


def _people_by_nhs(numbers: list[str]) -> dict[str | None, int]:
    """Person pk by NHS number for the numbers recorded in the platform (looked up in chunks: registers are
    national-sized)."""
    people: dict[str | None, int] = {}
    for start in range(0, len(numbers), _CHUNK):
        people.update(Person.objects.filter(nhs_number__in=numbers[start:start + _CHUNK])
                      .values_list("nhs_number", "pk"))
    return people


def _flags(register_batch_id: int) -> pa.Table:
    """The trial's exclusion flags per register row: recorded flags and needing translation (from the
    person's record). Passed to the screen in trial mode only; the core never applies them in service mode."""
    recorded: dict[str, set[str]] = {}
    rows = list(RegisterRow.objects.filter(batch_id=register_batch_id).order_by("row")
                .values_list("row", "person_key", "person__interpreter_needed", "person__preferred_language"))
    keys = {r[1] for r in rows}
    for key, flag in ScreeningFlag.objects.values_list("person_key", "flag"):
        if key in keys:
            recorded.setdefault(key, set()).add(flag)
    columns: dict[str, list[Any]] = {"row": [], "needs_translation": []}
    for flag in ScreeningFlag.Flag.values:
        columns[flag] = []
    for row, key, interpreter, language in rows:
        columns["row"].append(row)
        lang = (language or "en").strip().lower()
        columns["needs_translation"].append(bool(interpreter) or not (lang == "en" or lang.startswith("en-")))
        for flag in ScreeningFlag.Flag.values:
            columns[flag].append(flag in recorded.get(key, set()))
    return pa.table({name: pa.array(values, type=pa.int64() if name == "row" else pa.bool_())
                     for name, values in columns.items()})


@transaction.atomic
def linkage_run(*, actor: Actor, register_batch_id: int, secondary_batch_id: int, as_of: date,
                threshold: float = 0.9, mode: str = Mode.SERVICE) -> LinkageRun:
    """Link an imported register to an imported secondary care extract, apply the gap rule as of a date and
    screen eligibility; stores one result per register row and the review queue. Earlier clerical
    decisions on the same pairs of records are applied."""
    _require(actor, LEAD_ROLES)
    errors: dict[str, list[str]] = {}
    batches = {b.pk: b for b in ImportBatch.objects.filter(pk__in=[register_batch_id, secondary_batch_id],
                                                            status=ImportBatch.Status.IMPORTED)}
    register_batch, secondary_batch = batches.get(register_batch_id), batches.get(secondary_batch_id)
    if register_batch is None or register_batch.kind != Kind.REGISTER:
        errors["register_batch"] = [f"Import {register_batch_id!r} is not an imported register extract."]
    if secondary_batch is None or secondary_batch.kind != Kind.SECONDARY:
        errors["secondary_batch"] = [f"Import {secondary_batch_id!r} is not an imported secondary care extract."]
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        errors["threshold"] = [f"Threshold {threshold!r} is not a number."]
    else:
        if not 0.5 < threshold <= 1:
            errors["threshold"] = [f"Threshold {threshold} must be above 0.5 and at most 1."]
    if mode not in Mode.values:
        errors["mode"] = [f"Mode {mode!r} must be service or trial."]
    if not isinstance(as_of, date):
        errors["as_of"] = ["Enter the as-of date."]
    if errors:
        raise ValidationError(errors)
    assert register_batch is not None and secondary_batch is not None
    register, register_ids = _table(Kind.REGISTER, register_batch.pk)
    secondary, secondary_ids = _table(Kind.SECONDARY, secondary_batch.pk)
    if register.num_rows == 0 or secondary.num_rows == 0:
        raise ValidationError({"__all__": ["Both extracts need at least one row to link."]})
    decisions = _decisions()
    _attach_people(register_batch.pk)
    flags = _flags(register_batch.pk) if mode == Mode.TRIAL else None
    result = casefind_tables(register, secondary, as_of=as_of, threshold=threshold, decisions=decisions,
                             mode=mode, flags=flags)  # type: ignore[arg-type]
    assert result.output is not None and result.links is not None and result.eligibility is not None
    summary = result.summary()
    run = LinkageRun.objects.create(register_batch=register_batch, secondary_batch=secondary_batch, as_of=as_of,
                                    threshold=threshold, mode=mode, summary=summary, run_by=actor.user,
                                    run_at=timezone.now(),
                                    decisions_applied=result.links.counts.get("decided_pairs", 0))
    practices = dict(RegisterRow.objects.filter(batch=register_batch).values_list("row", "practice_id"))
    eligibility = {r["row"]: r for r in result.eligibility.to_pylist()}
    out = []
    for record in result.output.select(["row", *OUTPUT_COLUMNS]).to_pylist():
        screen = eligibility[record["row"]]
        out.append(CaseFindingResult(
            run=run, register_row_id=register_ids[record["row"]], practice_id=practices.get(record["row"]),
            nhs_number=record["nhs_number"] or "", practice_ods=record["practice_ods"] or "",
            status=record["status"], match_method=record["match_method"],
            match_probability=record["match_probability"], latest_discharge_date=record["latest_discharge_date"],
            needs_review=bool(record["needs_review"]), care_needs_past_2y=bool(record["care_needs_past_2y"]),
            eligible=bool(screen["eligible"]), exclusion_reasons=list(screen["exclusion_reasons"] or [])))
    CaseFindingResult.objects.bulk_create(out, batch_size=_CHUNK)
    pairs = [ReviewPair(run=run, register_row_id=register_ids[p["register_row"]],
                        secondary_row_id=secondary_ids[p["secondary_row"]],
                        match_probability=p["match_probability"], match_weight=p["match_weight"],
                        guard=p["guard"] or "", register_key=p["register_key"], secondary_key=p["secondary_key"])
             for p in result.links.review.to_pylist()]
    ReviewPair.objects.bulk_create(pairs, batch_size=_CHUNK)
    audit_record(actor=actor, action=Action.CREATE, object_type="casefinding_run", object_id=run.pk,
                 detail={"as_of": as_of.isoformat(), "threshold": threshold, "mode": mode,
                         "in_gap": summary.get("in_gap"), "review_pairs": len(pairs)})
    return run


@transaction.atomic
def review_decide(*, actor: Actor, pair_id: int, accept: bool, note: str = "") -> ClericalDecision:
    """Accept or reject a pair in the review queue. The decision is kept by the two records' fingerprints
    and applied automatically by every later run; deciding again changes it (and is audited)."""
    _require(actor, LEAD_ROLES)
    pair = ReviewPair.objects.filter(pk=pair_id).first()
    if pair is None:
        raise Http404("No such pair.")
    if len(note or "") > 300:
        raise ValidationError({"note": ["The note must be 300 characters or fewer."]})
    previous = ClericalDecision.objects.filter(register_key=pair.register_key,
                                               secondary_key=pair.secondary_key).first()
    decision, _ = ClericalDecision.objects.update_or_create(
        register_key=pair.register_key, secondary_key=pair.secondary_key,
        defaults={"accept": bool(accept), "decided_by": actor.user, "decided_at": timezone.now(),
                  "run_id": pair.run_id, "note": (note or "").strip()})
    person_id = RegisterRow.objects.filter(pk=pair.register_row_id).values_list("person_id", flat=True).first()
    audit_record(actor=actor, action=Action.UPDATE if previous else Action.CREATE, person_id=person_id,
                 object_type="casefinding_decision", object_id=decision.pk,
                 detail={"pair": pair.pk, "accept": bool(accept),
                         "previous": None if previous is None else previous.accept})
    return decision


# Screening flags -------------------------------------------------------------------------------------------

@transaction.atomic
def screening_flag_set(*, actor: Actor, result_id: int, flag: str, present: bool, note: str = "") -> None:
    """Record (or clear) one of the trial's exclusions for a person; it is a reason in trial-mode runs only."""
    result = selectors.result_for_update(actor=actor, result_id=result_id)
    if flag not in ScreeningFlag.Flag.values:
        raise ValidationError({"flag": [f"Exclusion {flag!r} is not one of the trial's recorded exclusions."]})
    key = result.register_row.person_key
    if present:
        ScreeningFlag.objects.update_or_create(person_key=key, flag=flag, defaults={
            "note": (note or "")[:300], "recorded_by": actor.user, "recorded_at": timezone.now()})
    else:
        ScreeningFlag.objects.filter(person_key=key, flag=flag).delete()
    audit_record(actor=actor, action=Action.UPDATE, person_id=result.register_row.person_id,
                 object_type="casefinding_flag", object_id=result.pk, detail={"flag": flag, "present": present})


# Outreach --------------------------------------------------------------------------------------------------

def _today() -> date:
    return timezone.localdate()


def _case(result: CaseFindingResult, *, lock: bool = True) -> OutreachCase:
    row = result.register_row
    case, _ = OutreachCase.objects.get_or_create(
        person_key=row.person_key,
        defaults={"practice_id": result.practice_id, "register_row": row, "person_id": row.person_id})
    if lock:
        case = OutreachCase.objects.select_for_update().get(pk=case.pk)
    changed = []
    if case.register_row_id != row.pk:
        case.register_row = row
        changed.append("register_row")
    if row.person_id and case.person_id != row.person_id:
        case.person_id = row.person_id
        changed.append("person")
    if changed:
        case.save(update_fields=[*changed, "updated_at"])
    return case


def _refuse_if_stopped(case: OutreachCase) -> None:
    if case.status in (OutreachStatus.DECLINED, OutreachStatus.OPTED_OUT):
        raise ValidationError({"__all__": [
            f"This person {'declined' if case.status == OutreachStatus.DECLINED else 'opted out'}: "
            "they are not contacted again."]})
    if case.status == OutreachStatus.ACCEPTED:
        raise ValidationError({"__all__": ["This person accepted and has been referred: outreach has finished."]})


def _refuse_if_in_care(result: CaseFindingResult) -> None:
    from partners.care.models import OPEN_PHASES, Episode

    person_id = result.register_row.person_id
    if person_id and Episode.objects.filter(person_id=person_id, phase__in=OPEN_PHASES).exists():
        raise ValidationError({"__all__": ["This person already has an open episode of PARTNERS care."]})


def _attempt(actor: Actor, case: OutreachCase, step: str, *, channel: str = "", on: date | None = None,
             result: str = "", notes: str = "", message_id: int | None = None,
             letter_pdf: bytes | None = None) -> OutreachAttempt:
    attempt = OutreachAttempt.objects.create(case=case, step=step, channel=channel, on=on or _today(),
                                             result=result[:40], notes=(notes or "")[:500], message_id=message_id,
                                             letter_pdf=letter_pdf, recorded_by=actor.user,
                                             recorded_at=timezone.now())
    audit_record(actor=actor, action=Action.CREATE, person_id=case.person_id, object_type="casefinding_outreach",
                 object_id=attempt.pk, detail={"step": step, "channel": channel, "result": attempt.result})
    return attempt


def _letter_pdf(kind: str, result: CaseFindingResult, case: OutreachCase, extra: dict[str, Any]) -> bytes:
    """The invitation or appointment letter as an accessible PDF (``partners.letters``), in the person's
    language when the platform has their record and a template exists, large print when they need it."""
    from partners.care.services import care_partner_in_post
    from partners.common.identifiers import format_nhs_number
    from partners.letters import LetterError, letter_pdf
    from partners.letters.selectors import address_lines, language_name, wants_large_print

    row = result.register_row
    person = row.person
    practice = result.practice

    partner = care_partner_in_post(practice.pk, _today()) if practice is not None else None
    context: dict[str, Any] = {
        "person_name": row.full_name,
        "salutation": (person.preferred_name if person and person.preferred_name else row.full_name),
        "address_lines": address_lines(person.address, person.postcode) if person else address_lines("", row.postcode),
        "nhs_number": format_nhs_number(row.nhs_number) if row.nhs_valid and row.nhs_number else "",
        "practice_name": practice.name if practice else row.practice_ods,
        "practice_address_lines": address_lines(practice.address, practice.postcode) if practice else [],
        "practice_phone": (practice.phone if practice else "") or "your GP practice",
        "care_partner_name": partner.get_full_name() if partner else "",
        "interpreter_language": (language_name(person.interpreter_language)
                                 if person and person.interpreter_needed else ""),
        "reference": f"CF-{case.pk}", "opt_out_reference": f"CF-{case.pk}",
        **extra,
    }
    language = (person.preferred_language if person else "") or "en"
    large_print = wants_large_print(person)
    try:
        return letter_pdf(kind=kind, context=context, language=language, large_print=large_print)
    except LetterError as exc:
        raise ValidationError({"channel": [str(exc)]}) from None


def _send(actor: Actor, case: OutreachCase, *, channel: str, recipient: str, template: str,
          personalisation: dict[str, Any], purpose: str) -> tuple[str, int | None]:
    """Send a message through GOV.UK Notify; ``(result, message id)``. Letters are printed by the practice."""
    if channel == OutreachAttempt.Channel.LETTER:
        return "letter to print", None  # the PDF is stored on the attempt; the practice prints and posts it
    if channel not in (OutreachAttempt.Channel.SMS, OutreachAttempt.Channel.EMAIL):
        raise ValidationError({"channel": [f"Channel {channel!r} must be letter, sms or email."]})
    try:
        sent = notify.send(channel=channel, recipient=(recipient or "").strip(), template=template,
                           personalisation=personalisation, purpose=purpose, person_id=case.person_id,
                           reference=f"casefinding-{case.pk}", sent_by_id=actor.user.pk)
    except notify.NotifyError as exc:
        raise ValidationError({"recipient": [str(exc)]}) from None
    return ("sent" if sent.delivered_to_notify else "recorded (Notify not configured)"), sent.message.pk


@transaction.atomic
def outreach_invite(*, actor: Actor, result_id: int, channel: str, recipient: str = "") -> OutreachAttempt:
    """Invite a person found in the gap (letter, text message or email). Opens the opt-out window: no
    appointment invitation or call until it closes."""
    result = selectors.result_for_update(actor=actor, result_id=result_id)
    if result.status not in GAP_STATUSES:
        raise ValidationError({"__all__": [f"Only people in the gap are invited (status: "
                                           f"{result.get_status_display()})."]})
    if not result.eligible:
        raise ValidationError({"__all__": ["This person is not eligible: "
                                           + ", ".join(selectors.reason_text(r) for r in result.exclusion_reasons)
                                           + "."]})
    case = _case(result)
    _refuse_if_stopped(case)
    _refuse_if_in_care(result)
    if case.status != OutreachStatus.NOT_INVITED:
        raise ValidationError({"__all__": [f"Already invited on {case.invited_on:%d %B %Y}."]})
    row = result.register_row
    practice = result.practice.name if result.practice else row.practice_ods
    closes = _today() + timedelta(days=opt_out_days())
    outcome, message_id = _send(actor, case, channel=channel, recipient=recipient,
                                template="casefinding_invitation", purpose="casefinding_invitation",
                                personalisation={"given_name": row.given_name, "practice": practice,
                                                 "opt_out_by": f"{closes:%d %B %Y}"})
    pdf = _letter_pdf("invitation", result, case, {"reply_by": closes}) if channel == "letter" else None
    case.status = OutreachStatus.INVITED
    case.invited_on = _today()
    case.opt_out_closes_on = closes
    case.save(update_fields=["status", "invited_on", "opt_out_closes_on", "updated_at"])
    return _attempt(actor, case, OutreachAttempt.Step.INVITATION, channel=channel, result=outcome,
                    message_id=message_id, letter_pdf=pdf)


@transaction.atomic
def outreach_opt_out(*, actor: Actor, result_id: int, notes: str = "") -> OutreachAttempt:
    """The person opted out: nothing more is sent or said to them."""
    result = selectors.result_for_update(actor=actor, result_id=result_id)
    case = _case(result)
    if case.status == OutreachStatus.OPTED_OUT:
        raise ValidationError({"__all__": ["This person has already opted out."]})
    if case.status == OutreachStatus.ACCEPTED:
        raise ValidationError({"__all__": ["This person accepted and has been referred: end the episode instead."]})
    case.status = OutreachStatus.OPTED_OUT
    case.save(update_fields=["status", "updated_at"])
    return _attempt(actor, case, OutreachAttempt.Step.OPT_OUT, result="opted out", notes=notes)


def _window_closed(case: OutreachCase) -> None:
    if case.status == OutreachStatus.NOT_INVITED or case.opt_out_closes_on is None:
        raise ValidationError({"__all__": ["Send the invitation first: the opt-out window has not started."]})
    if _today() < case.opt_out_closes_on:
        raise ValidationError({"__all__": [f"The opt-out window is open until {case.opt_out_closes_on:%d %B %Y}: "
                                           "no appointment invitation or call before then."]})


@transaction.atomic
def outreach_appointment(*, actor: Actor, result_id: int, channel: str, appointment_at: datetime,
                         recipient: str = "", place: str = "") -> OutreachAttempt:
    """Invite the person to an appointment, once the opt-out window has closed."""
    result = selectors.result_for_update(actor=actor, result_id=result_id)
    case = _case(result)
    _refuse_if_stopped(case)
    _window_closed(case)
    if not isinstance(appointment_at, datetime):
        raise ValidationError({"appointment_at": ["Enter the date and time of the appointment."]})
    if appointment_at < timezone.now():
        raise ValidationError({"appointment_at": [
            f"The appointment ({appointment_at:%d %B %Y %H:%M}) is in the past."]})
    row = result.register_row
    practice = result.practice.name if result.practice else row.practice_ods
    when = timezone.localtime(appointment_at)
    if channel == OutreachAttempt.Channel.TELEPHONE:
        outcome, message_id = "offered by telephone", None
    else:
        outcome, message_id = _send(actor, case, channel=channel, recipient=recipient,
                                    template="casefinding_appointment", purpose="casefinding_appointment",
                                    personalisation={"given_name": row.given_name, "practice": practice,
                                                     "when": f"{when:%A %d %B %Y at %H:%M}", "place": place})
    pdf = (_letter_pdf("appointment", result, case, {"appointment_on": when.date(),
                                                      "appointment_time": f"{when:%H:%M}", "place": place})
           if channel == "letter" else None)
    case.status = OutreachStatus.APPOINTMENT_OFFERED
    case.appointment_at = appointment_at
    case.save(update_fields=["status", "appointment_at", "updated_at"])
    return _attempt(actor, case, OutreachAttempt.Step.APPOINTMENT, channel=channel, result=outcome,
                    notes=f"{when:%d %B %Y %H:%M} {place}".strip(), message_id=message_id, letter_pdf=pdf)


TELEPHONE_RESULTS = {"no_answer": "No answer", "voicemail": "Left a voicemail", "spoke": "Spoke to the person",
                     "wrong_number": "Wrong number"}


@transaction.atomic
def outreach_telephone(*, actor: Actor, result_id: int, result: str, notes: str = "") -> OutreachAttempt:
    """Record a telephone follow-up attempt (after the opt-out window)."""
    found = selectors.result_for_update(actor=actor, result_id=result_id)
    case = _case(found)
    _refuse_if_stopped(case)
    _window_closed(case)
    if result not in TELEPHONE_RESULTS:
        raise ValidationError({"result": [f"Call result {result!r} must be one of {', '.join(TELEPHONE_RESULTS)}."]})
    return _attempt(actor, case, OutreachAttempt.Step.TELEPHONE, channel=OutreachAttempt.Channel.TELEPHONE,
                    result=result, notes=notes)


OUTCOMES = {"accepted": "Accepted", "declined": "Declined", "no_response": "No response"}


@transaction.atomic
def outreach_outcome(*, actor: Actor, result_id: int, outcome: str, notes: str = "") -> OutreachAttempt:
    """The outcome of outreach. Declined: never contacted again. Accepted: a referral into PARTNERS care
    (an episode in the 'invited' phase, with the practice's Care Partner), creating the person's record
    from the register row if the platform has none."""
    found = selectors.result_for_update(actor=actor, result_id=result_id)
    case = _case(found)
    _refuse_if_stopped(case)
    if outcome not in OUTCOMES:
        raise ValidationError({"outcome": [f"Outcome {outcome!r} must be one of {', '.join(OUTCOMES)}."]})
    if case.status == OutreachStatus.NOT_INVITED:
        raise ValidationError({"__all__": ["Send the invitation first."]})
    if outcome == "accepted":
        from partners.care.services import episode_refer

        if actor.user.role != Role.PRACTICE_STAFF:
            raise ValidationError({"__all__": ["The practice records acceptance: it makes the referral into "
                                               "PARTNERS care for its patient."]})
        person = _person_for(actor, found)
        episode = episode_refer(actor=actor, person_id=person.pk, source="Case finding outreach")
        case.person = person
        case.episode = episode
        case.status = OutreachStatus.ACCEPTED
    elif outcome == "declined":
        case.status = OutreachStatus.DECLINED
    else:
        case.status = OutreachStatus.NO_RESPONSE
    case.save()
    return _attempt(actor, case, OutreachAttempt.Step.OUTCOME, result=outcome, notes=notes)


def _person_for(actor: Actor, result: CaseFindingResult) -> Person:
    from partners.registry.services import person_create

    row = result.register_row
    if row.person_id:
        return row.person  # type: ignore[return-value]
    if row.nhs_valid and row.nhs_number:
        existing = Person.objects.filter(nhs_number=row.nhs_number).first()
        if existing is not None:
            return existing
    person = person_create(actor=actor, data={
        "nhs_number": row.nhs_number if row.nhs_valid else "", "given_name": row.given_name,
        "family_name": row.family_name, "date_of_birth": row.date_of_birth, "sex": row.sex or "unknown",
        "ethnicity": row.ethnicity or "Z", "postcode": row.postcode, "lsoa": row.lsoa,
        "practice_ods": row.practice_ods, "diagnosis_group": row.diagnosis_group, "snomed_code": row.snomed_code,
        "usual_care_setting": "secondary" if result.status == "limited_secondary" else "primary"})
    RegisterRow.objects.filter(person_key=row.person_key, person__isnull=True).update(person=person)
    return person
