from __future__ import annotations

from django.db import models


class IdempotencyRecord(models.Model):
    """The outcome of a request made with an Idempotency-Key, replayed if the same request comes again."""

    principal = models.CharField(max_length=80, help_text="Who sent it: an account or a hashed credential.")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    completed = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=500, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.principal}:{self.key}"


class OutboundMessage(models.Model):
    """Every SMS, email or letter sent to a person, through GOV.UK Notify or (unconfigured) recorded only."""

    class Channel(models.TextChoices):
        SMS = "sms", "Text message"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"

    class Status(models.TextChoices):
        SENT = "sent", "Sent to GOV.UK Notify"
        RECORDED = "recorded", "Recorded only (GOV.UK Notify not configured)"
        FAILED = "failed", "Failed"

    person_id = models.BigIntegerField(null=True, db_index=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    purpose = models.CharField(max_length=40, help_text="e.g. questionnaire_link, contact_reminder, invitation")
    template = models.CharField(max_length=60)
    recipient = models.CharField(max_length=254)
    personalisation = models.JSONField(default=dict, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    notify_id = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=300, blank=True)
    sent_by_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.purpose} ({self.status})"
