"""Reads for trials: the trial list and page, the allocation log and its verification, balance, recruitment
(CONSORT) counts with reasons, data completeness, and the analysis dataset (data-formats.md section 4).

Researchers see no identifiable record (``registry.scope``): nothing here returns a name or NHS number to a
view, and the analysis dataset identifies participants and practices by keyed pseudonyms only.

Allocation concealment (the rule, also in docs/trial-platform.md): until an administrator records the decision to
unblind (``services.trial_unblind``), the researchers' screens and blinded reports show recruitment, allocations,
balance and counts of data present, and never a value measured after randomisation (no follow-up score, no
change, no Care Partner contact count, no availability, no follow-up period) - by arm or otherwise; and the
seed stays hidden, since with the seed the next allocation could be foreseen.

:class:`TrialData` loads everything a trial's figures need in a constant number of queries (eight, whatever the
number of participants, responses or contacts) and derives the dataset rows, the CONSORT records and the
completeness counts from that one load.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.care.models import Absence, CarePartnerPost, Contact, CoverArrangement
from partners.common.identifiers import ETHNIC_GROUPS
from partners.common.models import OutboundMessage
from partners.measures.models import QuestionnaireResponse
from partners.registry.models import Consent
from partners.safety.models import SafetyEvent
from partners.supervision import fidelity
from partners.trial.models import AllocationLog, Participant, ReportRun, Trial, TrialPractice, WithdrawalKind
from partners.trial.reports.extract import PSEUDONYMISED, pseudonym
from partners.trial.stats import minimisation
from partners.trial.stats.dataset import CONTROL, INTERVENTION, TrialDataset, measure_key, parse_dataset
from partners.trial.stats.safety import SafetyEvent as CoreSafetyEvent

TRIAL_ROLES = (Role.RESEARCHER,)
BASE_COLUMNS = ["participant_id", "practice_id", "arm", "region", "practice_size", "diagnosis_group", "care_setting",
                "period"]
# Beyond data-formats.md section 4 (the stats core keeps them as extra columns and Table 1 summarises them, as the
# paper's Table 1 does): characteristics at screening. No date of birth: age in whole years only.
EXTRA_COLUMNS = ["age", "sex", "ethnic_group"]
TAIL_COLUMNS = ["followup_in_window", "contacts_10min", "contacts_goals", "cp_availability"]
# Columns measured after randomisation: never in a blinded report or extract.
POST_RANDOMISATION = {"arm", "period", "followup_in_window", "contacts_10min", "contacts_goals", "cp_availability"}
SAFETY_KINDS = {"admission": "psychiatric_admission", "crisis": "crisis_episode", "sae": "serious_adverse_event"}
NOT_YET_RANDOMISED = "Not yet randomised (baseline recruitment continuing)"
AWAITING = "Awaiting randomisation (baseline recruitment complete)"
DATA_WITHDRAWN = "Withdrew consent to the use of their data after randomisation (data removed)"


# --------------------------------------------------------------------------------------------------------------
# Trials


def trial_list(*, actor: Actor | None) -> list[Trial]:
    """Every trial with its headline counts (two queries in all)."""
    trials: list[Trial] = list(Trial.objects.annotate(
        n_practices=Count("practices", distinct=True),
        n_allocated=Count("allocations", distinct=True),
    ).order_by("name"))
    participants = dict(Participant.objects.filter(consent__status=Consent.Status.GIVEN, baseline_on__isnull=False)
                        .values_list("trial_id").annotate(n=Count("id")))
    for t in trials:
        t.n_baseline = participants.get(t.pk, 0)  # type: ignore[attr-defined]
    return trials


def trial_get(*, actor: Actor, trial_id: int) -> Trial:
    try:
        return Trial.objects.select_related("unblinded_by", "organisation").get(pk=trial_id)
    except Trial.DoesNotExist:
        raise Http404("No such trial.") from None


def trial_practice_get(*, trial: Trial, trial_practice_id: int) -> TrialPractice:
    try:
        return (TrialPractice.objects.select_related("practice", "practice__parent")
                .get(pk=trial_practice_id, trial=trial))
    except TrialPractice.DoesNotExist:
        raise Http404("No such practice in this trial.") from None


def allocation_log(*, trial: Trial) -> list[AllocationLog]:
    """The log in order, each entry with how it was announced (``announcement``: the OutboundMessage or None)."""
    logs = list(AllocationLog.objects.filter(trial=trial).select_related("trial_practice__practice")
                .order_by("sequence"))
    refs = {announcement_reference(trial, log.sequence): log for log in logs}
    messages = {m.reference: m for m in OutboundMessage.objects.filter(reference__in=list(refs))}
    for log in logs:
        log.announcement = messages.get(announcement_reference(trial, log.sequence))  # type: ignore[attr-defined]
    return logs


def announcement_reference(trial: Trial, sequence: int) -> str:
    return f"trial-{trial.pk}-allocation-{sequence}"


def allocation_verify(*, trial: Trial, logs: Iterable[AllocationLog] | None = None) -> dict[str, Any]:
    """Re-run minimisation from the stored seed, configuration and factor levels, in the logged order: every
    allocation must come out the same. Returns ``{"reproduced": bool, "checked": n, "mismatches": [...]}``."""
    entries = list(logs) if logs is not None else list(AllocationLog.objects.filter(trial=trial).order_by("sequence"))
    mismatches = []
    previous: list[minimisation.Allocation] = []
    for log in entries:
        cfg = log.config
        config = minimisation.MinimisationConfig(factors=tuple(cfg["factors"]), weights=tuple(cfg["weights"]),
                                                 arms=tuple(cfg["arms"]), ratio=tuple(cfg["ratio"]), p=cfg["p"])
        again = minimisation.allocate_next(previous, log.practice_code, log.levels, config=config, seed=log.seed)
        if again.arm != log.arm or again.sequence != log.sequence or abs(again.draw - log.draw) > 1e-15:
            mismatches.append({"sequence": log.sequence, "practice": log.practice_code, "logged": log.arm,
                               "recomputed": again.arm})
        previous.append(log.as_allocation())
    return {"reproduced": not mismatches, "checked": len(entries), "mismatches": mismatches}


def balance_report(*, trial: Trial, logs: Iterable[AllocationLog] | None = None) -> dict[str, Any]:
    """Marginal balance per factor level of the practices allocated so far (the stats core's ``balance``)."""
    entries = list(logs) if logs is not None else list(AllocationLog.objects.filter(trial=trial).order_by("sequence"))
    return minimisation.balance([log.as_allocation() for log in entries], trial.minimisation_config())


def imbalance_simulation(*, trial: Trial, runs: int = 500, seed: int = 0) -> dict[str, Any] | None:
    """Distribution of imbalance over simulated allocations of this trial's recruited practices (allocated or
    not), in shuffled arrival orders, by minimisation and by simple randomisation; None without practices."""
    practices = [(tp.code, tp.levels) for tp in TrialPractice.objects.filter(trial=trial).select_related("practice")
                 .filter(Q(status=TrialPractice.Status.RECRUITED) | Q(allocation__isnull=False)).order_by("pk")
                 if all(str(tp.levels.get(f, "")).strip() for f in trial.factors)]
    if not practices:
        return None
    result = minimisation.simulate_imbalance(practices, config=trial.minimisation_config(), runs=runs, seed=seed)
    result["practices"] = len(practices)
    return result


def report_runs(*, trial: Trial) -> list[ReportRun]:
    return list(ReportRun.objects.filter(trial=trial).select_related("produced_by")[:20])


# --------------------------------------------------------------------------------------------------------------
# The trial's records in one load


@dataclass
class Measured:
    on: date
    score: float | None


@dataclass
class Record:
    participant: Participant
    arm: str | None
    allocated_on: date | None
    consent_given: bool
    consent_valid: bool
    baseline: dict[str, Measured] = field(default_factory=dict)
    followup: dict[str, Measured] = field(default_factory=dict)
    contacts_10min: int = 0
    contacts_goals: int = 0
    first_contact: date | None = None

    @property
    def randomised(self) -> bool:
        """Consented, baseline done, at a randomised practice, and not withdrawn before its randomisation."""
        p = self.participant
        if self.allocated_on is None or not self.consent_given or p.baseline_on is None:
            return False
        if p.baseline_on > self.allocated_on:
            return False
        return not (p.withdrawn_on is not None and p.withdrawn_on < self.allocated_on)

    @property
    def in_dataset(self) -> bool:
        return self.randomised and self.consent_valid


def _raw_participant_id(trial: Trial, participant: Participant) -> str:
    return f"trial{trial.pk}-participant{participant.pk}"


def pseudonym_key() -> bytes:
    return str(settings.PARTNERS["PSEUDONYM_KEY"]).encode()


class TrialData:
    """Everything behind one trial's figures, loaded in a constant number of queries."""

    def __init__(self, trial: Trial, *, today: date | None = None) -> None:
        self.trial = trial
        self.today = today or timezone.localdate()
        self.outcomes = [str(o) for o in trial.outcomes] or ["mansa"]
        self.primary = self.outcomes[0]
        self.practices = list(TrialPractice.objects.filter(trial=trial).select_related("practice")
                              .order_by("practice__name"))  # query 1
        self.logs = list(AllocationLog.objects.filter(trial=trial).select_related("allocated_by")
                         .order_by("sequence"))  # query 2
        self.allocation_by_tp = {log.trial_practice_id: log for log in self.logs}
        withdrawn_later = Consent.objects.filter(
            person=OuterRef("person"), scope=Consent.Scope.RESEARCH,
            status__in=[Consent.Status.WITHDRAWN, Consent.Status.DECLINED],
            recorded_on__gte=OuterRef("consent__recorded_on"),
            study__in=[trial.consent_study, ""],
        ).exclude(pk=OuterRef("consent_id"))
        participants = list(Participant.objects.filter(trial=trial).select_related("consent", "person")
                            .annotate(consent_withdrawn=Exists(withdrawn_later)).order_by("pk"))  # query 3
        tp_by_id = {tp.pk: tp for tp in self.practices}
        self.records: list[Record] = []
        for p in participants:
            p.trial_practice = tp_by_id[p.trial_practice_id]
            log = self.allocation_by_tp.get(p.trial_practice_id)
            given = (p.consent is not None and p.consent.scope == Consent.Scope.RESEARCH
                     and p.consent.status == Consent.Status.GIVEN)
            self.records.append(Record(
                participant=p, arm=log.arm if log else None,
                allocated_on=timezone.localdate(log.allocated_at) if log else None,
                consent_given=given, consent_valid=given and not p.consent_withdrawn,
            ))
        person_ids = Participant.objects.filter(trial=trial).values("person_id")
        self._load_responses(person_ids)  # query 4
        self._load_contacts(person_ids)  # query 5
        self._load_availability()  # queries 6, 7 and 8
        self._person_ids = person_ids

    # -- loading --------------------------------------------------------------------------------------------

    def due_on(self, allocated_on: date) -> date:
        return allocated_on + timedelta(days=self.trial.followup_days)

    def _load_responses(self, person_ids: QuerySet[Any]) -> None:
        rows = (QuestionnaireResponse.objects
                .filter(person_id__in=person_ids, instrument__in=self.outcomes,
                        point__in=[QuestionnaireResponse.Point.BASELINE, QuestionnaireResponse.Point.END],
                        status=QuestionnaireResponse.Status.COMPLETED, completed_on__isnull=False)
                .order_by("completed_on", "pk")
                .values_list("person_id", "instrument", "point", "completed_on", "score"))
        by_person: dict[int, list[tuple[str, str, date, float | None]]] = defaultdict(list)
        for person_id, instrument, point, on, score in rows:
            if on is not None:  # filtered in the query; for the type checker
                by_person[person_id].append((instrument, point, on, score))
        for r in self.records:
            if r.allocated_on is None:
                start = r.participant.screened_on
                for instrument, point, on, score in by_person.get(r.participant.person_id, []):
                    if point == QuestionnaireResponse.Point.BASELINE and on >= start:
                        r.baseline[instrument] = Measured(on, score)  # the latest, as rows are in date order
                continue
            due = self.due_on(r.allocated_on)
            limit = self.trial.followup_window_days + self.trial.followup_grace_days
            for instrument, point, on, score in by_person.get(r.participant.person_id, []):
                if point == QuestionnaireResponse.Point.BASELINE:
                    if r.participant.screened_on <= on <= r.allocated_on:
                        r.baseline[instrument] = Measured(on, score)
                elif on > r.allocated_on and abs((on - due).days) <= limit:
                    # The follow-up: the end-point response nearest its due date (a complete one first).
                    current = r.followup.get(instrument)
                    candidate = Measured(on, score)
                    if current is None or _better_followup(candidate, current, due):
                        r.followup[instrument] = candidate

    def _load_contacts(self, person_ids: QuerySet[Any]) -> None:
        rows = (Contact.objects.filter(person_id__in=person_ids, reached=True)
                .values_list("person_id", "contact_on", "minutes", "goals_discussed"))
        by_person: dict[int, list[tuple[date, int, bool]]] = defaultdict(list)
        for person_id, on, minutes, goals in rows:
            by_person[person_id].append((on, minutes, goals))
        for r in self.records:
            if r.allocated_on is None:
                continue
            end = self.intervention_end(r)
            for on, minutes, goals in by_person.get(r.participant.person_id, []):
                if r.allocated_on <= on <= end:
                    r.contacts_10min += minutes >= 10
                    r.contacts_goals += bool(goals)
                    if r.first_contact is None or on < r.first_contact:
                        r.first_contact = on

    def _load_availability(self) -> None:
        """cp_availability for each intervention practice over its intervention period (randomisation to the
        follow-up due date, or today while that is still to come): the platform's one availability rule,
        ``supervision.fidelity`` (days with a Care Partner in post and not absent, or covered by a colleague)."""
        self.availability: dict[int, float | None] = {}
        practices = {log.trial_practice_id: log for log in self.logs if log.arm == INTERVENTION}
        org_ids = [tp.practice_id for tp in self.practices if tp.pk in practices]
        posted = CarePartnerPost.objects.filter(practice_id__in=org_ids).values("care_partner_id")
        records = fidelity.Records(
            posts=[fidelity.Post(cp, prac, s, e) for prac, cp, s, e in CarePartnerPost.objects.filter(
                practice_id__in=org_ids).values_list("practice_id", "care_partner_id", "starts_on", "ends_on")],
            covers=[fidelity.Cover(a, c, s, e) for a, c, s, e in CoverArrangement.objects.filter(
                absent_id__in=posted).values_list("absent_id", "covering_id", "starts_on", "ends_on")],
            absences=[fidelity.Absence(cp, s, e) for cp, s, e in Absence.objects.filter(
                Q(care_partner_id__in=posted)
                | Q(care_partner_id__in=CoverArrangement.objects.filter(absent_id__in=posted).values("covering_id"))
            ).values_list("care_partner_id", "starts_on", "ends_on")])
        for tp in self.practices:
            log = practices.get(tp.pk)
            if log is None:
                continue
            start = timezone.localdate(log.allocated_at)
            end = max(start, min(start + timedelta(days=self.trial.followup_days - 1), self.today))
            by_practice = fidelity.availability_by_member(records, fidelity.Unit.practice(tp.practice_id), start, end)
            self.availability[tp.pk] = by_practice[tp.practice_id].share

    def intervention_end(self, r: Record) -> date:
        assert r.allocated_on is not None
        fu = r.followup.get(self.primary)
        if fu is not None:
            return fu.on
        return self.due_on(r.allocated_on) + timedelta(days=self.trial.followup_window_days)

    # -- derived ----------------------------------------------------------------------------------------------

    @property
    def dataset_records(self) -> list[Record]:
        return [r for r in self.records if r.in_dataset]

    def period_of(self, on: date | None) -> str:
        if on is None or not self.trial.periods:
            return ""
        label = ""
        for period in sorted(self.trial.periods, key=lambda p: p.get("from") or ""):
            start = period.get("from")
            if not start or date.fromisoformat(start) <= on:
                label = str(period["label"])
        return label

    def columns(self, *, blinded: bool = False) -> list[str]:
        measures = []
        for m in self.outcomes:
            measures += [f"baseline_{measure_key(m)}", f"followup_{measure_key(m)}"]
        cols = [*BASE_COLUMNS, *EXTRA_COLUMNS, *measures, *TAIL_COLUMNS]
        if not self.trial.periods:
            cols.remove("period")
        if blinded:
            cols = [c for c in cols if c not in POST_RANDOMISATION and not c.startswith("followup_")]
        return cols

    def rows(self, *, pseudonymise: bool = True, blinded: bool = False) -> list[dict[str, str]]:
        """One row per randomised participant with research consent (data-formats.md section 4), as text.

        With ``pseudonymise`` (the default) participant_id and practice_id are the keyed pseudonyms the research
        extract uses; without, the platform's internal ids (the extract writer pseudonymises those itself).
        ``blinded`` leaves out every column measured after randomisation."""
        key = pseudonym_key()
        cols = self.columns(blinded=blinded)
        out = []
        order = []
        for r in self.dataset_records:
            p = r.participant
            tp = p.trial_practice
            org = tp.practice
            participant_id = _raw_participant_id(self.trial, p)
            practice_id = tp.code
            keyed = pseudonym(participant_id, key, "participant_id", *PSEUDONYMISED["participant_id"])
            order.append(keyed)
            if pseudonymise:
                participant_id = keyed
                practice_id = pseudonym(practice_id, key, "practice_id", *PSEUDONYMISED["practice_id"])
            fu = r.followup.get(self.primary)
            row = {
                "participant_id": participant_id, "practice_id": practice_id, "arm": r.arm or "",
                "region": str(tp.levels.get("region") or org.region or ""),
                "practice_size": str(tp.levels.get("practice_size") or org.size or ""),
                "diagnosis_group": p.diagnosis_group, "care_setting": p.care_setting,
                "age": str(_age(p.person.date_of_birth, p.screened_on)), "sex": p.person.sex,
                "ethnic_group": ETHNIC_GROUPS.get(p.person.ethnicity, "Not stated"),
                "period": self.period_of(fu.on if fu and fu.score is not None else None),
            }
            for m in self.outcomes:
                b, f = r.baseline.get(m), r.followup.get(m)
                row[f"baseline_{measure_key(m)}"] = _number(b.score if b else None)
                row[f"followup_{measure_key(m)}"] = _number(f.score if f else None)
            in_window = ""
            if fu is not None and fu.score is not None and r.allocated_on is not None:
                in_window = "true" if abs((fu.on - self.due_on(r.allocated_on)).days) <= \
                    self.trial.followup_window_days else "false"
            availability = self.availability.get(tp.pk) if r.arm == INTERVENTION else None
            row.update({"followup_in_window": in_window, "contacts_10min": str(r.contacts_10min),
                        "contacts_goals": str(r.contacts_goals),
                        "cp_availability": "" if availability is None else f"{availability:.4f}"})
            out.append({c: row[c] for c in cols})
        # In pseudonym order: the order of the rows says nothing about the order of recruitment.
        return [row for _, row in sorted(zip(order, out, strict=True), key=lambda pair: pair[0])]

    def dataset(self) -> TrialDataset | None:
        """The analysis dataset for the stats core, or None before any participant is randomised."""
        rows = self.rows()
        if not rows:
            return None
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.columns())
        writer.writeheader()
        writer.writerows(rows)
        buffer.seek(0)
        return parse_dataset(buffer, source=f"the platform's records for {self.trial.name}")

    def safety_events(self) -> list[CoreSafetyEvent]:
        """Safety events of the dataset's participants from randomisation to the end of their follow-up."""
        key = pseudonym_key()
        records = {r.participant.person_id: r for r in self.dataset_records}
        events = []
        for e in SafetyEvent.objects.filter(person_id__in=self._person_ids).order_by("onset_on", "pk"):
            r = records.get(e.person_id)
            if r is None or r.allocated_on is None or not (r.allocated_on <= e.onset_on <= self.intervention_end(r)):
                continue
            pid = pseudonym(_raw_participant_id(self.trial, r.participant), key, "participant_id",
                            *PSEUDONYMISED["participant_id"])
            events.append(CoreSafetyEvent(participant_id=pid, event_type=SAFETY_KINDS[e.kind], onset=e.onset_on,
                                          days=float(e.days) if e.days is not None else None,
                                          first_contact=r.first_contact))
        return events

    def consort_records(self) -> dict[str, Any]:
        """Recruitment and follow-up records in the schema of ``partners.trial.reports.consort``.

        Every participant with baseline data is in exactly one of: excluded before randomisation (with the
        reason), at a practice not randomised, or randomised (the dataset); so the boxes add up."""
        status = TrialPractice.Status
        practices = self.practices
        excluded = Counter(tp.reason or "Reason not recorded" for tp in practices if tp.status == status.EXCLUDED)
        recruited = [tp for tp in practices if tp.status in (status.RECRUITED, status.WITHDRAWN)
                     or tp.pk in self.allocation_by_tp]
        not_randomised: Counter[str] = Counter()
        for tp in recruited:
            if tp.pk in self.allocation_by_tp:
                continue
            if tp.status == status.WITHDRAWN:
                not_randomised[tp.reason or "Withdrew"] += 1
            else:
                not_randomised[AWAITING if tp.baseline_complete_on else NOT_YET_RANDOMISED] += 1
        screened = self.records
        eligible = [r for r in screened if r.participant.eligible]
        consented = [r for r in eligible if r.consent_given]
        baseline = [r for r in consented if r.participant.baseline_on is not None]
        before: Counter[str] = Counter()
        at_unrandomised = 0
        for r in baseline:
            if r.allocated_on is None:
                at_unrandomised += 1
            elif not r.randomised:
                p = r.participant
                if p.withdrawn_on is not None and p.withdrawn_on < r.allocated_on:
                    before[WithdrawalKind(p.withdrawal_kind).label if p.withdrawal_kind else "Withdrew"] += 1
                else:
                    before["Baseline after randomisation"] += 1
            elif not r.consent_valid:
                before[DATA_WITHDRAWN] += 1
        lost: dict[str, Counter[str]] = {INTERVENTION: Counter(), CONTROL: Counter()}
        for r in self.dataset_records:
            fu = r.followup.get(self.primary)
            if fu is not None and fu.score is not None:
                continue
            assert r.arm is not None and r.allocated_on is not None
            lost[r.arm][self._lost_reason(r, fu)] += 1

        def n_practices(rs: list[Record]) -> int:
            return len({r.participant.trial_practice_id for r in rs})

        records: dict[str, Any] = {
            "practices": {"approached": len(practices), "excluded": dict(excluded), "recruited": len(recruited)},
            "patients": {"screened": len(screened), "eligible": len(eligible),
                         "eligible_practices": n_practices(eligible), "consented": len(consented),
                         "consented_practices": n_practices(consented),
                         "baseline": len(baseline), "baseline_practices": n_practices(baseline)},
            "follow_up": {arm: {"lost": dict(c)} for arm, c in lost.items() if c},
        }
        if before:
            records["patients"]["excluded_before_randomisation"] = dict(before)
        if not_randomised:
            records["randomisation"] = {"practices_excluded": dict(not_randomised),
                                        "participants_excluded": at_unrandomised}
        return records

    def _lost_reason(self, r: Record, fu: Measured | None) -> str:
        p = r.participant
        assert r.allocated_on is not None
        if p.withdrawn_on is not None and p.withdrawal_kind:
            return WithdrawalKind(p.withdrawal_kind).label
        if fu is not None:
            return "Primary outcome questionnaire incomplete"
        if p.followup_missing_reason:
            return p.followup_missing_reason
        if self.due_on(r.allocated_on) + timedelta(days=self.trial.followup_window_days) >= self.today:
            return "Follow-up not yet due"
        return "Reason not recorded"

    def randomised_counts(self) -> dict[str, dict[str, int]]:
        out = {arm: {"practices": 0, "participants": 0} for arm in (INTERVENTION, CONTROL)}
        for log in self.logs:
            out[log.arm]["practices"] += 1
        for r in self.dataset_records:
            assert r.arm is not None
            out[r.arm]["participants"] += 1
        return out

    def completeness(self) -> list[dict[str, Any]]:
        """Counts of data present per outcome, by arm and overall (counts only: no values)."""
        rows = []
        groups = {INTERVENTION: [r for r in self.dataset_records if r.arm == INTERVENTION],
                  CONTROL: [r for r in self.dataset_records if r.arm == CONTROL],
                  "overall": self.dataset_records}
        for m in self.outcomes:
            row: dict[str, Any] = {"measure": m}
            for name, rs in groups.items():
                b = sum(1 for r in rs if r.baseline.get(m) and r.baseline[m].score is not None)
                f = sum(1 for r in rs if r.followup.get(m) and r.followup[m].score is not None)
                both = sum(1 for r in rs if r.baseline.get(m) and r.baseline[m].score is not None
                           and r.followup.get(m) and r.followup[m].score is not None)
                row[name] = {"randomised": len(rs), "baseline": b, "followup": f, "both": both}
            rows.append(row)
        return rows

    def practice_rows(self) -> list[dict[str, Any]]:
        """Each practice with its status, levels, allocation and counts of participants by stage."""
        counts: dict[int, Counter[str]] = defaultdict(Counter)
        for r in self.records:
            c = counts[r.participant.trial_practice_id]
            c["screened"] += 1
            c["eligible"] += bool(r.participant.eligible)
            c["consented"] += r.consent_given
            c["baseline"] += r.consent_given and r.participant.baseline_on is not None
            c["randomised"] += r.in_dataset
        rows = []
        for tp in self.practices:
            log = self.allocation_by_tp.get(tp.pk)
            rows.append({"tp": tp, "allocation": log, "counts": counts[tp.pk],
                         "can_randomise": log is None and tp.status == TrialPractice.Status.RECRUITED
                         and tp.baseline_complete_on is not None})
        return rows


def _better_followup(candidate: Measured, current: Measured, due: date) -> bool:
    if (candidate.score is None) != (current.score is None):
        return candidate.score is not None
    return abs((candidate.on - due).days) < abs((current.on - due).days)


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return repr(float(value))


def trial_data(*, actor: Actor, trial: Trial, today: date | None = None) -> TrialData:
    return TrialData(trial, today=today)
