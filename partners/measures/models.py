from __future__ import annotations

from datetime import datetime

from django.db import models


class CollectionMode(models.TextChoices):
    STAFF = "staff", "Entered by staff"
    SELF = "self", "Completed by the person (secure link)"
    INTERPRETER = "interpreter", "Completed with an interpreter"


class QuestionnaireResponse(models.Model):
    """One completion of an instrument by a person, stored item by item, with its score."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    class Point(models.TextChoices):
        BASELINE = "baseline", "Baseline"
        REVIEW = "review", "Review"
        END = "end", "End of episode"
        AD_HOC = "ad_hoc", "Other"

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="questionnaire_responses")
    episode = models.ForeignKey("care.Episode", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="questionnaire_responses")
    instrument = models.CharField(max_length=20, help_text="Instrument code, e.g. mansa, eq-5d-5l.")
    instrument_version = models.CharField(max_length=20, blank=True)
    point = models.CharField(max_length=10, choices=Point.choices, default=Point.AD_HOC)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.COMPLETED)
    mode = models.CharField(max_length=12, choices=CollectionMode.choices, default=CollectionMode.STAFF)
    language = models.CharField(max_length=35, default="en")
    completed_on = models.DateField(null=True, blank=True)
    entered_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The score as the engine computed it, with what it was computed by.
    score = models.FloatField(null=True, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    missing = models.PositiveSmallIntegerField(default=0)
    prorated = models.BooleanField(default=False)
    value_set = models.CharField(max_length=30, blank=True)
    scoring_rule = models.CharField(max_length=60, blank=True)
    # Why there is no score when there is none (the engine's reason), and what a clinician must see.
    no_score_reason = models.CharField(max_length=300, blank=True)
    flags = models.JSONField(default=list, blank=True)
    # The licensed wording shown, when an organisation had loaded it (else our own labels were shown).
    wording = models.ForeignKey("InstrumentWording", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-completed_on", "-pk"]
        indexes = [
            models.Index(fields=["person", "instrument", "-completed_on"]),
            models.Index(fields=["episode", "instrument"]),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} on {self.completed_on}"


class ItemResponse(models.Model):
    """One answered (or skipped) item: ``value`` is null when not answered."""

    response = models.ForeignKey(QuestionnaireResponse, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(help_text="1-based item number in the instrument's order.")
    value = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["response", "position"]
        constraints = [models.UniqueConstraint(fields=["response", "position"], name="item_response_unique_position")]

    def __str__(self) -> str:
        return f"item {self.position} = {self.value}"


class MeasurementPlan(models.Model):
    """When an episode's questionnaires are due: baseline, a review every few months, and the end.

    Without a plan an episode follows the platform default (``partners.measures.conf``).
    """

    episode = models.OneToOneField("care.Episode", on_delete=models.CASCADE, related_name="measurement_plan")
    instruments = models.JSONField(default=list, help_text="Instrument codes collected at each point.")
    review_interval_months = models.PositiveSmallIntegerField(default=3)
    window_days = models.PositiveSmallIntegerField(
        default=28, help_text="Days either side of a due date that still count for that point.")
    collect_at_end = models.BooleanField(default=True)
    updated_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Measurement plan for episode {self.episode_id}"


class SelfCompletionLink(models.Model):
    """A single-use, expiring link that lets a person complete one questionnaire without an account.

    Only a SHA-256 hash of the token is stored; the token itself exists only in the message sent.
    Answers are saved into ``response`` (in progress) as the person goes, until they submit or the link
    expires or is cancelled.
    """

    class Channel(models.TextChoices):
        SMS = "sms", "Text message"
        EMAIL = "email", "Email"

    token_hash = models.CharField(max_length=64, unique=True)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="questionnaire_links")
    response = models.OneToOneField(QuestionnaireResponse, on_delete=models.PROTECT, related_name="link")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    message_id = models.BigIntegerField(null=True, blank=True, help_text="The OutboundMessage that carried it.")
    sent_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    first_opened_at = models.DateTimeField(null=True, blank=True)
    last_saved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    interpreter_assisted = models.BooleanField(
        default=False, help_text="The person said an interpreter helped them answer (recorded when they sent it).")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["person", "submitted_at"])]

    def __str__(self) -> str:
        return f"Questionnaire link {self.pk} (expires {self.expires_at:%Y-%m-%d})"

    def usable_at(self, now: datetime) -> bool:
        return self.submitted_at is None and self.cancelled_at is None and now < self.expires_at


class InstrumentSetting(models.Model):
    """An administrator's decision to enable or disable an instrument, platform-wide or for one organisation.

    The nearest setting wins: the organisation's own, then its parent's (PCN, ICS), then platform-wide, then
    the built-in default (``partners.measures.availability.DEFAULT_ENABLED``).
    """

    instrument = models.CharField(max_length=20)
    organisation = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+", help_text="Blank: platform-wide.")
    enabled = models.BooleanField()
    licence_confirmed = models.BooleanField(
        default=False, help_text="The administrator confirmed the licence or registration the note asks for.")
    licence_note = models.TextField(blank=True, help_text="The licence note shown when this was decided.")
    changed_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["instrument", "organisation_id"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "organisation"], name="instrument_setting_per_org"),
            models.UniqueConstraint(fields=["instrument"], condition=models.Q(organisation__isnull=True),
                                    name="instrument_setting_platform"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {'enabled' if self.enabled else 'disabled'} for {self.organisation or 'all'}"


class InstrumentWording(models.Model):
    """Licensed item wording an organisation has loaded for one language (never shipped with the code)."""

    instrument = models.CharField(max_length=20)
    language = models.CharField(max_length=35)
    organisation = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+", help_text="Blank: platform-wide.")
    items = models.JSONField(help_text="One text per item, in the instrument's item order.")
    licence_reference = models.CharField(max_length=300)
    loaded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["instrument", "language"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "language", "organisation"], name="wording_per_org"),
            models.UniqueConstraint(fields=["instrument", "language"], condition=models.Q(organisation__isnull=True),
                                    name="wording_platform"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} wording ({self.language})"
