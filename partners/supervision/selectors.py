"""Reads for supervision: the caseload review across supervisees, one supervisee, one Care Partner's own.

The review runs a fixed number of queries whatever the number of supervisees, people or history length
(asserted in tests; measured in bench/supervision.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet, Subquery

from partners.accounts.models import Role, User
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record_people
from partners.care.models import OPEN_PHASES, Absence, CarePartnerPost, CoverArrangement, Episode
from partners.supervision.config import flag_config, max_days_without_supervision
from partners.supervision.flagrules import FLAG_LABELS, FLAG_ORDER, NEVER_CONTACTED, OVERDUE_CONTACT, Flag
from partners.supervision.flagrules import days_without_supervision as _days_without
from partners.supervision.flags import flags_for_episodes
from partners.supervision.models import SupervisionAction, SupervisionSession, TrainingKind, TrainingRecord


@dataclass
class CaseRow:
    episode: Episode
    flags: list[Flag]


@dataclass
class SuperviseeReview:
    user: User
    open_count: int = 0
    cases: list[CaseRow] = field(default_factory=list)  # flagged cases, most flags first
    flag_counts: dict[str, int] = field(default_factory=dict)
    last_session_on: date | None = None
    days_without_supervision: int | None = None
    supervision_overdue: bool = False
    working_since: date | None = None
    in_post: bool = False
    initial_training_on: date | None = None
    last_top_up_on: date | None = None
    absence: Absence | None = None
    covered_by: list[User] = field(default_factory=list)
    covering_for: list[User] = field(default_factory=list)
    open_actions: list[SupervisionAction] = field(default_factory=list)

    @property
    def flagged_count(self) -> int:
        return len(self.cases)

    @property
    def overdue_count(self) -> int:
        return self.flag_counts.get(OVERDUE_CONTACT, 0)

    @property
    def never_contacted_count(self) -> int:
        return self.flag_counts.get(NEVER_CONTACTED, 0)


def _on(today: date) -> Q:
    return Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))


def supervisee_queryset(supervisor: User, today: date) -> QuerySet[User]:
    """The supervisor's Care Partners with their last session, first post, training and whether in post."""
    sessions = SupervisionSession.objects.filter(supervisee=OuterRef("pk")).order_by("-held_on")
    posts = CarePartnerPost.objects.filter(care_partner=OuterRef("pk"))
    training = TrainingRecord.objects.filter(user=OuterRef("pk")).order_by("-completed_on")
    return (
        User.objects.filter(supervisor=supervisor, role=Role.CARE_PARTNER, is_active=True)
        .annotate(
            last_session_on=Subquery(sessions.values("held_on")[:1]),
            working_since=Subquery(posts.order_by("starts_on").values("starts_on")[:1]),
            in_post=Exists(posts.filter(_on(today))),
            initial_training_on=Subquery(training.filter(kind=TrainingKind.INITIAL).values("completed_on")[:1]),
            last_top_up_on=Subquery(training.filter(kind=TrainingKind.TOP_UP).values("completed_on")[:1]),
        )
        .order_by("last_name", "first_name", "pk")
    )


def _open_actions(supervisee_ids: Sequence[int], today: date) -> dict[int, list[SupervisionAction]]:
    by_supervisee: dict[int, list[SupervisionAction]] = defaultdict(list)
    actions = (
        SupervisionAction.objects.filter(session__supervisee_id__in=supervisee_ids, completed_on__isnull=True)
        .select_related("owner", "episode__person", "session").order_by("due_on", "pk")
    )
    for action in actions:
        action.is_overdue = action.due_on < today  # type: ignore[attr-defined]
        by_supervisee[action.session.supervisee_id].append(action)
    return by_supervisee


def review(*, actor: Actor, today: date, supervisee_id: int | None = None) -> list[SuperviseeReview]:
    """Each supervisee's caseload with its flags, supervision, training, availability and open actions."""
    supervisees = supervisee_queryset(actor.user, today)
    if supervisee_id is not None:
        supervisees = supervisees.filter(pk=supervisee_id)
    reviews = {u.pk: SuperviseeReview(
        user=u, last_session_on=u.last_session_on, working_since=u.working_since,  # type: ignore[attr-defined]
        in_post=u.in_post, initial_training_on=u.initial_training_on,  # type: ignore[attr-defined]
        last_top_up_on=u.last_top_up_on,  # type: ignore[attr-defined]
    ) for u in supervisees}
    ids = list(reviews)
    if not ids:
        return []
    episodes = list(
        Episode.objects.filter(care_partner_id__in=ids, phase__in=OPEN_PHASES)
        .select_related("person", "practice").order_by("person__family_name", "person__given_name", "pk")
    )
    flags = flags_for_episodes(episodes, today, config=flag_config())
    for episode in episodes:
        r = reviews[episode.care_partner_id]  # type: ignore[index]
        r.open_count += 1
        episode_flags = flags[episode.pk]
        if episode_flags:
            r.cases.append(CaseRow(episode, episode_flags))
            for f in episode_flags:
                r.flag_counts[f.code] = r.flag_counts.get(f.code, 0) + 1
    for r in reviews.values():
        r.cases.sort(key=lambda c: (min(FLAG_ORDER.index(f.code) for f in c.flags), -len(c.flags)))
    for supervisee, actions in _open_actions(ids, today).items():
        reviews[supervisee].open_actions = actions
    for absence in Absence.objects.filter(_on(today), care_partner_id__in=ids).order_by("starts_on"):
        reviews[absence.care_partner_id].absence = absence
    covers = CoverArrangement.objects.filter(_on(today)).filter(Q(absent_id__in=ids) | Q(covering_id__in=ids))
    for cover in covers.select_related("absent", "covering"):
        if cover.absent_id in reviews:
            reviews[cover.absent_id].covered_by.append(cover.covering)
        if cover.covering_id in reviews:
            reviews[cover.covering_id].covering_for.append(cover.absent)
    limit = max_days_without_supervision()
    for r in reviews.values():
        r.days_without_supervision = _days_without(r.last_session_on, r.working_since, today)
        working = r.in_post or r.open_count > 0
        r.supervision_overdue = working and (
            r.days_without_supervision is None or r.days_without_supervision > limit)
    audit_record_people(actor=actor, action=Action.LIST, person_ids=[c.episode.person_id for r in reviews.values()
                                                                       for c in r.cases],
                        detail={"view": "caseload review"})
    return list(reviews.values())


def flag_summary(reviews: Sequence[SuperviseeReview]) -> list[tuple[str, str, int]]:
    """(code, label, count) across every supervisee, in display order, for flags that occur."""
    totals: dict[str, int] = defaultdict(int)
    for r in reviews:
        for code, n in r.flag_counts.items():
            totals[code] += n
    return [(code, FLAG_LABELS[code], totals[code]) for code in FLAG_ORDER if totals.get(code)]


def sessions_for(supervisee: User, limit: int = 20) -> list[SupervisionSession]:
    """A supervisee's latest sessions with the cases discussed and the actions agreed (three queries)."""
    return list(
        SupervisionSession.objects.filter(supervisee=supervisee)
        .select_related("supervisor")
        .prefetch_related("cases__person", "actions__owner", "actions__episode__person")
        .order_by("-held_on", "-pk")[:limit]
    )


def training_for(users: Sequence[User]) -> dict[int, list[TrainingRecord]]:
    by_user: dict[int, list[TrainingRecord]] = {u.pk: [] for u in users}
    for record in TrainingRecord.objects.filter(user__in=users).order_by("-completed_on", "-pk"):
        by_user[record.user_id].append(record)
    return by_user


def my_open_actions(user: User, today: date) -> list[SupervisionAction]:
    actions = list(SupervisionAction.objects.filter(owner=user, completed_on__isnull=True)
                   .select_related("episode__person", "session__supervisor").order_by("due_on", "pk"))
    for action in actions:
        action.is_overdue = action.due_on < today  # type: ignore[attr-defined]
    return actions


def my_supervision(user: User, today: date) -> dict[str, object]:
    """A Care Partner's own supervision: sessions, open actions, training, and the gap warning."""
    agg = SupervisionSession.objects.filter(supervisee=user).aggregate(last=Max("held_on"))
    first_post = CarePartnerPost.objects.filter(care_partner=user).aggregate(first=Min("starts_on"))["first"]
    days = _days_without(agg["last"], first_post, today)
    limit = max_days_without_supervision()
    return {
        "sessions": sessions_for(user, limit=12),
        "actions": my_open_actions(user, today),
        "training": training_for([user])[user.pk],
        "last_session_on": agg["last"],
        "days_without": days,
        "overdue": days is None or days > limit,
        "limit": limit,
    }
