from __future__ import annotations

from django.db import models


class SupervisionSession(models.Model):
    """A supervision session with one Care Partner: when, who held it, which cases were discussed."""

    supervisee = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="supervision_received",
                                   limit_choices_to={"role": "care_partner"})
    supervisor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="supervision_given",
                                   help_text="Who held the session (the usual supervisor or whoever covered).")
    held_on = models.DateField()
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    cases = models.ManyToManyField("care.Episode", blank=True, related_name="supervision_sessions")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["supervisee", "-held_on"])]

    def __str__(self) -> str:
        return f"Supervision for {self.supervisee} on {self.held_on}"


class SupervisionAction(models.Model):
    """An action agreed in supervision, with an owner and a due date; carried forward until done."""

    session = models.ForeignKey(SupervisionSession, on_delete=models.CASCADE, related_name="actions")
    episode = models.ForeignKey("care.Episode", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="supervision_actions", help_text="The case it is about, if any.")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="supervision_actions")
    due_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    completed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    completed_in = models.ForeignKey(SupervisionSession, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="actions_closed", help_text="The session that closed it, if any.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["owner", "completed_on"]), models.Index(fields=["episode", "completed_on"])]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def is_open(self) -> bool:
        return self.completed_on is None


class TrainingKind(models.TextChoices):
    INITIAL = "initial", "Initial PARTNERS training"
    TOP_UP = "top_up", "Top-up training"
    SUPERVISOR = "supervisor", "Supervisor training in the PARTNERS model"


class TrainingRecord(models.Model):
    """Training in the PARTNERS model: initial (2-3 days), top-ups, and supervisors' training."""

    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="training_records")
    kind = models.CharField(max_length=12, choices=TrainingKind.choices)
    title = models.CharField(max_length=200, blank=True)
    completed_on = models.DateField()
    days = models.DecimalField(max_digits=3, decimal_places=1, help_text="Length in days, e.g. 2.5.")
    provider = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_on", "-pk"]
        indexes = [models.Index(fields=["user", "kind", "-completed_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.completed_on}"
