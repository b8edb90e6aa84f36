"""Gathers fidelity records from the database and feeds the pure core (``partners.supervision.fidelity``).

    records = gather_records(start, end)                                # the whole system
    records = gather_records(start, end, care_partner_ids={7, 8})       # some Care Partners
    records = gather_records(start, end, practice_ids={3})              # some practices
    figures = fidelity(records, Unit.practice(3), start, end)

Six queries whatever the size (posts, absences, covers, episodes, contacts, goals), each reading only the
columns the core needs. Given both ``care_partner_ids`` and ``practice_ids``, episodes of either are read.
Aggregates only: no names, so the leaders' dashboard can call it (with disclosure control on its output).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from django.db.models import Min, Q

from partners.accounts.models import Role, User
from partners.care.models import Absence, CarePartnerPost, Contact, CoverArrangement, Episode, Goal
from partners.organisations.models import Organisation
from partners.supervision import fidelity as core


def _overlaps(start: date, end: date) -> Q:
    return Q(starts_on__lte=end) & (Q(ends_on__isnull=True) | Q(ends_on__gte=start))


def gather_records(start: date, end: date, *, care_partner_ids: Collection[int] | None = None,
                   practice_ids: Collection[int] | None = None) -> core.Records:
    everything = care_partner_ids is None and practice_ids is None
    cps = set(care_partner_ids or ())
    practices = set(practice_ids or ())

    posts_q = CarePartnerPost.objects.filter(starts_on__lte=end)
    if not everything:
        posts_q = posts_q.filter(Q(care_partner_id__in=cps) | Q(practice_id__in=practices))
    posts = [core.Post(*row) for row in posts_q.values_list("care_partner_id", "practice_id", "starts_on", "ends_on")]
    people_in_post = cps | {p.care_partner_id for p in posts}

    covers_q = CoverArrangement.objects.filter(_overlaps(start, end))
    if not everything:
        covers_q = covers_q.filter(absent_id__in=people_in_post)
    covers = [core.Cover(*row) for row in covers_q.values_list("absent_id", "covering_id", "starts_on", "ends_on")]

    absences_q = Absence.objects.filter(_overlaps(start, end))
    if not everything:
        absences_q = absences_q.filter(care_partner_id__in=people_in_post | {c.covering_id for c in covers})
    absences = [core.Absence(*row) for row in absences_q.values_list("care_partner_id", "starts_on", "ends_on")]

    episodes_q = Episode.objects.filter(referred_on__lte=end).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
    if not everything:
        episodes_q = episodes_q.filter(Q(care_partner_id__in=cps) | Q(practice_id__in=practices))
    episodes = [core.Episode(*row) for row in episodes_q.values_list(
        "id", "person_id", "practice_id", "care_partner_id", "referred_on", "ended_on")]

    contacts_q = Contact.objects.filter(contact_on__gte=start, contact_on__lte=end, reached=True)
    if not everything:
        contacts_q = contacts_q.filter(episode__in=episodes_q.values("id"))
    contacts = [core.Contact(*row) for row in contacts_q.values_list(
        "episode_id", "contact_on", "minutes", "mode", "goals_discussed")]

    goals_q = Goal.objects.filter(agreed_on__lte=end)
    if not everything:
        goals_q = goals_q.filter(episode__in=episodes_q.values("id"))
    goals = [core.Goal(episode_id, first) for episode_id, first in
             goals_q.values("episode_id").annotate(first=Min("agreed_on")).values_list("episode_id", "first")]
    return core.Records(posts, absences, covers, episodes, contacts, goals)


@dataclass
class Row:
    id: int | None
    label: str
    figures: core.Figures


@dataclass
class TeamFidelity:
    start: date
    end: date
    care_partners: list[Row]
    team: Row
    practices: list[Row]
    system: Row
    months: list[core.Figures]


def team_fidelity(supervisor: User, start: date, end: date) -> TeamFidelity:
    """Fidelity for a supervisor's team: each supervisee, the team, their practices, and the system."""
    supervisees = list(User.objects.filter(supervisor=supervisor, role=Role.CARE_PARTNER, is_active=True)
                       .order_by("last_name", "first_name", "pk"))
    records = gather_records(start, end)
    cp_ids = [u.pk for u in supervisees]
    practice_ids = sorted({p.practice_id for p in records.posts if p.care_partner_id in cp_ids
                           and (p.ends_on is None or p.ends_on >= start)})
    names = dict(Organisation.objects.filter(pk__in=practice_ids).values_list("pk", "name"))
    cp_rows = [Row(u.pk, str(u), core.fidelity(records, core.Unit.care_partner(u.pk, label=str(u)), start, end))
               for u in supervisees]
    team_unit = core.Unit.care_partner(*cp_ids, label="The team")
    practice_rows = [Row(pid, names.get(pid, str(pid)),
                         core.fidelity(records, core.Unit.practice(pid, label=names.get(pid, "")), start, end))
                     for pid in sorted(practice_ids, key=lambda p: names.get(p, ""))]
    return TeamFidelity(
        start=start, end=end, care_partners=cp_rows,
        team=Row(None, "The team", core.fidelity(records, team_unit, start, end)),
        practices=practice_rows,
        system=Row(None, "Whole system", core.fidelity(records, core.Unit.system(), start, end)),
        months=core.monthly(records, team_unit, start, end),
    )
