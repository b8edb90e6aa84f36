from __future__ import annotations

from typing import Any

from django.db import models


class AppendOnlyQuerySet(models.QuerySet["AuditEvent"]):
    """Audit rows are never changed or removed through the application; PostgreSQL also refuses it."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit trail is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit trail is append-only.")


class Action(models.TextChoices):
    VIEW = "view", "Viewed a record"
    LIST = "list", "Listed in a view"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    EXPORT = "export", "Exported"
    SEARCH = "search", "Searched"
    BREAK_GLASS = "break_glass", "Break-glass access"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGN_OUT = "sign_out", "Signed out"
    TOKEN = "token", "API token issued"
    DENIED = "denied", "Access refused"


class AuditEvent(models.Model):
    """Who did what to which record, when and from where. No foreign keys: rows outlive what they name."""

    at = models.DateTimeField(db_index=True)
    user_id = models.BigIntegerField(null=True, db_index=True)
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    person_id = models.BigIntegerField(null=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    via = models.CharField(max_length=10, blank=True, help_text="web, api, fhir, cli")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=8, blank=True)
    path = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person_id", "-at"]), models.Index(fields=["action", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} person={self.person_id}"


class BreakGlassAccess(models.Model):
    """An administrator's time-limited access to one person's record, with the reason given."""

    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="break_glass_grants")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="break_glass_grants")
    reason = models.TextField()
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user} -> person {self.person_id} until {self.expires_at:%H:%M}"


class SecurityAlert(models.Model):
    """Raised for break-glass access and other events that someone must look at."""

    class Kind(models.TextChoices):
        BREAK_GLASS = "break_glass", "Break-glass access"
        LOCKOUT = "lockout", "Account locked after failed sign-ins"
        BREACH = "breach", "Suspected data breach"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    raised_at = models.DateTimeField()
    user = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    person_id = models.BigIntegerField(null=True)
    message = models.TextField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.raised_at:%Y-%m-%d %H:%M}"


class DataBreach(models.Model):
    """The data breach log (nhs-standards.md; DSPT): every suspected or confirmed personal data breach."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        REPORTED = "reported", "Reported to the ICO and DSPT"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=20, unique=True)
    discovered_at = models.DateTimeField()
    occurred_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    summary = models.CharField(max_length=200)
    description = models.TextField(help_text="What happened, how it was found, which records and systems.")
    data_categories = models.CharField(max_length=300, blank=True,
                                       help_text="e.g. names and NHS numbers, health records, contact details.")
    people_affected = models.PositiveIntegerField(null=True, blank=True)
    containment = models.TextField(blank=True, help_text="What was done to contain it and recover the data.")
    notifiable = models.BooleanField(default=False,
                                     help_text="Likely to risk people's rights and freedoms: report within 72 hours.")
    reported_at = models.DateTimeField(null=True, blank=True)
    dspt_reference = models.CharField("DSPT incident reference", max_length=40, blank=True)
    lessons = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-discovered_at"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.summary}"
