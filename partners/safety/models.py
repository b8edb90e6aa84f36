from __future__ import annotations

from django.db import models


class SafetyEvent(models.Model):
    """A psychiatric admission, a crisis / home treatment episode, or a serious adverse event.

    'Treated' (the trial's as-treated rule) is derived, never stored: the person had at least one Care
    Partner contact before the onset date.
    """

    class Kind(models.TextChoices):
        ADMISSION = "admission", "Psychiatric admission"
        CRISIS = "crisis", "Crisis or home treatment episode"
        SAE = "sae", "Serious adverse event"

    class Relatedness(models.TextChoices):
        NOT_RELATED = "not_related", "Not related"
        UNLIKELY = "unlikely", "Unlikely to be related"
        POSSIBLY = "possibly", "Possibly related"
        PROBABLY = "probably", "Probably related"
        DEFINITELY = "definitely", "Definitely related"

    class Outcome(models.TextChoices):
        ONGOING = "ongoing", "Ongoing"
        RESOLVED = "resolved", "Resolved"
        RESOLVED_WITH_SEQUELAE = "resolved_with_sequelae", "Resolved with lasting effects"
        FATAL = "fatal", "Fatal"
        UNKNOWN = "unknown", "Not known"

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="safety_events")
    episode = models.ForeignKey("care.Episode", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="safety_events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    onset_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    # Seriousness criteria (ICH E2A) for serious adverse events.
    resulted_in_death = models.BooleanField(default=False)
    life_threatening = models.BooleanField(default=False)
    hospitalisation = models.BooleanField(default=False)
    disability = models.BooleanField(default=False)
    other_important = models.BooleanField(default=False)
    congenital_anomaly = models.BooleanField(default=False)
    relatedness = models.CharField(max_length=12, choices=Relatedness.choices, blank=True)
    expected = models.BooleanField(null=True, blank=True)
    outcome = models.CharField(max_length=25, choices=Outcome.choices, default=Outcome.UNKNOWN)
    reported_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)
    # A supervisor has looked at it (the supervisor's 'new safety events' list and the flag use this).
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-onset_on", "-pk"]
        indexes = [models.Index(fields=["person", "-onset_on"]), models.Index(fields=["kind", "onset_on"]),
                   models.Index(fields=["reviewed_at", "person"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("onset_on")),
                name="safety_event_ends_after_onset",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.onset_on}"

    @property
    def days(self) -> int | None:
        """In-patient or home-treatment days (onset to end inclusive of onset, exclusive of end)."""
        return (self.ended_on - self.onset_on).days if self.ended_on else None


class HealthCheck(models.Model):
    """The annual SMI physical health check and the follow-up interventions offered."""

    class Smoking(models.TextChoices):
        NEVER = "never", "Never smoked"
        EX = "ex", "Ex-smoker"
        CURRENT = "current", "Current smoker"
        NOT_RECORDED = "not_recorded", "Not recorded"

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="health_checks")
    checked_on = models.DateField()
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    height_cm = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    bmi = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    systolic_bp = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic_bp = models.PositiveSmallIntegerField(null=True, blank=True)
    total_cholesterol = models.DecimalField("Total cholesterol (mmol/L)", max_digits=4, decimal_places=1,
                                            null=True, blank=True)
    hdl_cholesterol = models.DecimalField("HDL cholesterol (mmol/L)", max_digits=4, decimal_places=1,
                                          null=True, blank=True)
    hba1c = models.PositiveSmallIntegerField("HbA1c (mmol/mol)", null=True, blank=True)
    glucose = models.DecimalField("Fasting glucose (mmol/L)", max_digits=4, decimal_places=1, null=True, blank=True)
    smoking = models.CharField(max_length=15, choices=Smoking.choices, default=Smoking.NOT_RECORDED)
    alcohol_units_per_week = models.PositiveSmallIntegerField(null=True, blank=True)
    interventions = models.JSONField(default=list, blank=True,
                                     help_text="Follow-up interventions offered, e.g. smoking cessation.")
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_on", "-pk"]
        indexes = [models.Index(fields=["person", "-checked_on"])]

    def __str__(self) -> str:
        return f"Health check on {self.checked_on}"


class LongTermCondition(models.Model):
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="long_term_conditions")
    condition = models.CharField(max_length=100)
    snomed_code = models.CharField(max_length=18, blank=True)
    recorded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["condition"]

    def __str__(self) -> str:
        return self.condition


class MedicationGroup(models.TextChoices):
    ANTIPSYCHOTIC = "antipsychotic", "Antipsychotics"
    ANTIDEPRESSANT = "antidepressant", "Antidepressants"
    MOOD_STABILISER = "mood_stabiliser", "Mood stabilisers"
    SEDATIVE = "sedative", "Sedatives and hypnotics"
    OTHER = "other", "Other"


class Medication(models.Model):
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="medications")
    group = models.CharField(max_length=20, choices=MedicationGroup.choices)
    name = models.CharField(max_length=100, blank=True)
    started_on = models.DateField(null=True, blank=True)
    stopped_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["group", "name"]

    def __str__(self) -> str:
        return self.name or self.get_group_display()
