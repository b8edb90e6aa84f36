"""Reads for care delivery, scoped to the caller and audited, in a fixed number of queries.

- ``caseload_rows``: the caller's caseload (their own and any they cover today), with goals, latest MANSA
  and direction, contact status and flags: 4 queries whatever the caseload size (episodes with counts,
  MANSA scores, cover lookup, one audit insert).
- ``person_care``: everything the person page shows about care, in a fixed number of queries whatever
  the history length.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from partners.accounts.models import Role, User
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record, audit_record_people
from partners.care import rhythm
from partners.care.models import (
    OPEN_PHASES,
    Absence,
    CarePartnerPost,
    Contact,
    CoverArrangement,
    Episode,
    Goal,
    GoalEvent,
    GoalRating,
    Handover,
    Phase,
    PhaseChange,
    Referral,
    RhythmChange,
    Service,
)
from partners.common.bundle import Load, bundle
from partners.measures.selectors import latest_scores_for_people
from partners.registry.models import Person
from partners.registry.scope import caseload_owner_ids, visible_people
from partners.supervision.flagrules import OVERDUE_CONTACT, Flag
from partners.supervision.flags import flags_for_episodes

# Roles that see the whole care record (contacts, notes, shared understanding); practice staff see the
# plan, goals and referrals of their patients (screens.md).
CARE_RECORD_ROLES = (Role.CARE_PARTNER, Role.SUPERVISOR, Role.ADMINISTRATOR)
TIMELINE_LIMIT = 30
PHASE_ORDER = {p: i for i, p in enumerate(Phase.values)}


def _count(queryset: QuerySet[Any]) -> Coalesce:
    return Coalesce(Subquery(queryset.values("episode").annotate(n=Count("pk", distinct=True)).values("n")[:1],
                             output_field=IntegerField()), Value(0))


def caseload_episodes(*, actor: Actor) -> QuerySet[Episode]:
    """Open episodes on the caller's caseload and on any caseload they are covering today."""
    goals = Goal.objects.filter(episode=OuterRef("pk")).exclude(status=Goal.Status.CHANGED)
    return (
        Episode.objects.filter(care_partner_id__in=caseload_owner_ids(actor.user), phase__in=OPEN_PHASES)
        .select_related("person", "person__practice", "care_partner")
        .annotate(
            goals_agreed=_count(goals),
            goals_reviewed=_count(goals.filter(ratings__kind=GoalRating.Kind.REVIEW)),
        )
    )


@dataclass
class CaseloadRow:
    episode: Episode
    person: Person
    age: int
    status: str  # overdue, due, ok, unplanned, invited
    flags: list[Flag]
    mansa: float | None
    mansa_previous: float | None
    mansa_direction: str
    covering_for: User | None = None

    @property
    def flag_codes(self) -> list[str]:
        return [f.code for f in self.flags]

    @property
    def shown_flags(self) -> list[Flag]:
        """The flags column leaves out an overdue contact: the next contact column already shows it in red."""
        return [f for f in self.flags if f.code != OVERDUE_CONTACT]


@dataclass
class Caseload:
    rows: list[CaseloadRow]
    total: int
    invited: list[CaseloadRow]
    counts: dict[str, int] = field(default_factory=dict)


SORTS: dict[str, Any] = {
    "name": lambda r: (r.person.family_name.lower(), r.person.given_name.lower()),
    "age": lambda r: r.age,
    "practice": lambda r: r.person.practice.name,
    "phase": lambda r: PHASE_ORDER.get(r.episode.phase, 0),
    "next": lambda r: (r.episode.next_contact_on is None, r.episode.next_contact_on or date.max),
    "last": lambda r: (r.episode.last_contact_on is None, r.episode.last_contact_on or date.min),
    "goals": lambda r: (r.episode.goals_agreed, r.episode.goals_reviewed),
    "mansa": lambda r: (r.mansa is None, r.mansa or 0.0),
    "flags": lambda r: -len(r.flags),
}


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def caseload_rows(*, actor: Actor, phase: str = "", status: str = "", flag: str = "", sort: str = "next",
                  search: str = "") -> Caseload:
    """The caller's caseload, filtered and sorted in memory (a caseload is tens of people, not thousands)."""
    today = timezone.localdate()
    episodes = list(caseload_episodes(actor=actor))
    scores = latest_scores_for_people([e.person_id for e in episodes], "mansa")
    # One set of flag rules for the caseload and the supervisor's review (supervision.flags).
    flags = flags_for_episodes(episodes, today)
    rows: list[CaseloadRow] = []
    for episode in episodes:
        score = scores.get(episode.person_id)
        latest, previous = (score.latest, score.previous) if score else (None, None)
        rows.append(CaseloadRow(
            episode=episode, person=episode.person, age=_age(episode.person.date_of_birth, today),
            status="invited" if episode.phase == Phase.INVITED else rhythm.contact_status(episode.next_contact_on,
                                                                                           today),
            flags=flags.get(episode.pk, []), mansa=latest, mansa_previous=previous,
            mansa_direction=(score.direction or "") if score else "",
            covering_for=episode.care_partner if episode.care_partner_id != actor.user.pk else None,
        ))
    audit_record_people(actor=actor, action=Action.LIST, person_ids=[r.person.pk for r in rows],
                        detail={"view": "caseload"})
    invited = [r for r in rows if r.status == "invited"]
    working = [r for r in rows if r.status != "invited"]
    counts = {
        "overdue": sum(r.status == "overdue" for r in working),
        "due": sum(r.status == "due" for r in working),
        "flagged": sum(bool(r.flags) for r in working),
    }
    shown = working
    if phase:
        shown = [r for r in shown if r.episode.phase == phase]
    if status:
        shown = [r for r in shown if r.status == status]
    if flag:
        shown = [r for r in shown if flag in r.flag_codes]
    if search:
        needle = search.lower()
        shown = [r for r in shown if needle in r.person.full_name.lower()]
    key = sort.lstrip("-")
    shown.sort(key=SORTS.get(key, SORTS["next"]), reverse=sort.startswith("-"))
    return Caseload(rows=shown, total=len(working), invited=invited, counts=counts)


# The person page --------------------------------------------------------------------------------------------

@dataclass
class GoalView:
    goal: Goal
    ratings: list[GoalRating]
    events: list[Any]

    @property
    def first_rating(self) -> int | None:
        return self.ratings[0].rating if self.ratings else None

    @property
    def latest_rating(self) -> int | None:
        return self.ratings[-1].rating if self.ratings else None

    @property
    def change(self) -> int | None:
        if len(self.ratings) < 2:
            return None
        return self.ratings[-1].rating - self.ratings[0].rating


@dataclass
class TimelineEntry:
    on: date
    kind: str  # contact, rhythm, referral, handover, phase
    item: Any
    order: int = 0


@dataclass
class PersonCare:
    person: Person
    episode: Episode | None
    can_work: bool
    sees_record: bool
    goals: list[GoalView] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    contact_count: int = 0
    timeline: list[TimelineEntry] = field(default_factory=list)
    rhythm_changes: list[RhythmChange] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    handovers: list[Handover] = field(default_factory=list)
    phase_changes: list[PhaseChange] = field(default_factory=list)
    covers: list[CoverArrangement] = field(default_factory=list)
    today: date = field(default_factory=timezone.localdate)

    @property
    def status(self) -> str:
        if self.episode is None or self.episode.phase == Phase.ENDED:
            return ""
        if self.episode.phase == Phase.INVITED:
            return "invited"
        return rhythm.contact_status(self.episode.next_contact_on, self.today)

    @property
    def active_goals(self) -> list[GoalView]:
        return [g for g in self.goals if g.goal.status == Goal.Status.ACTIVE]

    @property
    def past_goals(self) -> list[GoalView]:
        return [g for g in self.goals if g.goal.status != Goal.Status.ACTIVE]

    @property
    def interval_label(self) -> str:
        return rhythm.interval_label(self.episode.contact_interval_days) if self.episode else ""


def _latest_episode(person: Person) -> Episode | None:
    return (Episode.objects.filter(person=person)
            .select_related("care_partner", "shared_understanding", "shared_understanding__updated_by")
            .annotate(open_first=Case(When(phase=Phase.ENDED, then=Value(1)), default=Value(0)))
            .order_by("open_first", "-referred_on", "-pk")  # an open episode first, then the most recent
            .first())


def person_episodes(person: Person) -> list[Episode]:
    """Every episode of the person, newest first, with what the person page shows of each (one query)."""
    return list(Episode.objects.filter(person=person)
                .select_related("care_partner", "shared_understanding", "shared_understanding__updated_by",
                                "measurement_plan")
                .order_by("-referred_on", "-pk"))


def care_loads(episode: Episode, *, sees_record: bool, timeline_limit: int | None = TIMELINE_LIMIT,
               today: date | None = None) -> dict[str, Load]:
    """What ``person_care`` reads about an episode, as ``common.bundle`` loads (one query for all of them);
    the person page adds them to its shared preload (``registry.sections``)."""
    today = today or timezone.localdate()
    loads = {
        "care.goals": Load(Goal.objects.filter(episode=episode).order_by("agreed_on", "pk"), related=("replaced_by",)),
        "care.ratings": Load(GoalRating.objects.filter(goal__episode=episode).order_by("rated_on", "pk")),
        "care.goal_events": Load(GoalEvent.objects.filter(goal__episode=episode).order_by("on", "pk")),
        "care.referrals": Load(Referral.objects.filter(episode=episode).order_by("-referred_on", "-pk"),
                               related=("service",)),
    }
    if sees_record and timeline_limit != 0:  # the care forms ask for no timeline (0): skip its reads
        contacts = Contact.objects.filter(episode=episode).order_by("-contact_on", "-pk")
        shown = contacts[:timeline_limit] if timeline_limit is not None else contacts
        through: Any = Contact.goals.through
        loads.update({
            "care.contacts": Load(shown, related=("care_partner",)),
            "care.contact_count": Load(Contact.objects.filter(episode=episode), count=True),
            "care.discussed": Load(through.objects.filter(contact__in=shown.values("pk")).order_by("pk")),
            "care.rhythm": Load(RhythmChange.objects.filter(episode=episode), related=("recorded_by",)),
            "care.handovers": Load(Handover.objects.filter(episode=episode),
                                   related=("from_care_partner", "to_care_partner")),
            "care.phases": Load(PhaseChange.objects.filter(episode=episode)),
        })
        if episode.care_partner_id:
            loads["care.covers"] = Load(
                CoverArrangement.objects.filter(absent_id=episode.care_partner_id)
                .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today)).order_by("starts_on"),
                related=("covering",))
    return loads


def person_care(actor: Actor, person: Person, *, timeline_limit: int | None = TIMELINE_LIMIT,
                episode: Episode | bool | None = False, loaded: dict[str, Any] | None = None) -> PersonCare:
    """The care record for the person page; the person has already been fetched in scope and audited.

    Two queries whatever the history: the episode (unless given) and one ``common.bundle`` of the rest
    (none when ``loaded`` already holds ``care_loads``' results, as on the person page). Cached on the
    person object, so the page's several care sections share it."""
    cache_key = f"_care_{timeline_limit}"
    cached = getattr(person, cache_key, None)
    if cached is not None:
        return cached
    user = actor.user
    if episode is False:
        episode = _latest_episode(person)
    assert not isinstance(episode, bool)
    sees_record = user.role in CARE_RECORD_ROLES
    can_work = bool(episode and episode.is_open and user.role == Role.CARE_PARTNER
                    and (episode.care_partner_id == user.pk or episode.care_partner_id in caseload_owner_ids(user)))
    care = PersonCare(person=person, episode=episode, can_work=can_work, sees_record=sees_record)
    if episode is not None:
        loads = care_loads(episode, sees_record=sees_record, timeline_limit=timeline_limit, today=care.today)
        if loaded is None or not all(key in loaded for key in loads):
            loaded = bundle(loads)
        goals: list[Goal] = loaded["care.goals"]
        ratings: dict[int, list[GoalRating]] = {}
        for rating in loaded["care.ratings"]:
            ratings.setdefault(rating.goal_id, []).append(rating)
        events: dict[int, list[GoalEvent]] = {}
        for event in loaded["care.goal_events"]:
            events.setdefault(event.goal_id, []).append(event)
        care.goals = [GoalView(goal=g, ratings=ratings.get(g.pk, []), events=events.get(g.pk, [])) for g in goals]
        care.referrals = loaded["care.referrals"]
        if "care.contacts" in loads:
            care.contact_count = loaded["care.contact_count"]
            care.contacts = loaded["care.contacts"]
            words = {g.pk: g.words for g in goals}
            discussed: dict[int, list[str]] = {}
            for link in loaded["care.discussed"]:
                discussed.setdefault(link.contact_id, []).append(words.get(link.goal_id, ""))
            for contact in care.contacts:
                contact.discussed = discussed.get(contact.pk, [])  # type: ignore[attr-defined]
            care.rhythm_changes = loaded["care.rhythm"]
            care.handovers = loaded["care.handovers"]
            care.phase_changes = loaded["care.phases"]
            care.covers = loaded.get("care.covers", [])
            care.timeline = _timeline(care, timeline_limit)
    setattr(person, cache_key, care)
    return care


def _timeline(care: PersonCare, limit: int | None) -> list[TimelineEntry]:
    entries = [TimelineEntry(c.contact_on, "contact", c, c.pk) for c in care.contacts]
    oldest_contact = care.contacts[-1].contact_on if care.contacts and limit and care.contact_count > limit else None
    for change in care.rhythm_changes:
        entries.append(TimelineEntry(change.changed_on, "rhythm", change, change.pk))
    for referral in care.referrals:
        entries.append(TimelineEntry(referral.referred_on, "referral", referral, referral.pk))
    for handover in care.handovers:
        entries.append(TimelineEntry(handover.handed_over_on, "handover", handover, handover.pk))
    for phase_change in care.phase_changes:
        entries.append(TimelineEntry(phase_change.changed_on, "phase", phase_change, phase_change.pk))
    if oldest_contact is not None:  # the page shows the recent part; the history page shows it all
        entries = [e for e in entries if e.on >= oldest_contact]
    entries.sort(key=lambda e: (e.on, e.kind == "contact", e.order), reverse=True)
    return entries


def person_care_history(*, actor: Actor, person_id: int) -> PersonCare:
    """The whole care history of one person (the 'full history' page)."""
    from partners.registry.selectors import service_user_get

    person = service_user_get(actor=actor, person_id=person_id)
    if actor.user.role not in CARE_RECORD_ROLES:
        raise Http404("Not available for this role.")
    return person_care(actor, person, timeline_limit=None)


def person_for_work(*, actor: Actor, person_id: int) -> tuple[Person, PersonCare]:
    """A person on the caller's caseload, for a care form (404 when they cannot work on it)."""
    from partners.registry.selectors import service_user_get

    person = service_user_get(actor=actor, person_id=person_id)
    care = person_care(actor, person, timeline_limit=0)
    if not care.can_work:
        raise Http404("Not on your caseload.")
    return person, care


# API lists --------------------------------------------------------------------------------------------------

def _person_in_scope(actor: Actor, person_id: int, *, record: bool = False) -> Person:
    person = visible_people(actor.user).filter(pk=person_id).first()
    if person is None or (record and actor.user.role not in CARE_RECORD_ROLES):
        raise Http404("No such person.")
    return person


def goal_list(*, actor: Actor, person_id: int) -> list[Goal]:
    person = _person_in_scope(actor, person_id)
    ratings = Prefetch("ratings", queryset=GoalRating.objects.order_by("rated_on", "pk"))
    goals = list(Goal.objects.filter(person=person).prefetch_related(ratings).order_by("agreed_on", "pk"))
    audit_record(actor=actor, action=Action.VIEW, person_id=person.pk, object_type="goal",
                 detail={"count": len(goals)})
    return goals


def contact_list(*, actor: Actor, person_id: int, limit: int = 100, offset: int = 0) -> list[Contact]:
    person = _person_in_scope(actor, person_id, record=True)
    contacts = list(Contact.objects.filter(person=person).prefetch_related(
        Prefetch("goals", queryset=Goal.objects.only("pk", "episode_id"))).order_by("-contact_on", "-pk")
        [offset:offset + limit])
    audit_record(actor=actor, action=Action.VIEW, person_id=person.pk, object_type="contact",
                 detail={"count": len(contacts)})
    return contacts


def episode_list(*, actor: Actor, person_id: int) -> list[Episode]:
    person = _person_in_scope(actor, person_id)
    episodes = list(Episode.objects.filter(person=person).select_related("practice").order_by("-referred_on", "-pk"))
    audit_record(actor=actor, action=Action.VIEW, person_id=person.pk, object_type="episode")
    return episodes


def rhythm_list(*, actor: Actor, person_id: int) -> list[RhythmChange]:
    person = _person_in_scope(actor, person_id, record=True)
    changes = list(RhythmChange.objects.filter(episode__person=person).order_by("-changed_on", "-pk"))
    audit_record(actor=actor, action=Action.VIEW, person_id=person.pk, object_type="rhythm_change")
    return changes


def referral_list(*, actor: Actor, person_id: int) -> list[Referral]:
    person = _person_in_scope(actor, person_id)
    referrals = list(Referral.objects.filter(person=person).select_related("service")
                     .order_by("-referred_on", "-pk"))
    audit_record(actor=actor, action=Action.VIEW, person_id=person.pk, object_type="referral")
    return referrals


# The directory and cover ------------------------------------------------------------------------------------

def service_directory(*, kind: str = "", search: str = "", include_inactive: bool = False) -> list[Service]:
    services = Service.objects.all() if include_inactive else Service.objects.filter(is_active=True)
    if kind:
        services = services.filter(kind=kind)
    if search:
        services = services.filter(Q(name__icontains=search) | Q(area__icontains=search)
                                   | Q(description__icontains=search))
    return list(services.order_by("kind", "name"))


@dataclass
class CoverOverview:
    supervisees: list[User]
    absences: list[Absence]
    covers: list[CoverArrangement]
    posts: list[CarePartnerPost]
    availability: list[dict[str, Any]]
    period: tuple[date, date]


def cover_overview(*, actor: Actor, start: date | None = None, end: date | None = None) -> CoverOverview:
    """For a supervisor: their supervisees' absences, cover and posts, and each practice's share of the
    period with a Care Partner present (default: the last 12 months), by the fidelity core's rule."""
    from partners.supervision import fidelity

    user = actor.user
    today = timezone.localdate()
    end = end or today
    start = start or rhythm.add_months(end, -12) + timedelta(days=1)
    team = User.objects.filter(role=Role.CARE_PARTNER)
    if user.role == Role.SUPERVISOR:
        team = team.filter(supervisor=user)
    supervisees = list(team.order_by("last_name", "first_name"))
    ids = [u.pk for u in supervisees]
    absences = list(Absence.objects.filter(care_partner_id__in=ids).select_related("care_partner")
                    .order_by("-starts_on"))
    covers = list(CoverArrangement.objects.filter(absent_id__in=ids).select_related("absent", "covering")
                  .order_by("-starts_on"))
    posts = list(CarePartnerPost.objects.filter(care_partner_id__in=ids).select_related("care_partner", "practice")
                 .order_by("practice__name", "starts_on"))
    records = fidelity.Records(
        posts=[fidelity.Post(p.care_partner_id, p.practice_id, p.starts_on, p.ends_on) for p in posts],
        absences=[fidelity.Absence(a.care_partner_id, a.starts_on, a.ends_on) for a in absences],
        covers=[fidelity.Cover(c.absent_id, c.covering_id, c.starts_on, c.ends_on) for c in covers],
    )
    practices = {p.practice_id: p.practice for p in posts}
    figures = fidelity.availability_by_member(records, fidelity.Unit.practice(*practices), start, end)
    availability = [
        {"practice": practice, "figures": figures[pk],
         "below_threshold": (figures[pk].share or 0.0) < fidelity.IN_POST_THRESHOLD}
        for pk, practice in sorted(practices.items(), key=lambda item: item[1].name)
    ]
    return CoverOverview(supervisees=supervisees, absences=absences, covers=covers, posts=posts,
                         availability=availability, period=(start, end))
