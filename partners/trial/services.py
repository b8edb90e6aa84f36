"""Writes for trials: set-up, practice recruitment, randomisation by minimisation (with the append-only
allocation log and the announcement to the practice), participants' screening, consent, baseline and
withdrawal, unblinding, and reports and extracts.

Every function is keyword-only, atomic, validates in one place (``ValidationError`` with a dict of field ->
messages) and audits what it changes. Who may do what:

- researchers set up trials, record practices' recruitment and randomise practices (they see no identifiable
  record and, until unblinding, nothing measured after randomisation);
- practice staff record their own patients' screening, consent, baseline and withdrawal (the people they may see,
  ``registry.scope``); research consent goes through ``registry.services.consent_record``;
- an administrator (never the allocating researcher's role) records the decision to unblind.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record, audit_record_people
from partners.common import notify
from partners.common.models import OutboundMessage
from partners.organisations.models import Organisation
from partners.registry.models import Consent, Person
from partners.registry.scope import visible_people
from partners.registry.services import consent_record
from partners.trial.models import (
    ARM_LABELS,
    AllocationLog,
    Participant,
    ReportRun,
    Trial,
    TrialPractice,
    WithdrawalKind,
)
from partners.trial.stats import minimisation

logger = logging.getLogger("partners.trial")

FACTOR_SOURCES: dict[str, Callable[[Organisation], str]] = {
    "region": lambda org: org.region,
    "practice_size": lambda org: org.size,
}
MIN_DECISION_CHARS = 20


def _require_role(actor: Actor, *roles: str, doing: str) -> None:
    if getattr(actor.user, "role", None) not in roles:
        raise PermissionDenied(f"Only {' or '.join(dict(Role.choices)[r].lower() + 's' for r in roles)} can {doing}.")


def _not_future(errors: dict[str, list[str]], field: str, value: date, label: str) -> None:
    if value > timezone.localdate():
        errors.setdefault(field, []).append(f"{label} {value.isoformat()} is in the future.")


def _trial(trial_id: int, *, lock: bool = False) -> Trial:
    qs = Trial.objects.select_for_update() if lock else Trial.objects.all()
    try:
        return qs.get(pk=trial_id)
    except Trial.DoesNotExist:
        raise Http404("No such trial.") from None


def _trial_practice(trial_practice_id: int) -> TrialPractice:
    try:
        return TrialPractice.objects.select_related("practice", "trial").get(pk=trial_practice_id)
    except TrialPractice.DoesNotExist:
        raise Http404("No such practice in a trial.") from None


def is_allocated(tp: TrialPractice) -> bool:
    return AllocationLog.objects.filter(trial_practice=tp).exists()


# --------------------------------------------------------------------------------------------------------------
# Trials


def _clean_periods(periods: Sequence[Mapping[str, Any]], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    out = []
    for k, period in enumerate(periods):
        label = str(period.get("label", "")).strip()
        start = period.get("from")
        if not label:
            errors.setdefault("periods", []).append(f"Period {k + 1} has no label.")
            continue
        if start:
            try:
                date.fromisoformat(str(start))
            except ValueError:
                errors.setdefault("periods", []).append(f"Period {label!r}: {start!r} is not a date (YYYY-MM-DD).")
                continue
        out.append({"label": label, "from": str(start) if start else None})
    return out


@transaction.atomic
def trial_create(*, actor: Actor, name: str, registration: str = "", consent_study: str = "", description: str = "",
                 outcomes: Sequence[str] = ("mansa",), factors: Sequence[str] = ("region", "practice_size"),
                 weights: Sequence[float] = (), ratio: Sequence[float] = (), p: float = 0.8, seed: int | None = None,
                 followup_days: int = 304, followup_window_days: int = 30,
                 periods: Sequence[Mapping[str, Any]] = (), design: Mapping[str, Any] | None = None,
                 organisation_id: int | None = None) -> Trial:
    """Set up a trial. The seed is drawn here at random unless given (the command line and the demo give one);
    the web form never offers it, so the allocating researcher cannot know it."""
    from partners.measures.engine import ScoringError, get_instrument

    _require_role(actor, Role.RESEARCHER, Role.ADMINISTRATOR, doing="set up a trial")
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["Enter the trial's name."]
    elif Trial.objects.filter(name__iexact=name).exists():
        errors["name"] = [f"A trial called {name!r} already exists."]
    codes = [str(o).strip().lower() for o in outcomes if str(o).strip()]
    if not codes:
        errors["outcomes"] = ["Choose at least the primary outcome."]
    for code in codes:
        try:
            get_instrument(code)
        except ScoringError:
            errors.setdefault("outcomes", []).append(f"{code!r} is not a known instrument.")
    if len(set(codes)) != len(codes):
        errors.setdefault("outcomes", []).append("An outcome is listed twice.")
    factor_list = [str(f).strip() for f in factors if str(f).strip()]
    try:
        minimisation.MinimisationConfig(factors=tuple(factor_list), weights=tuple(float(w) for w in weights),
                                        ratio=tuple(float(r) for r in ratio), p=float(p))
    except ValueError as exc:
        errors.setdefault("factors", []).append(f"Minimisation: {exc}.")
    if followup_days < 1:
        errors["followup_days"] = ["Follow-up must be due at least a day after randomisation."]
    clean_periods = _clean_periods(periods, errors)
    if errors:
        raise ValidationError(errors)
    trial = Trial.objects.create(
        name=name, registration=registration.strip(), consent_study=(consent_study or name).strip()[:100],
        description=description, outcomes=codes, factors=factor_list, weights=[float(w) for w in weights],
        ratio=[float(r) for r in ratio], p=float(p), seed=secrets.randbelow(2**62) if seed is None else int(seed),
        followup_days=followup_days, followup_window_days=followup_window_days, periods=clean_periods,
        design=dict(design or {}), organisation_id=organisation_id, created_by=actor.user,
    )
    audit_record(actor=actor, action=Action.CREATE, object_type="trial", object_id=trial.pk,
                 detail={"name": trial.name, "factors": factor_list, "outcomes": codes})
    return trial


@transaction.atomic
def trial_unblind(*, actor: Actor, trial_id: int, decision: str) -> Trial:
    """Record the decision to unblind (an administrator, never a researcher: the role that allocates may not
    lift its own blinding). From then on the researchers' screens and reports show outcomes by arm."""
    _require_role(actor, Role.ADMINISTRATOR, doing="unblind a trial")
    trial = _trial(trial_id, lock=True)
    decision = (decision or "").strip()
    errors: dict[str, list[str]] = {}
    if trial.is_unblinded:
        errors["decision"] = [f"The trial was unblinded on {timezone.localtime(trial.unblinded_at):%d %B %Y}."]
    elif len(decision) < MIN_DECISION_CHARS:
        errors["decision"] = [f"Record the decision (who decided, when, on what basis) in at least "
                              f"{MIN_DECISION_CHARS} characters."]
    elif not trial.allocations.exists():
        errors["decision"] = ["No practice has been randomised yet: there is nothing to unblind."]
    if errors:
        raise ValidationError(errors)
    trial.unblinded_at = timezone.now()
    trial.unblinded_by = actor.user
    trial.unblinding_decision = decision
    trial.status = Trial.Status.UNBLINDED
    trial.save(update_fields=["unblinded_at", "unblinded_by", "unblinding_decision", "status"])
    audit_record(actor=actor, action=Action.UPDATE, object_type="trial", object_id=trial.pk,
                 detail={"unblinded": True, "decision": decision})
    return trial


# --------------------------------------------------------------------------------------------------------------
# Practices


def levels_from(org: Organisation, factors: Iterable[str]) -> dict[str, str]:
    return {f: (FACTOR_SOURCES[f](org) or "") for f in factors if f in FACTOR_SOURCES}


@transaction.atomic
def practice_approach(*, actor: Actor, trial_id: int, practice_ids: Iterable[int], on: date) -> list[TrialPractice]:
    _require_role(actor, Role.RESEARCHER, doing="record practices approached")
    trial = _trial(trial_id)
    ids = list(dict.fromkeys(int(i) for i in practice_ids))
    errors: dict[str, list[str]] = {}
    _not_future(errors, "on", on, "The date approached")
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=ids, kind=Organisation.Kind.PRACTICE)}
    if not ids:
        errors.setdefault("practices", []).append("Select at least one practice.")
    for i in ids:
        if i not in orgs:
            errors.setdefault("practices", []).append(f"Organisation {i} is not a GP practice.")
    already = set(TrialPractice.objects.filter(trial=trial, practice_id__in=ids)
                  .values_list("practice__name", flat=True))
    for practice_name in sorted(already):
        errors.setdefault("practices", []).append(f"{practice_name} is already in this trial.")
    if errors:
        raise ValidationError(errors)
    created = [TrialPractice.objects.create(trial=trial, practice=orgs[i], approached_on=on,
                                            levels=levels_from(orgs[i], trial.factors)) for i in ids]
    for tp in created:
        audit_record(actor=actor, action=Action.CREATE, object_type="trial_practice", object_id=tp.pk,
                     detail={"trial": trial.pk, "practice": tp.code, "status": tp.status})
    return created


@transaction.atomic
def practice_recruit(*, actor: Actor, trial_practice_id: int, on: date,
                     levels: Mapping[str, str] | None = None) -> TrialPractice:
    """Recruit an approached practice, recording its level of every minimisation factor."""
    _require_role(actor, Role.RESEARCHER, doing="recruit practices")
    tp = _trial_practice(trial_practice_id)
    errors: dict[str, list[str]] = {}
    if tp.status != TrialPractice.Status.APPROACHED:
        errors["status"] = [f"{tp.practice.name} is {tp.get_status_display().lower()}, not approached."]
    _not_future(errors, "on", on, "The date recruited")
    if on < tp.approached_on:
        errors.setdefault("on", []).append("A practice cannot be recruited before it was approached.")
    merged = {**levels_from(tp.practice, tp.trial.factors), **(tp.levels or {}),
              **{k: str(v).strip() for k, v in (levels or {}).items() if str(v).strip()}}
    for factor in tp.trial.factors:
        if not str(merged.get(factor, "")).strip():
            errors.setdefault(f"level_{factor}", []).append(f"Enter the practice's {factor.replace('_', ' ')}.")
    if errors:
        raise ValidationError(errors)
    tp.status = TrialPractice.Status.RECRUITED
    tp.recruited_on = on
    tp.levels = {f: str(merged[f]).strip() for f in tp.trial.factors}
    tp.save(update_fields=["status", "recruited_on", "levels"])
    audit_record(actor=actor, action=Action.UPDATE, object_type="trial_practice", object_id=tp.pk,
                 detail={"status": tp.status, "levels": tp.levels})
    return tp


@transaction.atomic
def practice_exclude(*, actor: Actor, trial_practice_id: int, reason: str, on: date) -> TrialPractice:
    """Not recruited (from approached) or withdrawn before randomisation (from recruited), with the reason.
    A randomised practice stays in the analysis: record its participants' withdrawals instead."""
    _require_role(actor, Role.RESEARCHER, doing="record practices excluded")
    tp = _trial_practice(trial_practice_id)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = ["Enter the reason."]
    _not_future(errors, "on", on, "The date")
    if is_allocated(tp):
        errors["status"] = [f"{tp.practice.name} has been randomised: it stays in the analysis (intention to treat)."]
    elif tp.status not in (TrialPractice.Status.APPROACHED, TrialPractice.Status.RECRUITED):
        errors["status"] = [f"{tp.practice.name} is already {tp.get_status_display().lower()}."]
    if errors:
        raise ValidationError(errors)
    tp.status = (TrialPractice.Status.EXCLUDED if tp.status == TrialPractice.Status.APPROACHED
                 else TrialPractice.Status.WITHDRAWN)
    tp.excluded_on = on
    tp.reason = reason[:200]
    tp.save(update_fields=["status", "excluded_on", "reason"])
    audit_record(actor=actor, action=Action.UPDATE, object_type="trial_practice", object_id=tp.pk,
                 detail={"status": tp.status, "reason": tp.reason})
    return tp


@transaction.atomic
def practice_baseline_complete(*, actor: Actor, trial_practice_id: int, on: date) -> TrialPractice:
    """The practice finished baseline recruitment: it can now be randomised."""
    _require_role(actor, Role.RESEARCHER, doing="record the end of baseline recruitment")
    tp = _trial_practice(trial_practice_id)
    errors: dict[str, list[str]] = {}
    _not_future(errors, "on", on, "The date")
    if tp.status != TrialPractice.Status.RECRUITED:
        errors["status"] = [f"{tp.practice.name} is {tp.get_status_display().lower()}, not recruited."]
    elif tp.baseline_complete_on is not None:
        errors["status"] = [f"{tp.practice.name} finished baseline recruitment on {tp.baseline_complete_on:%d %B %Y}."]
    elif not tp.participants.filter(consent__status=Consent.Status.GIVEN, baseline_on__isnull=False).exists():
        errors["status"] = [f"No participant at {tp.practice.name} has completed a baseline assessment yet."]
    if errors:
        raise ValidationError(errors)
    tp.baseline_complete_on = on
    tp.save(update_fields=["baseline_complete_on"])
    audit_record(actor=actor, action=Action.UPDATE, object_type="trial_practice", object_id=tp.pk,
                 detail={"baseline_complete_on": on.isoformat()})
    return tp


def allocation_probabilities(decision: minimisation.Allocation,
                             config: minimisation.MinimisationConfig) -> dict[str, float]:
    """The probability each arm had of being chosen for this practice, given the imbalance totals."""
    if decision.method in ("first", "tie"):
        total = sum(config.ratio)
        return {arm: r / total for arm, r in zip(config.arms, config.ratio, strict=True)}
    others = len(config.arms) - 1
    return {arm: (config.p if arm == decision.preferred else (1.0 - config.p) / others) for arm in config.arms}


@transaction.atomic
def practice_allocate(*, actor: Actor, trial_practice_id: int, at: datetime | None = None) -> AllocationLog:
    """Randomise one practice that finished baseline recruitment: Pocock-Simon minimisation (the stats core's
    one-practice allocator) with the trial's stored seed and every earlier allocation, written to the
    append-only log; the practice is told by email (or letter) once the allocation is committed.

    ``at`` (default now) is for reconstructing a historical trial (the demo); the log's ``recorded_at`` is always
    the real time of writing."""
    _require_role(actor, Role.RESEARCHER, doing="randomise practices")
    tp = _trial_practice(trial_practice_id)
    trial = _trial(tp.trial_id, lock=True)  # one allocation at a time per trial: the sequence is gap-free
    now = timezone.now()
    at = at or now
    errors: dict[str, list[str]] = {}
    if trial.status not in (Trial.Status.RECRUITING, Trial.Status.FOLLOW_UP):
        errors["status"] = [f"The trial is {trial.get_status_display().lower()}: no more practices can be randomised."]
    if is_allocated(tp):
        errors["status"] = [f"{tp.practice.name} has already been randomised."]
    elif tp.status != TrialPractice.Status.RECRUITED:
        errors["status"] = [f"{tp.practice.name} is {tp.get_status_display().lower()}: only recruited practices "
                            "can be randomised."]
    elif tp.baseline_complete_on is None:
        errors["status"] = [f"{tp.practice.name} has not finished baseline recruitment."]
    if at > now:
        errors["at"] = ["An allocation cannot be dated in the future."]
    previous_logs = list(AllocationLog.objects.filter(trial=trial).order_by("sequence"))
    if previous_logs and at < previous_logs[-1].allocated_at:
        errors["at"] = ["An allocation cannot be dated before the previous one."]
    if errors:
        raise ValidationError(errors)
    config = trial.minimisation_config()
    try:
        decision = minimisation.allocate_next([log.as_allocation() for log in previous_logs], tp.code, tp.levels,
                                              config=config, seed=trial.seed)
    except ValueError as exc:
        raise ValidationError({"status": [str(exc)]}) from None
    log = AllocationLog(
        trial=trial, sequence=decision.sequence, trial_practice=tp, practice_code=tp.code,
        levels=dict(decision.levels), arm=decision.arm, method=decision.method, preferred=decision.preferred or "",
        totals=dict(decision.scores), probabilities=allocation_probabilities(decision, config), draw=decision.draw,
        seed=trial.seed, config={"factors": list(config.factors), "weights": list(config.weights),
                                 "ratio": list(config.ratio), "p": config.p, "arms": list(config.arms)},
        allocated_by=actor.user, allocated_by_username=actor.user.username, allocated_at=at, via=actor.via,
    )
    log.save(force_insert=True)
    audit_record(actor=actor, action=Action.CREATE, object_type="trial_allocation", object_id=log.pk,
                 detail={"trial": trial.pk, "sequence": log.sequence, "practice": log.practice_code, "arm": log.arm,
                         "method": log.method})
    if trial.status == Trial.Status.RECRUITING and not TrialPractice.objects.filter(
            trial=trial, status=TrialPractice.Status.RECRUITED, allocation__isnull=True).exclude(pk=tp.pk).exists():
        trial.status = Trial.Status.FOLLOW_UP
        trial.save(update_fields=["status"])
    sent_by = actor.user.pk
    transaction.on_commit(lambda: announce_allocation(log_id=log.pk, sent_by_id=sent_by))
    return log


def announce_allocation(*, log_id: int, sent_by_id: int | None = None) -> OutboundMessage | None:
    """Tell the practice its allocation: by email to the practice's address, or by letter when it has none.
    Every attempt is recorded in OutboundMessage (reference ``trial-<id>-allocation-<sequence>``); a failure is
    logged and shown on the allocation page, and never undoes the allocation."""
    from partners.trial.selectors import announcement_reference

    log = AllocationLog.objects.select_related("trial", "trial_practice__practice").get(pk=log_id)
    org = log.trial_practice.practice
    trial = log.trial
    personalisation = {
        "practice_name": org.name, "trial_name": trial.name, "registration": trial.registration or "",
        "arm": ARM_LABELS.get(log.arm, log.arm), "allocated_on": f"{timezone.localtime(log.allocated_at):%d %B %Y}",
        "reference": f"{trial.registration or trial.name} allocation {log.sequence + 1}",
    }
    if org.email:
        channel, recipient, template = OutboundMessage.Channel.EMAIL, org.email, "trial_allocation_email"
    else:
        lines = [line for line in (org.name, org.address, org.postcode) if line]
        channel, recipient, template = OutboundMessage.Channel.LETTER, ", ".join(lines), "trial_allocation_letter"
        personalisation.update({"address_line_1": org.name, "address_line_2": org.address or "",
                                "address_line_3": org.postcode or ""})
    try:
        sent = notify.send(channel=channel, recipient=recipient, template=template, personalisation=personalisation,
                           purpose="trial_allocation", reference=announcement_reference(trial, log.sequence),
                           sent_by_id=sent_by_id)
    except notify.NotifyError as exc:
        logger.warning("allocation %s of trial %s not announced: %s", log.sequence, trial.pk, exc)
        return OutboundMessage.objects.filter(reference=announcement_reference(trial, log.sequence)).first()
    return sent.message


# --------------------------------------------------------------------------------------------------------------
# Participants (practice staff: their own practice's patients)


def _person_in_scope(actor: Actor, person_id: int) -> Person:
    try:
        return visible_people(actor.user).select_related("practice").get(pk=person_id)
    except Person.DoesNotExist:
        raise Http404("No such person.") from None


def _participant(actor: Actor, participant_id: int) -> Participant:
    try:
        participant = Participant.objects.select_related("trial", "trial_practice__practice", "consent").get(
            pk=participant_id)
    except Participant.DoesNotExist:
        raise Http404("No such participant.") from None
    _person_in_scope(actor, participant.person_id)
    return participant


@transaction.atomic
def participant_screen(*, actor: Actor, trial_id: int, person_id: int, on: date, eligible: bool | None,
                       ineligible_reason: str = "") -> Participant:
    """Screen a patient of a recruited, not yet randomised practice (recruitment closes at randomisation)."""
    _require_role(actor, Role.PRACTICE_STAFF, doing="screen patients for a trial")
    trial = _trial(trial_id)
    person = _person_in_scope(actor, person_id)
    errors: dict[str, list[str]] = {}
    tp = TrialPractice.objects.filter(trial=trial, practice_id=person.practice_id).first()
    if tp is None or tp.status != TrialPractice.Status.RECRUITED:
        errors["person"] = [f"{person.practice.name} is not a recruited practice of this trial."]
    elif is_allocated(tp):
        errors["person"] = [f"{person.practice.name} has been randomised: recruitment there is closed."]
    if Participant.objects.filter(trial=trial, person=person).exists():
        errors["person"] = ["This person has already been screened for this trial."]
    _not_future(errors, "on", on, "The screening date")
    if eligible is False and not ineligible_reason.strip():
        errors["ineligible_reason"] = ["Enter why the person is not eligible."]
    if errors:
        raise ValidationError(errors)
    assert tp is not None
    participant = Participant.objects.create(
        trial=trial, trial_practice=tp, person=person, screened_on=on, eligible=eligible,
        ineligible_reason=ineligible_reason.strip()[:200] if eligible is False else "",
        diagnosis_group=person.diagnosis_group, care_setting=person.usual_care_setting, created_by=actor.user)
    audit_record(actor=actor, action=Action.CREATE, person_id=person.pk, object_type="trial_participant",
                 object_id=participant.pk, detail={"trial": trial.pk, "eligible": eligible})
    return participant


@transaction.atomic
def participant_consent(*, actor: Actor, participant_id: int, on: date, given: bool, version: str = "",
                        reason: str = "") -> Participant:
    """Research consent (given, with the consent form version) or the reason it was not given; recorded as a
    ``registry.Consent`` of scope research for the trial's study, linked to the participant."""
    _require_role(actor, Role.PRACTICE_STAFF, doing="record research consent")
    participant = _participant(actor, participant_id)
    errors: dict[str, list[str]] = {}
    if participant.eligible is not True:
        errors["status"] = ["Only an eligible person can be asked to consent."]
    elif participant.consent_id is not None:
        errors["status"] = ["Consent has already been recorded for this participant."]
    if on < participant.screened_on:
        errors["on"] = ["Consent cannot be recorded before screening."]
    if not given and not reason.strip():
        errors["reason"] = ["Enter why the person did not consent."]
    if errors:
        raise ValidationError(errors)
    consent = consent_record(actor=actor, person_id=participant.person_id, scope=Consent.Scope.RESEARCH,
                             status=Consent.Status.GIVEN if given else Consent.Status.DECLINED, recorded_on=on,
                             version=version.strip(), study=participant.trial.consent_study)
    participant.consent = consent
    participant.not_consented_reason = "" if given else reason.strip()[:200]
    participant.save(update_fields=["consent", "not_consented_reason"])
    return participant


@transaction.atomic
def participant_record_baseline(*, actor: Actor, participant_id: int, on: date) -> Participant:
    """The baseline assessment is complete (its questionnaires are ``measures`` responses at point baseline)."""
    _require_role(actor, Role.PRACTICE_STAFF, doing="record baseline assessments")
    participant = _participant(actor, participant_id)
    errors: dict[str, list[str]] = {}
    if participant.consent is None or participant.consent.status != Consent.Status.GIVEN:
        errors["status"] = ["Record research consent before the baseline assessment."]
    elif on < participant.consent.recorded_on:
        errors["on"] = ["The baseline assessment cannot come before consent."]
    if is_allocated(participant.trial_practice):
        errors["status"] = ["The practice has been randomised: a baseline assessment now would not be a baseline."]
    _not_future(errors, "on", on, "The baseline date")
    if errors:
        raise ValidationError(errors)
    participant.baseline_on = on
    participant.save(update_fields=["baseline_on"])
    audit_record(actor=actor, action=Action.UPDATE, person_id=participant.person_id, object_type="trial_participant",
                 object_id=participant.pk, detail={"baseline_on": on.isoformat()})
    return participant


@transaction.atomic
def participant_withdraw(*, actor: Actor, participant_id: int, on: date, kind: str, reason: str = "",
                         remove_data: bool = False) -> Participant:
    """Withdrawal, loss to follow-up, moving away or death, with the date and reason. ``remove_data`` also
    withdraws research consent (a registry Consent, status withdrawn): the participant then leaves every dataset
    and extract; otherwise the data collected so far are kept (the usual case)."""
    _require_role(actor, Role.PRACTICE_STAFF, doing="record withdrawals")
    participant = _participant(actor, participant_id)
    errors: dict[str, list[str]] = {}
    if kind not in WithdrawalKind.values:
        errors["kind"] = [f"{kind!r} is not one of: {', '.join(WithdrawalKind.values)}."]
    if participant.withdrawn_on is not None:
        errors["status"] = [f"Already recorded as {participant.get_withdrawal_kind_display().lower()} on "
                            f"{participant.withdrawn_on:%d %B %Y}."]
    if on < participant.screened_on:
        errors["on"] = ["The date cannot be before screening."]
    _not_future(errors, "on", on, "The date")
    if remove_data and participant.consent is None:
        errors["remove_data"] = ["There is no research consent to withdraw."]
    if errors:
        raise ValidationError(errors)
    participant.withdrawn_on = on
    participant.withdrawal_kind = kind
    participant.withdrawal_reason = reason.strip()[:200]
    participant.save(update_fields=["withdrawn_on", "withdrawal_kind", "withdrawal_reason"])
    if remove_data:
        consent_record(actor=actor, person_id=participant.person_id, scope=Consent.Scope.RESEARCH,
                       status=Consent.Status.WITHDRAWN, recorded_on=on, study=participant.trial.consent_study,
                       notes="Withdrew consent to the use of their trial data.")
    audit_record(actor=actor, action=Action.UPDATE, person_id=participant.person_id, object_type="trial_participant",
                 object_id=participant.pk, detail={"withdrawn_on": on.isoformat(), "kind": kind,
                                                   "remove_data": remove_data})
    return participant


@transaction.atomic
def participant_followup_missing(*, actor: Actor, participant_id: int, reason: str) -> Participant:
    """Why a participant who has not withdrawn has no follow-up (shown in the CONSORT diagram)."""
    _require_role(actor, Role.PRACTICE_STAFF, doing="record missing follow-up")
    participant = _participant(actor, participant_id)
    if not reason.strip():
        raise ValidationError({"reason": ["Enter why there is no follow-up."]})
    participant.followup_missing_reason = reason.strip()[:200]
    participant.save(update_fields=["followup_missing_reason"])
    audit_record(actor=actor, action=Action.UPDATE, person_id=participant.person_id, object_type="trial_participant",
                 object_id=participant.pk, detail={"followup_missing_reason": participant.followup_missing_reason})
    return participant


# --------------------------------------------------------------------------------------------------------------
# Reports and extracts (researchers; audited as exports)


def report_directory(trial: Trial, kind: str) -> Path:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
    return Path(settings.VAR_DIR) / "reports" / f"trial-{trial.pk}" / f"{stamp}-{kind}"


def _run(*, actor: Actor, trial: Trial, kind: str, blinded: bool, directory: Path, files: Mapping[str, Path],
         rows: int, summary: dict[str, Any]) -> ReportRun:
    return ReportRun.objects.create(trial=trial, kind=kind, blinded=blinded, directory=str(directory),
                                    files={label: path.name for label, path in files.items()}, rows=rows,
                                    summary=summary, produced_by=actor.user, produced_at=timezone.now())


def trial_report_produce(*, actor: Actor, trial_id: int, out_dir: str | Path | None = None,
                         pdf: bool = True) -> ReportRun:
    """Run the report writers on the platform's dataset with the CONSORT from the records; blinded until the
    trial is unblinded. Stored under var/reports/trial-<id>/ (or ``out_dir``); audited as an export."""
    from partners.trial.platform_reports import write_platform_report
    from partners.trial.selectors import TrialData

    _require_role(actor, Role.RESEARCHER, doing="produce trial reports")
    trial = _trial(trial_id)
    blinded = not trial.is_unblinded
    directory = Path(out_dir) if out_dir else report_directory(trial, "report")
    with transaction.atomic():
        files, summary = write_platform_report(TrialData(trial), directory, blinded=blinded, pdf=pdf)
        run = _run(actor=actor, trial=trial, kind=ReportRun.Kind.REPORT, blinded=blinded, directory=directory,
                   files=files, rows=summary["rows"], summary=summary)
        audit_record(actor=actor, action=Action.EXPORT, object_type="trial_report", object_id=trial.pk,
                     detail={"run": run.pk, "blinded": blinded, "files": sorted(run.files.values()),
                             "directory": str(directory), "participants": summary["rows"]})
    return run


def trial_extract_produce(*, actor: Actor, trial_id: int, out_dir: str | Path | None = None) -> ReportRun:
    """The pseudonymised research extract (CSV, Stata .dta, data dictionary) of consented participants; keyed
    pseudonyms with settings.PARTNERS["PSEUDONYM_KEY"]; blinded until unblinding. Audited as an export of each
    participant's (pseudonymised) record."""
    from partners.trial.platform_reports import write_platform_extract
    from partners.trial.reports.extract import ExtractError
    from partners.trial.selectors import TrialData

    _require_role(actor, Role.RESEARCHER, doing="produce research extracts")
    trial = _trial(trial_id)
    blinded = not trial.is_unblinded
    directory = Path(out_dir) if out_dir else report_directory(trial, "extract")
    data = TrialData(trial)
    if not data.dataset_records:
        raise ValidationError({"extract": ["No participant with research consent has been randomised yet."]})
    if not settings.PARTNERS.get("PSEUDONYM_KEY"):
        raise ValidationError({"extract": ["No pseudonymisation key is configured (PARTNERS_PSEUDONYM_KEY)."]})
    with transaction.atomic():
        try:
            files, rows = write_platform_extract(data, directory, blinded=blinded)
        except ExtractError as exc:
            raise ValidationError({"extract": [str(exc)]}) from None
        run = _run(actor=actor, trial=trial, kind=ReportRun.Kind.EXTRACT, blinded=blinded, directory=directory,
                   files=files, rows=rows, summary={"blinded": blinded, "columns": data.columns(blinded=blinded)})
        audit_record(actor=actor, action=Action.EXPORT, object_type="trial_extract", object_id=trial.pk,
                     detail={"run": run.pk, "blinded": blinded, "rows": rows, "directory": str(directory)})
        audit_record_people(actor=actor, action=Action.EXPORT,
                            person_ids=[r.participant.person_id for r in data.dataset_records],
                            object_type="trial_extract",
                            detail={"trial": trial.pk, "run": run.pk, "pseudonymised": True})
    return run
