"""Who may see whose record: the legitimate relationship (nhs-standards.md), as one queryset.

- Care Partner: people with an open episode on their caseload, or on the caseload of someone they
  are covering today (recently ended episodes stay visible for a short while for the hand-back).
- Supervisor: people on their supervisees' caseloads.
- Practice staff: people registered at their practice.
- Administrator: only people they hold an unexpired break-glass grant for.
- System leader, researcher: nobody (aggregates and pseudonymised extracts only).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from partners.accounts.models import Role
from partners.registry.models import Person

if TYPE_CHECKING:
    from partners.accounts.models import User

ENDED_VISIBLE_DAYS = 90


def _live_episodes() -> Q:
    from partners.care.models import Phase

    cutoff = timezone.localdate() - timedelta(days=ENDED_VISIBLE_DAYS)
    return ~Q(phase=Phase.ENDED) | Q(ended_on__gte=cutoff)


def covered_care_partner_ids(user: User) -> list[int]:
    """The Care Partners whose caseloads ``user`` is covering today."""
    from partners.care.models import CoverArrangement

    today = timezone.localdate()
    return list(
        CoverArrangement.objects.filter(covering=user, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .values_list("absent_id", flat=True)
    )


def caseload_owner_ids(user: User) -> list[int]:
    """Care Partners whose caseload ``user`` may work on: themselves and whoever they cover."""
    return [user.pk, *covered_care_partner_ids(user)]


def visible_people(user: User) -> QuerySet[Person]:
    from partners.care.models import Episode

    people = Person.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return people.none()
    role = user.role
    if role == Role.CARE_PARTNER:
        # The owners as a list read first (one small query): "care_partner_id IN (...)" lets PostgreSQL use
        # the (care_partner, phase) index, which an OR with a subquery does not (a 600,000-person seq scan).
        episodes = Episode.objects.filter(_live_episodes(), person=OuterRef("pk"),
                                          care_partner_id__in=caseload_owner_ids(user))
        return people.filter(Exists(episodes))
    if role == Role.SUPERVISOR:
        episodes = Episode.objects.filter(_live_episodes(), person=OuterRef("pk"),
                                          care_partner__supervisor=user)
        return people.filter(Exists(episodes))
    if role == Role.PRACTICE_STAFF:
        if user.organisation_id is None:
            return people.none()
        return people.filter(practice_id=user.organisation_id)
    if role == Role.ADMINISTRATOR:
        from partners.audit.models import BreakGlassAccess

        grants = BreakGlassAccess.objects.filter(user=user, person=OuterRef("pk"), expires_at__gt=timezone.now())
        return people.filter(Exists(grants))
    return people.none()


def can_see_person(user: User, person_id: int) -> bool:
    return visible_people(user).filter(pk=person_id).exists()
