"""Caseload flags as pure rules: plain facts about one episode in, a list of explained flags out.

No Django here: ``partners.supervision.flags`` gathers the facts for many episodes in a fixed number of
queries and calls :func:`episode_flags` for each. The rules (care-model.md, "Supervision and fidelity"):

``overdue_contact``
    The next planned contact date has passed. The planned date is the episode's ``next_contact_on``,
    unless a contact that reached the person is more recent than the episode's ``last_contact_on`` (the
    episode has not caught up with it yet): then it is that contact's ``next_contact_on``, or its date plus
    the episode's contact interval. Logging a contact that reaches the person clears it.
``never_contacted``
    No contact has ever reached the person and the referral is more than ``never_contacted_after_days``
    old (default 14: one fortnightly contact interval). Shown instead of ``overdue_contact``.
``no_next_contact``
    The person has been contacted but no next contact is planned ("every person always has a next
    planned contact date"). Planning one clears it.
``urgent_referral``
    An urgent referral (to secondary or crisis care, or any service) was sent and no response has been
    recorded. Recording the outcome clears it.
``no_goals``
    The episode started (or, if it has not, was referred) more than ``no_goals_after_days`` ago
    (default 42: six weeks, three fortnightly contacts in which to build a shared understanding and
    agree goals) and no goal has been agreed. Agreeing a goal clears it.
``goals_not_reviewed``
    A goal still being worked on is past its review date: the planned ``review_on`` when it is later
    than the last review (or agreement), otherwise ``goal_review_days`` (default 84: twelve weeks, the
    longest stepped-down contact rhythm) after the last review or agreement. A review rating on or after
    the due date clears it.
``worsening_scores``
    For each configured instrument, the latest completed score (completed during this episode) is worse
    than the one before by at least the instrument's threshold. Default MANSA, 0.45 points: the
    difference PARTNERS2 was powered to detect (its sample-size section, after DIALOG+). That is a
    between-group difference, used here only as a prompt to discuss the person in supervision, not as a
    reliable-change index; configure it (and add instruments such as SWEMWBS) in settings.
``crisis_or_admission`` / ``serious_adverse_event``
    A safety event with onset during the episode that is ongoing, ended within ``safety_recent_days``
    (default 28: the weeks after discharge from in-patient or crisis care carry the highest risk), or
    has not yet been reviewed by a supervisor.
``ending_soon``
    The planned end is within ``ending_soon_days`` (default 28) or has passed while the episode is open:
    time to plan the transition back to usual care.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from partners.common.dates import short_date

OPEN_PHASES = ("invited", "engaging", "active", "stepped_down", "transition")

OVERDUE_CONTACT = "overdue_contact"
NEVER_CONTACTED = "never_contacted"
NO_NEXT_CONTACT = "no_next_contact"
URGENT_REFERRAL = "urgent_referral"
NO_GOALS = "no_goals"
GOALS_NOT_REVIEWED = "goals_not_reviewed"
WORSENING_SCORES = "worsening_scores"
CRISIS_OR_ADMISSION = "crisis_or_admission"
SERIOUS_ADVERSE_EVENT = "serious_adverse_event"
ENDING_SOON = "ending_soon"

# code -> (label, what it means, how it clears). Used on screens to explain every flag.
FLAG_LABELS: dict[str, str] = {
    CRISIS_OR_ADMISSION: "Crisis or admission",
    SERIOUS_ADVERSE_EVENT: "Serious adverse event",
    URGENT_REFERRAL: "Urgent referral open",
    NEVER_CONTACTED: "Never contacted",
    OVERDUE_CONTACT: "Overdue contact",
    NO_NEXT_CONTACT: "No next contact planned",
    WORSENING_SCORES: "Scores worsening",
    NO_GOALS: "No goals agreed",
    GOALS_NOT_REVIEWED: "Goals not reviewed",
    ENDING_SOON: "Episode ending soon",
}
# Display order: the most urgent first.
FLAG_ORDER = list(FLAG_LABELS)
HIGH = "high"
MEDIUM = "medium"


@dataclass(frozen=True)
class Worsening:
    threshold: float
    higher_is_better: bool = True


@dataclass(frozen=True)
class FlagConfig:
    never_contacted_after_days: int = 14
    no_goals_after_days: int = 42
    goal_review_days: int = 84
    ending_soon_days: int = 28
    safety_recent_days: int = 28
    worsening: Mapping[str, Worsening] = field(default_factory=lambda: {"mansa": Worsening(0.45, True)})

    def explanations(self) -> dict[str, str]:
        """What each flag means, with the configured thresholds, for the screens' 'what the flags mean'."""
        worse = "; ".join(f"{code.upper()} by {w.threshold:g} or more" for code, w in self.worsening.items())
        return {
            CRISIS_OR_ADMISSION: "A psychiatric admission or crisis/home treatment episode during the episode "
                                 f"that is ongoing, ended in the last {self.safety_recent_days} days, or has not "
                                 "been reviewed by a supervisor.",
            SERIOUS_ADVERSE_EVENT: "A serious adverse event during the episode that is ongoing, ended in the last "
                                   f"{self.safety_recent_days} days, or has not been reviewed by a supervisor.",
            NEVER_CONTACTED: f"Referred more than {self.never_contacted_after_days} days ago and no contact has "
                             "reached the person yet. Clears when a contact is logged.",
            OVERDUE_CONTACT: "The planned next contact date has passed. Clears when a contact that reaches the "
                             "person is logged.",
            NO_NEXT_CONTACT: "Contacted, but no next contact is planned. Clears when one is planned.",
            URGENT_REFERRAL: "An urgent referral was sent and no response is recorded. Clears when the outcome "
                             "is recorded.",
            WORSENING_SCORES: f"The latest questionnaire score is worse than the one before ({worse}).",
            NO_GOALS: f"More than {self.no_goals_after_days} days since the episode started and no goal agreed.",
            GOALS_NOT_REVIEWED: "A goal is past its review date (the planned date, or "
                                f"{self.goal_review_days} days after agreement or the last review).",
            ENDING_SOON: f"The planned end of the episode is within {self.ending_soon_days} days, or has passed.",
        }


@dataclass(frozen=True)
class GoalFacts:
    status: str
    agreed_on: date
    review_on: date | None = None
    last_review_on: date | None = None


@dataclass(frozen=True)
class ScoreFacts:
    instrument: str
    completed_on: date
    score: float


@dataclass(frozen=True)
class SafetyFacts:
    kind: str  # admission, crisis, sae
    onset_on: date
    ended_on: date | None = None
    reviewed: bool = False
    kind_label: str = ""


@dataclass(frozen=True)
class ReferralFacts:
    referred_on: date
    service: str = ""


@dataclass(frozen=True)
class EpisodeFacts:
    id: int
    phase: str
    referred_on: date
    started_on: date | None = None
    planned_end_on: date | None = None
    next_contact_on: date | None = None
    last_contact_on: date | None = None
    contact_interval_days: int = 14
    latest_contact_on: date | None = None  # the latest contact that reached the person
    latest_contact_next_on: date | None = None  # the next contact planned at that contact
    goals: tuple[GoalFacts, ...] = ()
    scores: tuple[ScoreFacts, ...] = ()  # newest first; only the latest two per instrument matter
    safety: tuple[SafetyFacts, ...] = ()
    urgent_referrals: tuple[ReferralFacts, ...] = ()  # urgent, sent, no response recorded


@dataclass(frozen=True)
class Flag:
    code: str
    reason: str
    severity: str = MEDIUM
    since: date | None = None
    anchor: str = ""  # a section of the person page where it is acted on

    @property
    def label(self) -> str:
        return FLAG_LABELS[self.code]


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def planned_next_contact(facts: EpisodeFacts) -> date | None:
    """The next contact date the episode is working to (see ``overdue_contact`` above)."""
    latest = facts.latest_contact_on
    if latest is not None and (facts.last_contact_on is None or latest > facts.last_contact_on):
        return facts.latest_contact_next_on or latest + timedelta(days=facts.contact_interval_days)
    return facts.next_contact_on


def _goal_review_due(goal: GoalFacts, config: FlagConfig) -> date:
    last = max(goal.agreed_on, goal.last_review_on) if goal.last_review_on else goal.agreed_on
    if goal.review_on is not None and goal.review_on > last:
        return goal.review_on
    return last + timedelta(days=config.goal_review_days)


def _worse_by(instrument: str, latest: float, previous: float, rule: Worsening) -> float:
    change = previous - latest if rule.higher_is_better else latest - previous
    return round(change, 6)


def episode_flags(facts: EpisodeFacts, today: date, config: FlagConfig | None = None) -> list[Flag]:
    """The flags on one open episode today, most urgent first; an ended episode has none."""
    config = config or FlagConfig()
    if facts.phase not in OPEN_PHASES:
        return []
    flags: list[Flag] = []

    # Safety events during the episode.
    for event in sorted(facts.safety, key=lambda e: e.onset_on, reverse=True):
        if event.onset_on < facts.referred_on:
            continue
        recent = event.ended_on is not None and (today - event.ended_on).days <= config.safety_recent_days
        if event.ended_on is not None and not recent and event.reviewed:
            continue
        label = event.kind_label or FLAG_LABELS[SERIOUS_ADVERSE_EVENT if event.kind == "sae" else CRISIS_OR_ADMISSION]
        if event.ended_on is None:
            state = f"ongoing ({_days((today - event.onset_on).days)} so far)"
        else:
            state = f"ended {short_date(event.ended_on)}"
        reason = f"{label} from {short_date(event.onset_on)}, {state}"
        reason += "; not yet reviewed by a supervisor." if not event.reviewed else "."
        code = SERIOUS_ADVERSE_EVENT if event.kind == "sae" else CRISIS_OR_ADMISSION
        flags.append(Flag(code, reason, HIGH, event.onset_on, "safety-events"))

    # Urgent referrals awaiting a response.
    for referral in sorted(facts.urgent_referrals, key=lambda r: r.referred_on):
        to = f" to {referral.service}" if referral.service else ""
        waited = (today - referral.referred_on).days
        reason = (f"Urgent referral{to} sent {short_date(referral.referred_on)} ({_days(waited)} ago); "
                  "no response recorded.")
        flags.append(Flag(URGENT_REFERRAL, reason, HIGH, referral.referred_on, "liaison"))
        break  # one flag, naming the oldest

    # Contact.
    contacted = facts.latest_contact_on is not None or facts.last_contact_on is not None
    if not contacted:
        waited = (today - facts.referred_on).days
        if waited > config.never_contacted_after_days:
            reason = (f"Referred {short_date(facts.referred_on)} ({_days(waited)} ago) and no contact has reached "
                      "them yet.")
            flags.append(Flag(NEVER_CONTACTED, reason, HIGH, facts.referred_on, "contacts"))
    else:
        planned = planned_next_contact(facts)
        if planned is not None and planned < today:
            late = (today - planned).days
            reason = f"Next contact was planned for {short_date(planned)} ({_days(late)} ago)."
            flags.append(Flag(OVERDUE_CONTACT, reason, HIGH if late > 14 else MEDIUM, planned, "contacts"))
        elif planned is None and facts.phase != "invited":
            flags.append(Flag(NO_NEXT_CONTACT, "Contacted, but no next contact is planned.", MEDIUM, None, "plan"))

    # Outcome scores.
    for instrument, rule in config.worsening.items():
        scores = [s for s in facts.scores if s.instrument == instrument]
        scores.sort(key=lambda s: s.completed_on, reverse=True)
        if len(scores) < 2 or scores[0].completed_on < facts.referred_on:
            continue
        latest, previous = scores[0], scores[1]
        change = _worse_by(instrument, latest.score, previous.score, rule)
        if change >= rule.threshold:
            direction = "down" if rule.higher_is_better else "up"
            reason = (f"{instrument.upper()} {latest.score:g} on {short_date(latest.completed_on)}, {direction} from "
                      f"{previous.score:g} on {short_date(previous.completed_on)} (worse by {change:g}; flagged at "
                      f"{rule.threshold:g} or more).")
            flags.append(Flag(WORSENING_SCORES, reason, MEDIUM, latest.completed_on, "scores"))

    # Goals.
    started = facts.started_on or facts.referred_on
    if facts.phase != "invited":
        agreed = [g for g in facts.goals if g.agreed_on <= today]
        since_start = (today - started).days
        if not agreed and since_start > config.no_goals_after_days:
            reason = f"Started {short_date(started)} ({_days(since_start)} ago) and no goal has been agreed."
            flags.append(Flag(NO_GOALS, reason, MEDIUM, started + timedelta(days=config.no_goals_after_days),
                              "goals"))
        due = sorted(_goal_review_due(g, config) for g in agreed if g.status == "active")
        overdue = [d for d in due if d < today]
        if overdue:
            n = len(overdue)
            reason = (f"{n} goal{'s are' if n != 1 else ' is'} past {'their' if n != 1 else 'its'} review date "
                      f"(the earliest was due {short_date(overdue[0])}).")
            flags.append(Flag(GOALS_NOT_REVIEWED, reason, MEDIUM, overdue[0], "goals"))

    # The end of the episode.
    if facts.planned_end_on is not None:
        left = (facts.planned_end_on - today).days
        if left <= config.ending_soon_days:
            when = (f"in {_days(left)}" if left > 0 else "today" if left == 0 else f"{_days(-left)} ago")
            reason = f"Planned end {short_date(facts.planned_end_on)} ({when}): plan the transition back to usual care."
            flags.append(Flag(ENDING_SOON, reason, MEDIUM if left >= 0 else HIGH,
                              facts.planned_end_on - timedelta(days=config.ending_soon_days), "plan"))

    flags.sort(key=lambda f: FLAG_ORDER.index(f.code))
    return flags


def days_without_supervision(last_session_on: date | None, working_since: date | None, today: date) -> int | None:
    """Days since the last supervision session or, when there has been none, since the Care Partner started
    work (their first post); None when neither is known."""
    since = last_session_on or working_since
    return None if since is None else max(0, (today - since).days)
