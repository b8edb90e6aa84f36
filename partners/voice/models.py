"""Structured sessions (DIALOG+ style) held within a contact.

- ``StructuredSession``: one session with the person, in an open episode, by their Care Partner; goes
  rating -> choosing -> discussing -> completed. ``life_response``/``care_response`` are the scored
  ``measures.QuestionnaireResponse`` rows (instruments ``dialog-life`` and ``dialog-care``) written when
  it completes, so the means chart on the person page like any other measure.
- ``SessionRating``: one rating 1-7 per area, and whether the person wants more help with it.
- ``SessionDiscussion``: an area chosen to talk about (at most 3), with the four steps' notes.
- ``AgreedAction``: one action agreed in a discussion; it is also added to a goal's steps (``goal``), and is
  reviewed at a later contact (``status``, ``reviewed_on``, ``reviewed_contact``).
All writes go through ``voice.services``.
"""

from __future__ import annotations

from django.db import models

from partners.voice.dialog import AREAS

AREA_CHOICES = [(a.code, a.label) for a in AREAS]


class StructuredSession(models.Model):
    class Status(models.TextChoices):
        RATING = "rating", "Rating"
        CHOOSING = "choosing", "Choosing what to talk about"
        DISCUSSING = "discussing", "Talking it through"
        COMPLETED = "completed", "Completed"

    # Part of the episode's record: removed with it (as the episode's shared understanding is).
    episode = models.ForeignKey("care.Episode", on_delete=models.CASCADE, related_name="structured_sessions")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="structured_sessions")
    care_partner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RATING)
    interpreter_used = models.BooleanField(default=False, help_text="Held with an interpreter.")
    contact = models.ForeignKey("care.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                help_text="The contact the session was part of, once that contact is logged.")
    life_mean = models.FloatField(null=True, blank=True)
    care_mean = models.FloatField(null=True, blank=True)
    life_response = models.ForeignKey("measures.QuestionnaireResponse", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    care_response = models.ForeignKey("measures.QuestionnaireResponse", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["person", "status", "-held_on"]),
                   models.Index(fields=["episode", "status"])]

    def __str__(self) -> str:
        return f"Structured session on {self.held_on} ({self.get_status_display()})"


class SessionRating(models.Model):
    session = models.ForeignKey(StructuredSession, on_delete=models.CASCADE, related_name="ratings")
    area = models.CharField(max_length=20, choices=AREA_CHOICES)
    rating = models.PositiveSmallIntegerField()
    more_help = models.BooleanField(default=False)

    class Meta:
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "area"], name="one_rating_per_area"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=7), name="dialog_rating_1_to_7"),
        ]

    def __str__(self) -> str:
        return f"{self.area}: {self.rating}"


class SessionDiscussion(models.Model):
    session = models.ForeignKey(StructuredSession, on_delete=models.CASCADE, related_name="discussions")
    area = models.CharField(max_length=20, choices=AREA_CHOICES)
    position = models.PositiveSmallIntegerField()
    understanding = models.TextField(blank=True)
    looking_forward = models.TextField(blank=True)
    options = models.TextField(blank=True)
    done = models.BooleanField(default=False)
    goal = models.ForeignKey("care.Goal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["session", "position"]
        constraints = [models.UniqueConstraint(fields=["session", "area"], name="one_discussion_per_area")]

    def __str__(self) -> str:
        return f"Discussion of {self.area}"


class AgreedAction(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "To review"
        DONE = "done", "Done"
        PARTLY = "partly", "Partly done"
        NOT_DONE = "not_done", "Not done"

    discussion = models.ForeignKey(SessionDiscussion, on_delete=models.CASCADE, related_name="actions")
    session = models.ForeignKey(StructuredSession, on_delete=models.CASCADE, related_name="actions")
    episode = models.ForeignKey("care.Episode", on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=500)
    goal = models.ForeignKey("care.Goal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    reviewed_on = models.DateField(null=True, blank=True)
    reviewed_contact = models.ForeignKey("care.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+")

    class Meta:
        ordering = ["session", "discussion__position", "pk"]
        indexes = [models.Index(fields=["episode", "status"])]

    def __str__(self) -> str:
        return self.text[:60]
