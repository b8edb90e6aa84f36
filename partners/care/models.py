"""Care delivery: the episode of care and everything recorded within it (care-model.md).

Meaning of the main records, for anyone building on them (supervision, fidelity, FHIR, dashboards):

- ``Episode``: one person's PARTNERS care with one Care Partner at a time (``care_partner``; a
  ``Handover`` moves it). Phases run invited -> engaging -> active <-> stepped_down -> transition -> ended
  (``PhaseChange`` keeps each move). ``started_on`` is when the person accepted; ``planned_end_on`` is
  12 months later and ``transition_from`` 2 months before that. ``contact_interval_days`` is the agreed
  rhythm, ``next_contact_on`` the next planned contact (every open, accepted episode has one; before
  today = overdue), ``last_contact_on``/``last_contact_mode`` are kept in step with ``Contact`` by
  ``care.services`` (denormalised so the caseload is one query). All writes go through ``care.services``.
- ``Contact``: one contact (or attempt, ``reached=False``) on a date; ``minutes`` >= 0; ``goals`` are the
  goals discussed (``goals_discussed`` is true when any were). Fidelity counts contacts of >= 10 minutes.
- ``Goal``: in the person's own words; ``GoalRating`` holds the 0-10 ratings (``kind`` agreement or
  review); ``GoalEvent`` the history (agreed, edited, reviewed, achieved, changed, dropped, reopened).
  "Goals assessed" = a goal with an agreement rating.
- ``RhythmChange``: every change of rhythm with who agreed and why; ``URGENT`` goes with an urgent
  ``Referral`` to secondary or crisis care.
- ``Service``/``Referral``: the local directory and referrals (liaison) with their outcomes.
- ``Handover``: the case moving between Care Partners (the person's choice, absence, leaving).
- ``CoverArrangement``/``Absence``/``CarePartnerPost``: cover while a Care Partner is away, and the
  periods each Care Partner was in post at each practice (``care.availability`` computes the share of a
  period a practice had a Care Partner present).
"""

from __future__ import annotations

from django.db import models


class Phase(models.TextChoices):
    INVITED = "invited", "Referred or invited"
    ENGAGING = "engaging", "Engaging"
    ACTIVE = "active", "Active"
    STEPPED_DOWN = "stepped_down", "Stepped down"
    TRANSITION = "transition", "Transition"
    ENDED = "ended", "Ended"


OPEN_PHASES = (Phase.INVITED, Phase.ENGAGING, Phase.ACTIVE, Phase.STEPPED_DOWN, Phase.TRANSITION)


class EndReason(models.TextChoices):
    COMPLETED = "completed", "Completed the episode"
    DECLINED = "declined", "Declined"
    DISENGAGED = "disengaged", "Could not be contacted"
    STEPPED_UP = "stepped_up", "Moved to secondary mental health care"
    MOVED_AWAY = "moved_away", "Moved away"
    DIED = "died", "Died"
    OTHER = "other", "Other"


class SecondaryCareChange(models.TextChoices):
    NOT_APPLICABLE = "not_applicable", "Not under secondary care"
    UNCHANGED = "unchanged", "Unchanged"
    PAUSED = "paused", "Paused during the episode"
    REDUCED = "reduced", "Reduced during the episode"


class Episode(models.Model):
    """One episode of PARTNERS care: up to 12 months, the last 2 a planned transition."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="episodes")
    care_partner = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="episodes",
        limit_choices_to={"role": "care_partner"},
    )
    practice = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="episodes")
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.INVITED)
    referred_on = models.DateField()
    started_on = models.DateField(null=True, blank=True, help_text="Date the person accepted.")
    planned_end_on = models.DateField(null=True, blank=True)
    transition_from = models.DateField(null=True, blank=True, help_text="Start of the planned transition.")
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    secondary_care_change = models.CharField(
        max_length=20, choices=SecondaryCareChange.choices, default=SecondaryCareChange.NOT_APPLICABLE
    )
    secondary_care_note = models.CharField(max_length=300, blank=True)
    contact_interval_days = models.PositiveSmallIntegerField(
        default=14, help_text="The agreed proactive rhythm: days between planned contacts (14 to start)."
    )
    next_contact_on = models.DateField(
        null=True, blank=True, help_text="The next planned contact; before today means overdue."
    )
    last_contact_on = models.DateField(null=True, blank=True, help_text="The latest contact that reached the person.")
    last_contact_mode = models.CharField(
        max_length=15, blank=True, help_text="Mode of the latest contact (the quick form's default)."
    )
    referral_source = models.CharField(max_length=200, blank=True, help_text="Who referred or invited the person.")
    referred_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-referred_on"]
        indexes = [
            models.Index(fields=["care_partner", "phase"]),
            models.Index(fields=["person", "phase"]),
            models.Index(fields=["practice", "phase"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("referred_on")),
                name="episode_ends_after_referral",
            )
        ]

    def __str__(self) -> str:
        return f"Episode {self.pk} ({self.get_phase_display()})"

    @property
    def is_open(self) -> bool:
        return self.phase != Phase.ENDED


class CoverArrangement(models.Model):
    """While a Care Partner is absent (or has left), another covers their caseload."""

    absent = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="covered_by_arrangements")
    covering = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="covering_arrangements")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Blank while the cover is open-ended.")
    reason = models.CharField(max_length=200, blank=True)
    assigned_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        indexes = [models.Index(fields=["covering", "starts_on"])]

    def __str__(self) -> str:
        return f"{self.covering} covers {self.absent} from {self.starts_on}"


class SharedUnderstanding(models.Model):
    """The person's situation, strengths and what matters to them: agreed before goals."""

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="shared_understanding")
    situation = models.TextField(blank=True)
    strengths = models.TextField(blank=True)
    what_matters = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"Shared understanding for episode {self.episode_id}"


class LifeArea(models.TextChoices):
    PHYSICAL_HEALTH = "physical_health", "Physical health"
    MENTAL_HEALTH = "mental_health", "Mental health"
    SOCIAL = "social", "Social life"
    HOUSING = "housing", "Housing"
    MONEY = "money", "Money"
    WORK = "work", "Work or volunteering"
    EDUCATION = "education", "Education"
    RELATIONSHIPS = "relationships", "Relationships"
    LEISURE = "leisure", "Leisure"
    OTHER = "other", "Something else"


class Goal(models.Model):
    """A goal in the person's own words, agreed together, in any area of life."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Working on it"
        ACHIEVED = "achieved", "Achieved"
        CHANGED = "changed", "Changed"
        DROPPED = "dropped", "Dropped"

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="goals")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="goals")
    life_area = models.CharField(max_length=20, choices=LifeArea.choices)
    words = models.TextField(help_text="The goal in the person's own words.")
    steps = models.TextField(blank=True)
    who_helps = models.CharField(max_length=300, blank=True)
    agreed_on = models.DateField()
    review_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_changed_on = models.DateField(null=True, blank=True)
    replaced_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces")
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agreed_on", "pk"]
        indexes = [models.Index(fields=["episode", "status"]), models.Index(fields=["person", "status"])]

    def __str__(self) -> str:
        return self.words[:60]


class GoalRating(models.Model):
    """A 0-10 goal-based outcome rating by the person: at agreement and at each review."""

    class Kind(models.TextChoices):
        AGREEMENT = "agreement", "At agreement"
        REVIEW = "review", "Review"

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="ratings")
    rated_on = models.DateField()
    rating = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    contact = models.ForeignKey("care.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rated_on", "pk"]
        indexes = [models.Index(fields=["goal", "rated_on"])]
        constraints = [models.CheckConstraint(condition=models.Q(rating__lte=10), name="goal_rating_0_to_10")]

    def __str__(self) -> str:
        return f"{self.rating}/10 on {self.rated_on}"


class ContactMode(models.TextChoices):
    FACE_TO_FACE = "face_to_face", "Face to face"
    TELEPHONE = "telephone", "Telephone"
    VIDEO = "video", "Video"
    TEXT = "text", "Text message"


class ContactPlace(models.TextChoices):
    HOME = "home", "Their home"
    PRACTICE = "practice", "GP practice"
    COMMUNITY = "community", "In the community"
    OTHER = "other", "Elsewhere"


class Contact(models.Model):
    """A Care Partner contact with the person (or an attempt that did not reach them)."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="contacts")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="contacts")
    care_partner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="contacts")
    contact_on = models.DateField()
    mode = models.CharField(max_length=15, choices=ContactMode.choices)
    place = models.CharField(max_length=10, choices=ContactPlace.choices, blank=True)
    minutes = models.PositiveSmallIntegerField()
    reached = models.BooleanField(default=True, help_text="False for an attempt that did not reach the person.")
    goals_discussed = models.BooleanField(default=False)
    goals = models.ManyToManyField(Goal, blank=True, related_name="contacts")
    notes = models.TextField(blank=True)
    liaison_actions = models.TextField(blank=True)
    next_contact_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-contact_on", "-pk"]
        indexes = [
            models.Index(fields=["episode", "-contact_on"]),
            models.Index(fields=["person", "-contact_on"]),
            models.Index(fields=["care_partner", "-contact_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} on {self.contact_on}"


class RhythmChange(models.Model):
    """A change to the proactive contact rhythm, with who agreed and why."""

    class Direction(models.TextChoices):
        START = "start", "Starting rhythm"
        STEP_DOWN = "step_down", "Stepped down"
        STEP_UP = "step_up", "Stepped up"
        URGENT = "urgent", "Urgent step-up to secondary or crisis care"

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="rhythm_changes")
    changed_on = models.DateField()
    direction = models.CharField(max_length=10, choices=Direction.choices)
    from_interval_days = models.PositiveSmallIntegerField(null=True, blank=True)
    to_interval_days = models.PositiveSmallIntegerField()
    agreed_with = models.CharField(max_length=200, help_text="Who agreed, e.g. 'the person and their Care Partner'.")
    reason = models.TextField()
    recorded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} to every {self.to_interval_days} days"


class Service(models.Model):
    """The local directory of services a Care Partner liaises with and refers to."""

    class Kind(models.TextChoices):
        GP = "gp", "GP practice"
        SECONDARY_MH = "secondary_mh", "Secondary mental health"
        CRISIS = "crisis", "Crisis service"
        SOCIAL_CARE = "social_care", "Social care"
        VCSO = "vcso", "Voluntary or community organisation"
        SOCIAL_PRESCRIBING = "social_prescribing", "Social prescribing"
        COMMUNITY_CONNECTOR = "community_connector", "Community connector"
        PEER_SUPPORT = "peer_support", "Peer support"
        PSYCHOLOGICAL = "psychological", "Psychological therapies"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=25, choices=Kind.choices)
    organisation = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="services")
    area = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Referral(models.Model):
    """A referral or liaison request to a service, and what came of it."""

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        NO_RESPONSE = "no_response", "No response"
        COMPLETED = "completed", "Completed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="referrals")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="referrals")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="referrals")
    referred_on = models.DateField()
    reason = models.TextField()
    urgent = models.BooleanField(default=False)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.SENT)
    outcome = models.TextField(blank=True)
    outcome_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-referred_on", "-pk"]
        indexes = [models.Index(fields=["episode", "-referred_on"])]

    def __str__(self) -> str:
        return f"Referral to {self.service} on {self.referred_on}"


class Handover(models.Model):
    """A case moving from one Care Partner to another, with its history ('therapeutic fit' or cover)."""

    class Reason(models.TextChoices):
        PERSON_CHOICE = "person_choice", "The person asked for a different Care Partner"
        ABSENCE = "absence", "Care Partner absent"
        LEFT = "left", "Care Partner left"
        CASELOAD = "caseload", "Caseload balancing"
        OTHER = "other", "Other"

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="handovers")
    from_care_partner = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    to_care_partner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(blank=True)
    handed_over_on = models.DateField()
    recorded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-handed_over_on", "-pk"]

    def __str__(self) -> str:
        return f"Handover on {self.handed_over_on}"


class CarePartnerPost(models.Model):
    """A Care Partner in post at a practice over a period (fidelity: share of time with one in post)."""

    care_partner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="posts")
    practice = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="care_partner_posts"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["practice", "starts_on"]
        indexes = [models.Index(fields=["practice", "starts_on"])]

    def __str__(self) -> str:
        return f"{self.care_partner} at {self.practice} from {self.starts_on}"


class Absence(models.Model):
    """A period a Care Partner was away (illness, leave): counts against time in post."""

    care_partner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="absences")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return f"{self.care_partner} away from {self.starts_on}"


class PhaseChange(models.Model):
    """Each move of an episode between phases (the episode's own history), with who and why."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="phase_changes")
    changed_on = models.DateField()
    from_phase = models.CharField(max_length=20, choices=Phase.choices, blank=True)
    to_phase = models.CharField(max_length=20, choices=Phase.choices)
    reason = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_on", "-pk"]
        indexes = [models.Index(fields=["episode", "-changed_on"])]

    def __str__(self) -> str:
        return f"{self.from_phase or 'new'} -> {self.to_phase} on {self.changed_on}"


class GoalEvent(models.Model):
    """The history of a goal: agreed, changed in wording or plan, reviewed, achieved, changed or dropped."""

    class Kind(models.TextChoices):
        AGREED = "agreed", "Agreed"
        EDITED = "edited", "Plan updated"
        REVIEWED = "reviewed", "Reviewed"
        ACHIEVED = "achieved", "Achieved"
        CHANGED = "changed", "Changed to a new goal"
        DROPPED = "dropped", "Dropped"
        REOPENED = "reopened", "Working on it again"

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="events")
    on = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    note = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="Field -> [before, after] for edits.")
    recorded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "pk"]
        indexes = [models.Index(fields=["goal", "on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.on}"


class ContactReminder(models.Model):
    """A reminder of a planned contact sent to the person (opted in): at most one per date and channel."""

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        RECORDED = "recorded", "Recorded (GOV.UK Notify not configured)"
        FAILED = "failed", "Failed (will be retried)"

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="reminders")
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="contact_reminders")
    contact_on = models.DateField(help_text="The planned contact date the reminder is for.")
    channel = models.CharField(max_length=10, help_text="sms or email")
    status = models.CharField(max_length=10, choices=Status.choices)
    message_id = models.BigIntegerField(null=True, blank=True, help_text="common.OutboundMessage id.")
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-contact_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "contact_on", "channel"], name="one_reminder_per_contact_date")
        ]

    def __str__(self) -> str:
        return f"{self.channel} reminder for {self.contact_on} ({self.status})"
