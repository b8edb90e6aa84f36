"""Fidelity of PARTNERS delivery, as the trial reported it, from plain records over a date range.

No Django here: ``partners.supervision.fidelity_selectors`` gathers the records (for a Care Partner, a
practice or the whole system) and calls :func:`fidelity`; the leaders' dashboard and the command line can
call it the same way. All dates are inclusive; a range of ``start`` to ``end`` has ``end - start + 1`` days.

Definitions
-----------
Units. A unit is one or more Care Partners (``care_partner``), one or more practices (``practice``) or the
whole system (``system``). Its *people* are the distinct people with an episode of the unit (the episode's
current Care Partner, or the episode's practice) that overlaps the range (referred on or before ``end``,
not ended before ``start``), whatever its phase - people referred but never reached count, because not
reaching them is what fidelity must show. Its *contacts* are the contacts on those episodes that reached
the person (``reached``; an unanswered call is not a contact) dated within the range, whoever made them
(a covering Care Partner's contacts count for the person).

In post. For each day of the range, a Care Partner is *at work* when they hold a post (at a practice of
the unit, for a practice unit) and are not absent. A day counts as *covered* when they are absent (or
their post has ended) and a cover arrangement for them is running that day with a covering colleague who
is not absent themselves; cover only counts from the start of the Care Partner's first post at the unit.
Decision: covered days count as days with a Care Partner in post, because the people on the caseload had
a named Care Partner to turn to - the practice was served. The figure without cover is reported too
(``in_post_share_without_cover``), as are the day counts behind both, so either reading can be used.
``in_post_share`` = (days at work + covered days) / days in the range. For a unit of several Care
Partners or practices (a team, the system) it is the mean of their shares, and ``below_threshold`` names
each one under the threshold (default 0.70, the trial's availability rule: "a care partner was in place
for at least 70% of the intervention period"). Practices count in the system only if they held a post
that overlaps the range.

People and contacts.
- ``share_with_contact``: people with at least one contact in the range / people.
- ``share_with_goals``: people with at least one goal agreed on or before ``end`` (on a unit episode) /
  people (the trial's "goals assessed": a state, not only goals agreed inside the range).
- ``contacts_10_min``: contacts of at least 10 minutes, any mode (care-model.md).
- ``contacts_goals_discussed``: contacts in which goals were discussed.
- ``mean_contacts_per_person``: contacts / people.
- ``compliant_sessions``: people with at least 6 *sessions* of at least 10 minutes in the range, where a
  session is face to face, by telephone or by video (the trial's first complier definition: "attendance
  at a minimum of six care partner sessions, either face to face, by telephone or virtually, with each
  session lasting a minimum of 10 min" - a text message is not a session).
- ``compliant_goals``: people with at least 4 contacts in which goals were discussed (the second).
The trial's compliance was counted over each person's whole intervention: choose a range that covers
the episodes to reproduce it. Shares are ``None`` when there is nobody to divide by.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

IN_POST_THRESHOLD = 0.70
SESSION_MINUTES = 10
SESSION_MODES = frozenset({"face_to_face", "telephone", "video"})
COMPLIANT_SESSIONS = 6
COMPLIANT_GOAL_CONTACTS = 4


@dataclass(frozen=True)
class Post:
    care_partner_id: int
    practice_id: int
    starts_on: date
    ends_on: date | None = None


@dataclass(frozen=True)
class Absence:
    care_partner_id: int
    starts_on: date
    ends_on: date | None = None


@dataclass(frozen=True)
class Cover:
    absent_id: int
    covering_id: int
    starts_on: date
    ends_on: date | None = None


@dataclass(frozen=True)
class Episode:
    id: int
    person_id: int
    practice_id: int
    care_partner_id: int | None
    referred_on: date
    ended_on: date | None = None


@dataclass(frozen=True)
class Contact:
    episode_id: int
    contact_on: date
    minutes: int
    mode: str = "face_to_face"
    goals_discussed: bool = False
    reached: bool = True


@dataclass(frozen=True)
class Goal:
    episode_id: int
    agreed_on: date


@dataclass
class Records:
    posts: list[Post] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)
    covers: list[Cover] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)


@dataclass(frozen=True)
class Unit:
    kind: str  # care_partner, practice, system
    ids: frozenset[int] = frozenset()
    label: str = ""

    @classmethod
    def care_partner(cls, *ids: int, label: str = "") -> Unit:
        return cls("care_partner", frozenset(ids), label)

    @classmethod
    def practice(cls, *ids: int, label: str = "") -> Unit:
        return cls("practice", frozenset(ids), label)

    @classmethod
    def system(cls, label: str = "System") -> Unit:
        return cls("system", frozenset(), label)


@dataclass(frozen=True)
class Availability:
    days: int
    at_work_days: int
    covered_days: int

    @property
    def share(self) -> float | None:
        return (self.at_work_days + self.covered_days) / self.days if self.days else None

    @property
    def share_without_cover(self) -> float | None:
        return self.at_work_days / self.days if self.days else None


@dataclass(frozen=True)
class Figures:
    unit: Unit
    start: date
    end: date
    days: int
    in_post_share: float | None
    in_post_share_without_cover: float | None
    at_work_days: int | None  # for a single Care Partner or practice; None for a mean over several
    covered_days: int | None
    below_threshold: tuple[int, ...]  # members (Care Partner or practice ids) under the threshold
    members: int  # Care Partners or practices whose availability was measured
    people: int
    people_with_contact: int
    people_with_goals: int
    contacts: int
    contacts_10_min: int
    contacts_goals_discussed: int
    compliant_sessions: int
    compliant_goals: int
    threshold: float = IN_POST_THRESHOLD

    @property
    def in_post_flag(self) -> bool:
        return self.in_post_share is not None and self.in_post_share < self.threshold

    @property
    def share_with_contact(self) -> float | None:
        return self.people_with_contact / self.people if self.people else None

    @property
    def share_with_goals(self) -> float | None:
        return self.people_with_goals / self.people if self.people else None

    @property
    def share_compliant_sessions(self) -> float | None:
        return self.compliant_sessions / self.people if self.people else None

    @property
    def share_compliant_goals(self) -> float | None:
        return self.compliant_goals / self.people if self.people else None

    @property
    def mean_contacts_per_person(self) -> float | None:
        return self.contacts / self.people if self.people else None

    def as_dict(self) -> dict[str, object]:
        return {
            "unit": self.unit.kind, "ids": sorted(self.unit.ids), "label": self.unit.label,
            "start": self.start.isoformat(), "end": self.end.isoformat(), "days": self.days,
            "in_post_share": self.in_post_share, "in_post_share_without_cover": self.in_post_share_without_cover,
            "in_post_flag": self.in_post_flag, "below_threshold": list(self.below_threshold),
            "at_work_days": self.at_work_days, "covered_days": self.covered_days, "people": self.people,
            "share_with_contact": self.share_with_contact, "share_with_goals": self.share_with_goals,
            "contacts": self.contacts, "contacts_10_min": self.contacts_10_min,
            "contacts_goals_discussed": self.contacts_goals_discussed,
            "mean_contacts_per_person": self.mean_contacts_per_person,
            "compliant_sessions": self.compliant_sessions, "share_compliant_sessions": self.share_compliant_sessions,
            "compliant_goals": self.compliant_goals, "share_compliant_goals": self.share_compliant_goals,
        }


# Days are ordinals (date.toordinal) so day sets are sets of ints.
def _span(starts_on: date, ends_on: date | None, lo: int, hi: int) -> range:
    a = max(starts_on.toordinal(), lo)
    b = min(ends_on.toordinal() if ends_on else hi, hi)
    return range(a, b + 1) if a <= b else range(0)


class _Calendar:
    """Who is absent and who is covered on which day, within [lo, hi]."""

    def __init__(self, records: Records, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi
        self.absent: dict[int, set[int]] = defaultdict(set)
        for a in records.absences:
            self.absent[a.care_partner_id].update(_span(a.starts_on, a.ends_on, lo, hi))
        self.covered: dict[int, set[int]] = defaultdict(set)
        for c in records.covers:
            away = self.absent.get(c.covering_id, set())
            self.covered[c.absent_id].update(d for d in _span(c.starts_on, c.ends_on, lo, hi) if d not in away)

    def availability(self, posts: Iterable[Post]) -> Availability:
        """Days of [lo, hi] on which any of ``posts`` had its Care Partner at work, or covered."""
        at_work: set[int] = set()
        covered: set[int] = set()
        first_start: dict[int, int] = {}
        for p in posts:
            away = self.absent.get(p.care_partner_id, set())
            at_work.update(d for d in _span(p.starts_on, p.ends_on, self.lo, self.hi) if d not in away)
            s = p.starts_on.toordinal()
            first_start[p.care_partner_id] = min(first_start.get(p.care_partner_id, s), s)
        for cp, s in first_start.items():
            covered.update(d for d in self.covered.get(cp, ()) if d >= s)
        covered -= at_work
        return Availability(self.hi - self.lo + 1, len(at_work), len(covered))


def _unit_episodes(records: Records, unit: Unit, lo: date, hi: date) -> list[Episode]:
    out = []
    for e in records.episodes:
        if e.referred_on > hi or (e.ended_on is not None and e.ended_on < lo):
            continue
        if unit.kind == "care_partner" and e.care_partner_id not in unit.ids:
            continue
        if unit.kind == "practice" and e.practice_id not in unit.ids:
            continue
        out.append(e)
    return out


def _members(records: Records, unit: Unit, start: date, end: date) -> dict[int, list[Post]]:
    """The unit's Care Partners (or practices) and their posts overlapping the range."""
    key = "care_partner_id" if unit.kind == "care_partner" else "practice_id"
    members: dict[int, list[Post]] = defaultdict(list)
    if unit.kind != "system":
        for member in unit.ids:
            members[member] = []
    for p in records.posts:
        if p.starts_on > end or (p.ends_on is not None and p.ends_on < start):
            continue
        member = getattr(p, key)
        if unit.kind == "system" or member in unit.ids:
            members[member].append(p)
    return members


def availability_by_member(records: Records, unit: Unit, start: date, end: date) -> dict[int, Availability]:
    """In-post availability of each Care Partner (care_partner unit) or practice (practice, system)."""
    if end < start:
        raise ValueError(f"The range ends ({end.isoformat()}) before it starts ({start.isoformat()}).")
    calendar = _Calendar(records, start.toordinal(), end.toordinal())
    key = "care_partner_id" if unit.kind == "care_partner" else "practice_id"
    # Every post of a member that started by the end of the range: cover after a post has ended counts.
    posts_of: dict[int, list[Post]] = defaultdict(list)
    for p in records.posts:
        if p.starts_on <= end:
            posts_of[getattr(p, key)].append(p)
    return {m: calendar.availability(posts_of.get(m, [])) for m in _members(records, unit, start, end)}


def fidelity(records: Records, unit: Unit, start: date, end: date,
             *, threshold: float = IN_POST_THRESHOLD) -> Figures:
    """The trial's fidelity figures for ``unit`` over ``start``..``end`` (see the module docstring)."""
    if end < start:
        raise ValueError(f"The range ends ({end.isoformat()}) before it starts ({start.isoformat()}).")
    days = (end - start).days + 1
    availability = availability_by_member(records, unit, start, end)
    shares = {m: a.share for m, a in availability.items()}
    measured = [s for s in shares.values() if s is not None]
    below = tuple(sorted(m for m, s in shares.items() if s is not None and s < threshold))
    single = availability[next(iter(availability))] if len(availability) == 1 else None
    if single is not None:
        in_post, without = single.share, single.share_without_cover
    else:
        in_post = sum(measured) / len(measured) if measured else None
        plain = [a.share_without_cover for a in availability.values() if a.share_without_cover is not None]
        without = sum(plain) / len(plain) if plain else None

    episodes = _unit_episodes(records, unit, start, end)
    person_of = {e.id: e.person_id for e in episodes}
    people = set(person_of.values())
    with_goals = {person_of[g.episode_id] for g in records.goals if g.episode_id in person_of and g.agreed_on <= end}
    contacts = ten = goals_discussed = 0
    reached: set[int] = set()
    sessions: dict[int, int] = defaultdict(int)
    goal_contacts: dict[int, int] = defaultdict(int)
    for c in records.contacts:
        person = person_of.get(c.episode_id)
        if person is None or not c.reached or c.contact_on < start or c.contact_on > end:
            continue
        contacts += 1
        reached.add(person)
        if c.minutes >= SESSION_MINUTES:
            ten += 1
            if c.mode in SESSION_MODES:
                sessions[person] += 1
        if c.goals_discussed:
            goals_discussed += 1
            goal_contacts[person] += 1
    return Figures(
        unit=unit, start=start, end=end, days=days,
        in_post_share=in_post, in_post_share_without_cover=without,
        at_work_days=single.at_work_days if single else None, covered_days=single.covered_days if single else None,
        below_threshold=below, members=len(measured), people=len(people), people_with_contact=len(reached),
        people_with_goals=len(with_goals), contacts=contacts, contacts_10_min=ten,
        contacts_goals_discussed=goals_discussed,
        compliant_sessions=sum(1 for n in sessions.values() if n >= COMPLIANT_SESSIONS),
        compliant_goals=sum(1 for n in goal_contacts.values() if n >= COMPLIANT_GOAL_CONTACTS),
        threshold=threshold,
    )


def month_starts(start: date, end: date) -> list[tuple[date, date]]:
    """The calendar months of the range, each clipped to the range."""
    out = []
    cursor = start
    while cursor <= end:
        following = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
        out.append((cursor, min(end, following - timedelta(days=1))))
        cursor = following
    return out


def monthly(records: Records, unit: Unit, start: date, end: date,
            *, threshold: float = IN_POST_THRESHOLD) -> list[Figures]:
    """:func:`fidelity` for each calendar month of the range (for charts of trends)."""
    episodes = _unit_episodes(records, unit, start, end)
    ids = {e.id for e in episodes}
    narrowed = Records(records.posts, records.absences, records.covers, episodes,
                       [c for c in records.contacts if c.episode_id in ids and start <= c.contact_on <= end],
                       [g for g in records.goals if g.episode_id in ids])
    return [fidelity(narrowed, unit, a, b, threshold=threshold) for a, b in month_starts(start, end)]
