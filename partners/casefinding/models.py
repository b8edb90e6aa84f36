"""Case finding in the platform: imported extracts, linkage runs and their results, the clerical review
queue, eligibility screening flags and outreach (``docs/casefinding.md``).

The logic (validation, linkage, the gap rule, screening) is the pure core in ``casefinding.core``;
these tables store what it read and what it decided, so the screens can show and audit them.
"""

from __future__ import annotations

from django.db import models

from partners.casefinding.core.gaprule import GAP_STATUSES


class Kind(models.TextChoices):
    REGISTER = "register", "Practice SMI register"
    SECONDARY = "secondary", "Secondary mental health care"


class CodeListEntry(models.Model):
    """One SNOMED CT concept of the configurable SMI code list (default: QOF MH_COD subset)."""

    snomed_code = models.CharField("SNOMED CT concept id", max_length=18, unique=True)
    diagnosis_group = models.CharField(max_length=20, choices=[
        ("schizophrenia", "Schizophrenia"), ("bipolar", "Bipolar disorder"), ("other_psychosis", "Other psychosis")])
    term = models.CharField(max_length=255, blank=True)
    updated_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["diagnosis_group", "snomed_code"]

    def __str__(self) -> str:
        return f"{self.snomed_code} {self.term}".strip()


class ImportBatch(models.Model):
    """One uploaded extract file. A file (by content hash) is imported at most once; a refused file keeps
    its validation report and no rows."""

    class Status(models.TextChoices):
        IMPORTED = "imported", "Imported"
        REFUSED = "refused", "Refused"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices)
    quarantine = models.BooleanField(default=False, help_text="Good rows imported, bad rows set aside.")
    rows_read = models.IntegerField(default=0)
    rows_imported = models.IntegerField(default=0)
    error_count = models.IntegerField(default=0)
    warning_count = models.IntegerField(default=0)
    uploaded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["kind", "sha256", "status"], name="cf_batch_once_per_file")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.filename} ({self.get_status_display().lower()})"


class ImportIssue(models.Model):
    """A problem found on one row of an uploaded file (the validation report)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="issues")
    row = models.IntegerField()
    column = models.CharField(max_length=60, blank=True)
    value = models.CharField(max_length=300, blank=True)
    reason = models.CharField(max_length=300)
    severity = models.CharField(max_length=10)
    quarantined = models.BooleanField(default=False)

    class Meta:
        ordering = ["row", "column", "pk"]
        indexes = [models.Index(fields=["batch", "severity", "row"])]

    def __str__(self) -> str:
        return f"row {self.row} {self.column}: {self.reason}"


class RegisterRow(models.Model):
    """A clean row of a practice SMI register extract, as the core read it."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="register_rows")
    row = models.IntegerField(help_text="Spreadsheet row (the header is row 1).")
    record_key = models.CharField(max_length=20, help_text="Fingerprint of the identifying fields (linkage).")
    person_key = models.CharField(max_length=24, db_index=True,
                                  help_text="The valid NHS number, else 'k:' + the record key: ties outreach "
                                            "to the same person across imports.")
    nhs_number = models.CharField(max_length=10, null=True, blank=True)  # noqa: DJ001 - NULL when invalid
    nhs_raw = models.CharField(max_length=40, blank=True)
    nhs_digits = models.CharField(max_length=10, null=True, blank=True)  # noqa: DJ001
    nhs_valid = models.BooleanField(default=False)
    family_name = models.CharField(max_length=100, blank=True)
    given_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=10, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    practice_ods = models.CharField(max_length=12)
    practice = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    snomed_code = models.CharField(max_length=18, blank=True)
    diagnosis_group = models.CharField(max_length=20, blank=True)
    in_remission = models.BooleanField(default=False)
    last_mh_care_date = models.DateField(null=True, blank=True)
    ethnicity = models.CharField(max_length=1, blank=True)
    lsoa = models.CharField(max_length=12, blank=True)

    class Meta:
        ordering = ["batch", "row"]
        constraints = [models.UniqueConstraint(fields=["batch", "row"], name="cf_register_row_once")]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} ({self.practice_ods})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def diagnosis_label(self) -> str:
        return DIAGNOSIS_GROUPS.get(self.diagnosis_group, "Not known")


class SecondaryRow(models.Model):
    """A clean row of a secondary mental health care extract (one referral or episode)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="secondary_rows")
    row = models.IntegerField()
    record_key = models.CharField(max_length=20)
    nhs_number = models.CharField(max_length=10, null=True, blank=True)  # noqa: DJ001
    nhs_raw = models.CharField(max_length=40, blank=True)
    nhs_digits = models.CharField(max_length=10, null=True, blank=True)  # noqa: DJ001
    nhs_valid = models.BooleanField(default=False)
    family_name = models.CharField(max_length=100, blank=True)
    given_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    provider_ods = models.CharField(max_length=12)
    team_type = models.CharField(max_length=30)
    care_level = models.CharField(max_length=20, blank=True)
    referral_date = models.DateField(null=True, blank=True)
    discharge_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "row"]
        constraints = [models.UniqueConstraint(fields=["batch", "row"], name="cf_secondary_row_once")]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} ({self.provider_ods} {self.team_type})"


    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class Mode(models.TextChoices):
    SERVICE = "service", "Service (default criteria)"
    TRIAL = "trial", "Trial (the trial's further exclusions)"


class LinkageRun(models.Model):
    """Linkage and the gap rule over one register import and one secondary care import, as of a date."""

    register_batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+")
    secondary_batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField()
    threshold = models.FloatField(default=0.9)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.SERVICE)
    decisions_applied = models.IntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    run_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    run_at = models.DateTimeField()

    class Meta:
        ordering = ["-run_at", "-pk"]

    def __str__(self) -> str:
        return f"Linkage run {self.pk} as of {self.as_of}"


class Status(models.TextChoices):
    UNDER_18 = "under_18", "Under 18"
    IN_REMISSION = "in_remission", "In remission"
    SECONDARY_CARE = "secondary_care", "Under secondary care"
    LIMITED_SECONDARY = "limited_secondary", "Limited secondary care"
    DISCHARGED = "discharged", "Discharged"
    PRIMARY_CARE_ONLY = "primary_care_only", "Primary care only"


MATCH_METHODS = {"nhs_number": "NHS number", "probabilistic": "Names, date of birth and postcode",
                 "none": "Not linked"}
DIAGNOSIS_GROUPS = {"schizophrenia": "Schizophrenia", "bipolar": "Bipolar disorder",
                    "other_psychosis": "Other psychosis"}


class CaseFindingResult(models.Model):
    """One row per register row per run: the case-finding output of ``data-formats.md`` section 3, plus
    the eligibility screen (``exclusion_reasons`` empty when eligible)."""

    run = models.ForeignKey(LinkageRun, on_delete=models.CASCADE, related_name="results")
    register_row = models.ForeignKey(RegisterRow, on_delete=models.CASCADE, related_name="results")
    practice = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    nhs_number = models.CharField(max_length=40, blank=True)
    practice_ods = models.CharField(max_length=12)
    status = models.CharField(max_length=20, choices=Status.choices)
    match_method = models.CharField(max_length=15)
    match_probability = models.FloatField(null=True, blank=True)
    latest_discharge_date = models.DateField(null=True, blank=True)
    needs_review = models.BooleanField(default=False)
    care_needs_past_2y = models.BooleanField(default=False)
    eligible = models.BooleanField(default=False)
    exclusion_reasons = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["run", "register_row__row"]
        constraints = [models.UniqueConstraint(fields=["run", "register_row"], name="cf_result_once_per_row")]
        indexes = [models.Index(fields=["run", "practice", "status"])]

    def __str__(self) -> str:
        return f"{self.practice_ods} row {self.register_row_id}: {self.status}"


    @property
    def in_gap(self) -> bool:
        return self.status in GAP_STATUSES

    @property
    def match_method_label(self) -> str:
        return MATCH_METHODS.get(self.match_method, self.match_method)


class ReviewPair(models.Model):
    """A candidate pair of one run between 0.5 and the threshold (or held back by the household guard)."""

    run = models.ForeignKey(LinkageRun, on_delete=models.CASCADE, related_name="review_pairs")
    register_row = models.ForeignKey(RegisterRow, on_delete=models.CASCADE, related_name="+")
    secondary_row = models.ForeignKey(SecondaryRow, on_delete=models.CASCADE, related_name="+")
    match_probability = models.FloatField()
    match_weight = models.FloatField(null=True, blank=True)
    guard = models.CharField(max_length=20, blank=True)
    register_key = models.CharField(max_length=20)
    secondary_key = models.CharField(max_length=20)

    class Meta:
        ordering = ["-match_probability", "pk"]
        indexes = [models.Index(fields=["register_key", "secondary_key"])]

    def __str__(self) -> str:
        return f"pair {self.register_row_id}/{self.secondary_row_id} p={self.match_probability:.3f}"



class ClericalDecision(models.Model):
    """A person's decision on a pair of records, by their fingerprints: reused by every later run."""

    register_key = models.CharField(max_length=20)
    secondary_key = models.CharField(max_length=20)
    accept = models.BooleanField()
    decided_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField()
    run = models.ForeignKey(LinkageRun, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-decided_at"]
        constraints = [models.UniqueConstraint(fields=["register_key", "secondary_key"], name="cf_decision_once")]

    def __str__(self) -> str:
        return f"{self.register_key}/{self.secondary_key}: {'accept' if self.accept else 'reject'}"



class ScreeningFlag(models.Model):
    """A recorded trial exclusion for a person (the trial's criteria; never applied in service mode)."""

    class Flag(models.TextChoices):
        CANNOT_CONSENT = "cannot_consent", "Could not consent"
        IN_OTHER_TRIAL = "in_other_psychosis_trial", "In another psychosis trial"
        DEMENTIA_ID = ("secondary_care_dementia_or_intellectual_disability",
                       "Under secondary care for dementia or intellectual disability")
        SUBSTANCE = "significant_substance_or_alcohol_problems", "Significant substance or alcohol problems"
        GP_JUDGED = "gp_judged_not_in_best_interests", "GP judged it not in their best interests"

    person_key = models.CharField(max_length=24)
    flag = models.CharField(max_length=60, choices=Flag.choices)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["person_key", "flag"]
        constraints = [models.UniqueConstraint(fields=["person_key", "flag"], name="cf_flag_once")]

    def __str__(self) -> str:
        return f"{self.person_key}: {self.flag}"



class OutreachStatus(models.TextChoices):
    NOT_INVITED = "not_invited", "Not yet invited"
    INVITED = "invited", "Invited (opt-out window)"
    APPOINTMENT_OFFERED = "appointment_offered", "Appointment offered"
    ACCEPTED = "accepted", "Accepted: referred"
    DECLINED = "declined", "Declined: do not contact"
    OPTED_OUT = "opted_out", "Opted out: do not contact"
    NO_RESPONSE = "no_response", "No response"


STOPPED = (OutreachStatus.DECLINED, OutreachStatus.OPTED_OUT, OutreachStatus.ACCEPTED)


class OutreachCase(models.Model):
    """Outreach to one person found in the gap, kept across runs and imports by ``person_key``."""

    person_key = models.CharField(max_length=24, unique=True)
    practice = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    register_row = models.ForeignKey(RegisterRow, null=True, on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=20, choices=OutreachStatus.choices, default=OutreachStatus.NOT_INVITED)
    invited_on = models.DateField(null=True, blank=True)
    opt_out_closes_on = models.DateField(null=True, blank=True,
                                         help_text="No appointment invitation or call before this day.")
    appointment_at = models.DateTimeField(null=True, blank=True)
    episode = models.ForeignKey("care.Episode", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["person_key"]

    def __str__(self) -> str:
        return f"{self.person_key}: {self.status}"


    @property
    def stopped(self) -> bool:
        return self.status in STOPPED


class OutreachAttempt(models.Model):
    """Every attempt and outcome of outreach, with who recorded it and when."""

    class Step(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        OPT_OUT = "opt_out", "Opted out"
        APPOINTMENT = "appointment", "Invitation to an appointment"
        TELEPHONE = "telephone", "Telephone call"
        OUTCOME = "outcome", "Outcome"

    class Channel(models.TextChoices):
        LETTER = "letter", "Letter"
        SMS = "sms", "Text message"
        EMAIL = "email", "Email"
        TELEPHONE = "telephone", "Telephone"
        IN_PERSON = "in_person", "In person"

    case = models.ForeignKey(OutreachCase, on_delete=models.CASCADE, related_name="attempts")
    step = models.CharField(max_length=15, choices=Step.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    on = models.DateField()
    result = models.CharField(max_length=40, blank=True, help_text="e.g. sent, letter to print, no answer, accepted")
    notes = models.CharField(max_length=500, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True, help_text="common.OutboundMessage, when one was sent.")
    letter_pdf = models.BinaryField(null=True, blank=True)
    recorded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.step} {self.on}: {self.result}"

