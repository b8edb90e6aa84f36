from __future__ import annotations

from django.db import models


class Organisation(models.Model):
    """An NHS or partner organisation: ICS, PCN, GP practice, trust, voluntary/community organisation."""

    class Kind(models.TextChoices):
        ICS = "ics", "Integrated Care System"
        PCN = "pcn", "Primary Care Network"
        PRACTICE = "practice", "GP practice"
        TRUST = "trust", "NHS trust"
        VCSO = "vcso", "Voluntary or community organisation"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        OTHER = "other", "Other"

    class Size(models.TextChoices):
        SMALL = "small", "Small"
        LARGE = "large", "Large"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200)
    ods_code = models.CharField(
        "ODS code", max_length=10, unique=True, null=True, blank=True,
        help_text="Organisation Data Service code, e.g. L83012 for a practice.",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        help_text="A practice's PCN, a PCN's ICS, a trust's ICS.",
    )
    region = models.CharField(max_length=100, blank=True, help_text="Locality, used e.g. in minimisation.")
    size = models.CharField(max_length=10, choices=Size.choices, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})" if self.ods_code else self.name


class Team(models.Model):
    """A team within an organisation: Care Partner team, CMHT, early intervention, crisis, ..."""

    class Kind(models.TextChoices):
        CARE_PARTNERS = "care_partners", "Care Partner team"
        CMHT = "cmht", "Community mental health team"
        EIP = "eip", "Early intervention in psychosis"
        CRISIS = "crisis_home_treatment", "Crisis and home treatment"
        INPATIENT = "inpatient", "In-patient"
        OUTPATIENT = "outpatient", "Outpatient"
        PRACTICE = "practice", "Practice team"
        OTHER = "other", "Other"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name
