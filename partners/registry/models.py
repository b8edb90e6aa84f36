from __future__ import annotations

from django.db import models

from partners.common.identifiers import ETHNIC_CATEGORIES, format_nhs_number


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not known"


class DiagnosisGroup(models.TextChoices):
    SCHIZOPHRENIA = "schizophrenia", "Schizophrenia"
    BIPOLAR = "bipolar", "Bipolar disorder"
    OTHER_PSYCHOSIS = "other_psychosis", "Other psychosis"


class CareSetting(models.TextChoices):
    PRIMARY = "primary", "Primary care only"
    SECONDARY = "secondary", "Secondary mental health care"


class ContactMethod(models.TextChoices):
    TELEPHONE = "telephone", "Telephone"
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"


class CommunicationNeed(models.TextChoices):
    EASY_READ = "easy_read", "Easy read"
    LARGE_PRINT = "large_print", "Large print"
    BSL = "bsl", "British Sign Language"
    HEARING = "hearing", "Hearing impairment"
    VISUAL = "visual", "Visual impairment"
    LEARNING = "learning", "Learning disability support"
    OTHER = "other", "Other"


ETHNIC_CHOICES = list(ETHNIC_CATEGORIES.items())


class Person(models.Model):
    """A person with severe mental illness known to the platform (a service user; never an account)."""

    # NULL (not '') when unknown, so the unique constraint ignores people without one.
    nhs_number = models.CharField(  # noqa: DJ001
        "NHS number", max_length=10, null=True, blank=True,
        help_text="Ten digits, stored without spaces; Modulus 11 checked.",
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    date_of_death = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity = models.CharField(
        max_length=1, choices=ETHNIC_CHOICES, default="Z", help_text="NHS ethnic category."
    )
    postcode = models.CharField(max_length=8, blank=True)
    lsoa = models.CharField("LSOA code", max_length=9, blank=True)
    address = models.CharField(max_length=300, blank=True)
    practice = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="registered_people",
        limit_choices_to={"kind": "practice"},
    )
    registered_on = models.DateField(null=True, blank=True)
    diagnosis_group = models.CharField(max_length=20, choices=DiagnosisGroup.choices)
    snomed_code = models.CharField("SNOMED CT code", max_length=18, blank=True)
    usual_care_setting = models.CharField(max_length=10, choices=CareSetting.choices)

    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    preferred_contact_method = models.CharField(
        max_length=10, choices=ContactMethod.choices, default=ContactMethod.TELEPHONE
    )
    sms_opt_in = models.BooleanField("Agrees to text messages", default=False)
    email_opt_in = models.BooleanField("Agrees to emails", default=False)
    contact_notes = models.CharField(max_length=300, blank=True, help_text="e.g. best times to call.")

    preferred_language = models.CharField(max_length=35, default="en", help_text="BCP 47 tag, e.g. en, pl, ur.")
    interpreter_needed = models.BooleanField(default=False)
    interpreter_language = models.CharField(max_length=35, blank=True)
    communication_needs = models.JSONField(default=list, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["nhs_number"], condition=models.Q(nhs_number__isnull=False), name="person_unique_nhs_number"
            )
        ]
        indexes = [models.Index(fields=["practice", "family_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def display_nhs_number(self) -> str:
        return format_nhs_number(self.nhs_number) if self.nhs_number else "Not recorded"


class Consent(models.Model):
    """Consent to care and, separately, to research (with date and information-sheet version)."""

    class Scope(models.TextChoices):
        CARE = "care", "Care"
        RESEARCH = "research", "Research"
        DATA_SHARING = "data_sharing", "Information sharing"

    class Status(models.TextChoices):
        GIVEN = "given", "Given"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    scope = models.CharField(max_length=20, choices=Scope.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    recorded_on = models.DateField()
    version = models.CharField(max_length=40, blank=True, help_text="Information sheet / consent form version.")
    study = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    notes = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_on", "-created_at"]
        indexes = [models.Index(fields=["person", "scope", "-recorded_on"])]

    def __str__(self) -> str:
        return f"{self.get_scope_display()}: {self.get_status_display()} ({self.recorded_on})"


class SecondaryCareEpisode(models.Model):
    """A referral or episode with secondary mental health care, as the trust's records show it."""

    class TeamType(models.TextChoices):
        CMHT = "cmht", "Community mental health team"
        EIP = "eip", "Early intervention in psychosis"
        CRISIS = "crisis_home_treatment", "Crisis and home treatment"
        INPATIENT = "inpatient", "In-patient"
        OUTPATIENT = "outpatient", "Outpatient"
        OTHER = "other", "Other"

    class CareLevel(models.TextChoices):
        CPA = "cpa", "Care programme approach"
        STANDARD = "standard", "Standard"
        OUTPATIENT_ONLY = "outpatient_only", "Outpatient only"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="secondary_care")
    provider = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    team_type = models.CharField(max_length=30, choices=TeamType.choices)
    care_level = models.CharField(max_length=20, choices=CareLevel.choices)
    referral_date = models.DateField()
    discharge_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-referral_date"]
        indexes = [models.Index(fields=["person", "-referral_date"])]

    def __str__(self) -> str:
        return f"{self.get_team_type_display()} from {self.referral_date}"
