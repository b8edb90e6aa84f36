from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    CARE_PARTNER = "care_partner", "Care Partner"
    SUPERVISOR = "supervisor", "Supervisor"
    PRACTICE_STAFF = "practice_staff", "Practice staff"
    SYSTEM_LEADER = "system_leader", "System leader"
    RESEARCHER = "researcher", "Researcher"
    ADMINISTRATOR = "administrator", "Administrator"


# National RBAC job roles (NHS CIS2) that map onto platform roles where one exists.
NATIONAL_RBAC_ROLES: dict[str, str] = {
    "R8000": Role.PRACTICE_STAFF,  # Clinical Practitioner Access Role
    "R8003": Role.PRACTICE_STAFF,  # Health Professional Access Role
    "R8001": Role.CARE_PARTNER,  # Nurse Access Role
    "R8008": Role.ADMINISTRATOR,  # Admin/Clinical Support Access Role
}


class User(AbstractUser):
    """A member of staff. A service user is never an account: they use single-use links."""

    role = models.CharField(max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="staff",
        help_text="Practice staff: their practice. Leaders: the ICS, PCN or trust whose figures they see.",
    )
    team = models.ForeignKey(
        "organisations.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    supervisor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supervisees",
        limit_choices_to={"role": Role.SUPERVISOR},
    )
    job_title = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    is_demo = models.BooleanField(
        default=False, help_text="Synthetic demo account: may skip two-factor sign-in outside production."
    )
    must_change_password = models.BooleanField(
        default=False, help_text="Set for a new account's temporary password: changed at first sign-in."
    )
    cis2_uid = models.CharField("NHS CIS2 user id", max_length=64, unique=True, null=True, blank=True)
    national_rbac_role = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_care_partner(self) -> bool:
        return self.role == Role.CARE_PARTNER

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR


class ApiToken(models.Model):
    """A bearer token for the API. Only a hash is stored; the token is shown once when created."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}... ({self.user})"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
