"""Trials run on the platform: the trial, its practices, the append-only allocation log, participants, and the
reports and extracts produced from them.

Outcomes are not stored here: baseline and follow-up questionnaires are ``measures.QuestionnaireResponse`` rows
(point ``baseline`` and ``end``) of the participant's person; Care Partner contacts and posts come from ``care``.
The analysis dataset (data-formats.md section 4) is built from those records by ``trial.selectors``.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from partners.trial.stats.minimisation import Allocation, MinimisationConfig

ARM_LABELS = {"intervention": "Intervention", "control": "Control (usual care)"}


class Trial(models.Model):
    """A general-practice cluster randomised trial: design, minimisation and (concealed) seed."""

    class Status(models.TextChoices):
        RECRUITING = "recruiting", "Recruiting"
        FOLLOW_UP = "follow_up", "In follow-up"
        UNBLINDED = "unblinded", "Unblinded for analysis"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=200, unique=True)
    registration = models.CharField("Registration id", max_length=60, blank=True,
                                    help_text="e.g. ISRCTN95702682.")
    consent_study = models.CharField(max_length=100, help_text="Study name recorded on research consent.")
    description = models.TextField(blank=True)
    organisation = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", help_text="The ICS or PCN running the trial.")
    outcomes = models.JSONField(default=list, help_text="Instrument codes; the first is the primary outcome.")
    design = models.JSONField(default=dict, blank=True, help_text="Sample size parameters (delta, sd, icc, ...).")
    factors = models.JSONField(default=list, help_text="Minimisation factors, e.g. ['region', 'practice_size'].")
    weights = models.JSONField(default=list, blank=True)
    ratio = models.JSONField(default=list, blank=True, help_text="Allocation ratio intervention:control.")
    p = models.FloatField("Probability of the preferred arm", default=0.8)
    seed = models.BigIntegerField(help_text="Concealed from researchers until the trial is unblinded.")
    followup_days = models.PositiveSmallIntegerField(default=304, help_text="Follow-up is due this many days "
                                                     "after the practice is randomised.")
    followup_window_days = models.PositiveSmallIntegerField(default=30, help_text="In window: within this many "
                                                            "days of the due date.")
    followup_grace_days = models.PositiveSmallIntegerField(default=90, help_text="A follow-up outside the window by "
                                                           "up to this many days still counts (out of window).")
    periods = models.JSONField(default=list, blank=True,
                               help_text='[{"label": "pre_covid", "from": null}, {"label": "covid", "from": '
                                         '"2020-03-16"}]: the period of each follow-up.')
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECRUITING)
    unblinded_at = models.DateTimeField(null=True, blank=True)
    unblinded_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    unblinding_decision = models.TextField(blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_unblinded(self) -> bool:
        return self.unblinded_at is not None

    @property
    def primary_outcome(self) -> str:
        return str(self.outcomes[0]) if self.outcomes else "mansa"

    def minimisation_config(self) -> MinimisationConfig:
        return MinimisationConfig(factors=tuple(self.factors), weights=tuple(self.weights or ()),
                                  ratio=tuple(self.ratio or ()), p=self.p)


class TrialPractice(models.Model):
    """A practice approached for a trial: recruited, excluded with a reason, or withdrawn before randomisation.

    Its allocation, once made, is in the allocation log (never here)."""

    class Status(models.TextChoices):
        APPROACHED = "approached", "Approached"
        RECRUITED = "recruited", "Recruited"
        EXCLUDED = "excluded", "Not recruited"
        WITHDRAWN = "withdrawn", "Withdrew before randomisation"

    trial = models.ForeignKey(Trial, on_delete=models.PROTECT, related_name="practices")
    practice = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+",
                                 limit_choices_to={"kind": "practice"})
    levels = models.JSONField(default=dict, blank=True, help_text="The practice's level of each minimisation factor.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.APPROACHED)
    approached_on = models.DateField()
    recruited_on = models.DateField(null=True, blank=True)
    excluded_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True, help_text="Why not recruited, or why withdrawn.")
    baseline_complete_on = models.DateField(null=True, blank=True,
                                            help_text="Baseline recruitment finished: ready to randomise.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["trial", "practice__name"]
        constraints = [models.UniqueConstraint(fields=["trial", "practice"], name="trial_practice_unique")]

    def __str__(self) -> str:
        return f"{self.practice} in {self.trial}"

    @property
    def code(self) -> str:
        """The practice's id in minimisation and in the allocation log: its ODS code."""
        return self.practice.ods_code or f"org-{self.practice_id}"


class AllocationQuerySet(models.QuerySet["AllocationLog"]):
    """Allocations are never changed or removed through the application; PostgreSQL also refuses it."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The allocation log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The allocation log is append-only.")


class AllocationLog(models.Model):
    """One allocation by minimisation, with everything needed to re-derive it: the seed, the configuration,
    the factor levels, the imbalance totals, the probabilities and the random draw; who allocated and when.

    Append-only: no UPDATE or DELETE through the application (queryset and instance guards) or, on
    PostgreSQL, at all (a trigger, migration 0002)."""

    trial = models.ForeignKey(Trial, on_delete=models.PROTECT, related_name="allocations")
    sequence = models.PositiveIntegerField(help_text="0 for the first practice allocated, then 1, 2, ...")
    trial_practice = models.OneToOneField(TrialPractice, on_delete=models.PROTECT, related_name="allocation")
    practice_code = models.CharField(max_length=20)
    levels = models.JSONField()
    arm = models.CharField(max_length=12)
    method = models.CharField(max_length=16, help_text="first, tie, preferred or random_element")
    preferred = models.CharField(max_length=12, blank=True)
    totals = models.JSONField(default=dict, help_text="Imbalance total G for each arm.")
    probabilities = models.JSONField(default=dict, help_text="Probability of each arm for this practice.")
    draw = models.FloatField(help_text="The uniform number derived from the seed and the sequence.")
    seed = models.BigIntegerField()
    config = models.JSONField(help_text="factors, weights, ratio, p and arms as used.")
    allocated_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    allocated_by_username = models.CharField(max_length=150)
    allocated_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    via = models.CharField(max_length=10, blank=True)

    objects = AllocationQuerySet.as_manager()

    class Meta:
        ordering = ["trial", "sequence"]
        constraints = [models.UniqueConstraint(fields=["trial", "sequence"], name="allocation_unique_sequence")]

    def __str__(self) -> str:
        return f"{self.trial_id}#{self.sequence} {self.practice_code} -> {self.arm}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("The allocation log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The allocation log is append-only.")

    def as_allocation(self) -> Allocation:
        return Allocation(self.sequence, self.practice_code, dict(self.levels), self.arm, self.method,
                          self.preferred or None, dict(self.totals), self.draw)

    @property
    def arm_label(self) -> str:
        return ARM_LABELS.get(self.arm, self.arm)


class WithdrawalKind(models.TextChoices):
    WITHDREW = "withdrew", "Withdrew"
    LOST = "lost", "Lost to follow-up"
    MOVED = "moved", "Moved away or left the practice"
    DIED = "died", "Died"


class Participant(models.Model):
    """A patient screened for a trial at a participating practice, and what happened to them.

    Research consent is a ``registry.Consent`` (scope research, with the form version); withdrawal of consent
    to the use of their data is a later research Consent with status withdrawn, and removes them from every
    dataset and extract."""

    trial = models.ForeignKey(Trial, on_delete=models.PROTECT, related_name="participants")
    trial_practice = models.ForeignKey(TrialPractice, on_delete=models.PROTECT, related_name="participants")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="trial_participations")
    screened_on = models.DateField()
    eligible = models.BooleanField(null=True, help_text="Blank until eligibility is assessed.")
    ineligible_reason = models.CharField(max_length=200, blank=True)
    consent = models.ForeignKey("registry.Consent", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    not_consented_reason = models.CharField(max_length=200, blank=True)
    diagnosis_group = models.CharField(max_length=20, blank=True, help_text="At screening.")
    care_setting = models.CharField(max_length=10, blank=True, help_text="Usual care provider at screening.")
    baseline_on = models.DateField(null=True, blank=True, help_text="Baseline assessment completed.")
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawal_kind = models.CharField(max_length=10, choices=WithdrawalKind.choices, blank=True)
    withdrawal_reason = models.CharField(max_length=200, blank=True)
    followup_missing_reason = models.CharField(max_length=200, blank=True,
                                               help_text="Why there is no follow-up, when not withdrawn.")
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["trial", "pk"]
        constraints = [models.UniqueConstraint(fields=["trial", "person"], name="trial_participant_unique")]
        indexes = [models.Index(fields=["trial", "trial_practice"])]

    def __str__(self) -> str:
        return f"participant {self.pk} of {self.trial_id}"


class ReportRun(models.Model):
    """A report or a pseudonymised extract produced from the platform's records, stored under var/."""

    class Kind(models.TextChoices):
        REPORT = "report", "Trial report"
        EXTRACT = "extract", "Pseudonymised extract"

    trial = models.ForeignKey(Trial, on_delete=models.PROTECT, related_name="report_runs")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    blinded = models.BooleanField(help_text="Produced before unblinding: nothing measured after randomisation.")
    directory = models.CharField(max_length=500)
    files = models.JSONField(default=dict, help_text="label -> file name in the directory")
    rows = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    produced_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    produced_at = models.DateTimeField()

    class Meta:
        ordering = ["-produced_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.trial} at {self.produced_at:%Y-%m-%d %H:%M}"
