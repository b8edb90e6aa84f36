"""Writes for care delivery: validated in one place (the web forms and the API give the same messages),
scoped to the caller, atomic and audited.

Who may write what:
- A Care Partner works on the episodes of their own caseload and of caseloads they cover today.
- A supervisor may hand a supervisee's case over, and records absences, cover and posts.
- Practice staff (their own practice), Care Partners and administrators may refer a person to PARTNERS.
Anything outside the caller's scope raises Http404, as if it did not exist.
"""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from partners.accounts.models import Role, User
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record
from partners.care import rhythm
from partners.care.models import (
    OPEN_PHASES,
    Absence,
    CarePartnerPost,
    Contact,
    ContactMode,
    ContactPlace,
    CoverArrangement,
    EndReason,
    Episode,
    Goal,
    GoalEvent,
    GoalRating,
    Handover,
    LifeArea,
    Phase,
    PhaseChange,
    Referral,
    RhythmChange,
    SecondaryCareChange,
    Service,
    SharedUnderstanding,
)
from partners.organisations.models import Organisation
from partners.registry.scope import caseload_owner_ids, visible_people

MAX_MINUTES = 600
URGENT_SERVICE_KINDS = (Service.Kind.SECONDARY_MH, Service.Kind.CRISIS)
# Which phase may follow which (acceptance, invited -> engaging, is its own service).
NEXT_PHASES: dict[str, tuple[str, ...]] = {
    Phase.INVITED: (Phase.ENDED,),
    Phase.ENGAGING: (Phase.ACTIVE, Phase.ENDED),
    Phase.ACTIVE: (Phase.STEPPED_DOWN, Phase.TRANSITION, Phase.ENDED),
    Phase.STEPPED_DOWN: (Phase.ACTIVE, Phase.TRANSITION, Phase.ENDED),
    Phase.TRANSITION: (Phase.ACTIVE, Phase.ENDED),
    Phase.ENDED: (),
}


class Errors:
    """Collects field -> messages and raises one ValidationError with all of them."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _today() -> date:
    return timezone.localdate()


def _fmt(day: date) -> str:
    return day.strftime("%-d %B %Y")


def _as_date(value: Any, field: str, label: str, errors: Errors, *, required: bool = True) -> date | None:
    if value in (None, ""):
        if required:
            errors.add(field, f"Enter the {label}.")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.add(field, f"The {label} {value!r} is not a real date (use YYYY-MM-DD).")
        return None


def _not_future(day: date | None, field: str, label: str, errors: Errors) -> None:
    if day is not None and day > _today():
        errors.add(field, f"The {label} ({_fmt(day)}) is in the future: it can be today at the latest.")


def _choice(value: Any, choices: Any, field: str, label: str, errors: Errors) -> None:
    if value not in choices.values:
        errors.add(field, f"{label} {value!r} is not one of: {', '.join(choices.values)}.")


def _text(value: Any, field: str, label: str, errors: Errors, *, required: bool = False, max_length: int = 0) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not text:
        errors.add(field, f"Enter {label}.")
    if max_length and len(text) > max_length:
        errors.add(field, f"{label[0].upper()}{label[1:]} must be {max_length} characters or fewer.")
    return text


# Scope ---------------------------------------------------------------------------------------------------

def current_episode(person_id: int) -> Episode | None:
    """The person's open episode (at most one), or None."""
    return (Episode.objects.filter(person_id=person_id, phase__in=OPEN_PHASES)
            .select_related("person", "care_partner").order_by("-referred_on", "-pk").first())


def episode_to_work_on(actor: Actor, person_id: int, *, lock: bool = True) -> Episode:
    """The open episode of a person on the caller's caseload (or one they cover); 404 otherwise."""
    user = actor.user
    if user.role != Role.CARE_PARTNER:
        raise Http404("Only a Care Partner can record care.")
    episodes = Episode.objects.filter(person_id=person_id, phase__in=OPEN_PHASES,
                                      care_partner_id__in=caseload_owner_ids(user))
    if lock:
        episodes = episodes.select_for_update()
    episode = episodes.select_related("person").order_by("-referred_on", "-pk").first()
    if episode is None:
        raise Http404("No open episode on your caseload for this person.")
    return episode


def _require_started(episode: Episode, errors: Errors, field: str = "__all__") -> None:
    if episode.phase == Phase.INVITED:
        errors.add(field, "Accept the referral first: the episode has not started.")


def _audit(actor: Actor, action: str, episode_or_person: Any, object_type: str, object_id: Any,
           detail: dict[str, Any] | None = None) -> None:
    person_id = getattr(episode_or_person, "person_id", None) or getattr(episode_or_person, "pk", None)
    audit_record(actor=actor, action=action, person_id=person_id, object_type=object_type, object_id=object_id,
                 detail=detail)


def _set_phase(*, actor: Actor, episode: Episode, to_phase: str, on: date, reason: str = "") -> None:
    if episode.phase == to_phase:
        return
    PhaseChange.objects.create(episode=episode, changed_on=on, from_phase=episode.phase, to_phase=to_phase,
                               reason=reason[:300], recorded_by=actor.user)
    episode.phase = to_phase


# Episodes ------------------------------------------------------------------------------------------------

def care_partner_in_post(practice_id: int, on: date) -> User | None:
    """The Care Partner in post at a practice on a day (the longest-serving if several), or None."""
    post = (CarePartnerPost.objects.filter(practice_id=practice_id, starts_on__lte=on,
                                           care_partner__is_active=True)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
            .select_related("care_partner").order_by("starts_on", "pk").first())
    return post.care_partner if post else None


@transaction.atomic
def episode_refer(*, actor: Actor, person_id: int, care_partner_id: int | None = None,
                  referred_on: date | None = None, source: str = "") -> Episode:
    """Refer (or invite) a person to PARTNERS care: a new episode in the 'invited' phase."""
    user = actor.user
    if user.role not in (Role.PRACTICE_STAFF, Role.CARE_PARTNER, Role.ADMINISTRATOR):
        raise Http404("Not available for this role.")
    person = visible_people(user).filter(pk=person_id).select_related("practice").first()
    if person is None:
        raise Http404("No such person.")
    errors = Errors()
    referred_on = referred_on or _today()
    _not_future(referred_on, "referred_on", "referral date", errors)
    if Episode.objects.filter(person=person, phase__in=OPEN_PHASES).exists():
        errors.add("__all__", f"{person.full_name} already has an open episode of PARTNERS care.")
    if care_partner_id is None:
        care_partner = care_partner_in_post(person.practice_id, referred_on)
        if care_partner is None:
            errors.add("care_partner", f"No Care Partner is in post at {person.practice.name}: choose one, "
                                       "or ask a supervisor to record a post.")
    else:
        care_partner = User.objects.filter(pk=care_partner_id, role=Role.CARE_PARTNER, is_active=True).first()
        if care_partner is None:
            errors.add("care_partner", f"Care Partner {care_partner_id!r} is not an active Care Partner.")
    source = _text(source, "source", "who referred", errors, max_length=200)
    errors.raise_if_any()
    episode = Episode.objects.create(
        person=person, care_partner=care_partner, practice=person.practice, phase=Phase.INVITED,
        referred_on=referred_on, referral_source=source or user.get_full_name() or user.username, referred_by=user,
        secondary_care_change=(SecondaryCareChange.UNCHANGED if person.usual_care_setting == "secondary"
                               else SecondaryCareChange.NOT_APPLICABLE),
    )
    PhaseChange.objects.create(episode=episode, changed_on=referred_on, from_phase="", to_phase=Phase.INVITED,
                               reason=f"Referred by {episode.referral_source}"[:300], recorded_by=user)
    _audit(actor, Action.CREATE, episode, "episode", episode.pk)
    return episode


@transaction.atomic
def episode_accept(*, actor: Actor, person_id: int, started_on: date | None = None,
                   next_contact_on: date | None = None) -> Episode:
    """The person accepts: the episode starts (engaging), its 12-month calendar and fortnightly rhythm."""
    episode = episode_to_work_on(actor, person_id)
    errors = Errors()
    today = _today()
    started_on = started_on or today
    if episode.phase != Phase.INVITED:
        errors.add("__all__", "This episode has already started.")
    _not_future(started_on, "started_on", "start date", errors)
    if started_on < episode.referred_on:
        errors.add("started_on", f"The start date ({_fmt(started_on)}) is before the referral "
                                 f"({_fmt(episode.referred_on)}).")
    next_contact_on = next_contact_on or today + timedelta(days=7)
    if next_contact_on < today:
        errors.add("next_contact_on", f"The first contact ({_fmt(next_contact_on)}) is in the past: plan it for "
                                      "today or later.")
    errors.raise_if_any()
    _set_phase(actor=actor, episode=episode, to_phase=Phase.ENGAGING, on=started_on, reason="The person accepted")
    episode.started_on = started_on
    episode.planned_end_on = rhythm.planned_end(started_on)
    episode.transition_from = rhythm.transition_start(started_on)
    episode.contact_interval_days = rhythm.START_INTERVAL_DAYS
    episode.next_contact_on = next_contact_on
    episode.save()
    RhythmChange.objects.create(episode=episode, changed_on=started_on, direction=RhythmChange.Direction.START,
                                to_interval_days=rhythm.START_INTERVAL_DAYS,
                                agreed_with="Starting rhythm", reason="Fortnightly contact to start.",
                                recorded_by=actor.user)
    _audit(actor, Action.UPDATE, episode, "episode", episode.pk, {"accepted": started_on.isoformat()})
    return episode


@transaction.atomic
def episode_change_phase(*, actor: Actor, person_id: int, to_phase: str, on: date | None = None,
                         reason: str = "", end_reason: str = "") -> Episode:
    """Move an episode on: into transition, back to active, or end it (with a reason)."""
    episode = episode_to_work_on(actor, person_id)
    errors = Errors()
    on = on or _today()
    _not_future(on, "on", "date", errors)
    _choice(to_phase, Phase, "to_phase", "Phase", errors)
    if to_phase in Phase.values and to_phase not in NEXT_PHASES[episode.phase]:
        allowed = ", ".join(Phase(p).label.lower() for p in NEXT_PHASES[episode.phase]) or "nothing"
        errors.add("to_phase", f"An episode that is {episode.get_phase_display().lower()} can move to: {allowed}.")
    reason = _text(reason, "reason", "the reason", errors, max_length=300)
    if to_phase == Phase.ENDED:
        if not end_reason:
            errors.add("end_reason", "Select why the episode ended.")
        else:
            _choice(end_reason, EndReason, "end_reason", "End reason", errors)
    if on < episode.referred_on:
        errors.add("on", f"The date ({_fmt(on)}) is before the referral ({_fmt(episode.referred_on)}).")
    errors.raise_if_any()
    previous = episode.phase
    _set_phase(actor=actor, episode=episode, to_phase=to_phase, on=on,
               reason=reason or (EndReason(end_reason).label if end_reason else ""))
    if to_phase == Phase.ENDED:
        episode.ended_on = on
        episode.end_reason = end_reason
        episode.next_contact_on = None
    elif to_phase == Phase.TRANSITION:
        episode.transition_from = on
    elif to_phase == Phase.ACTIVE and previous == Phase.TRANSITION and episode.planned_end_on \
            and episode.planned_end_on <= on:
        episode.planned_end_on = rhythm.add_months(on, rhythm.TRANSITION_MONTHS)
    episode.save()
    _audit(actor, Action.UPDATE, episode, "episode", episode.pk, {"phase": [previous, to_phase]})
    return episode


@transaction.atomic
def episode_set_secondary_care(*, actor: Actor, person_id: int, change: str, note: str = "") -> Episode:
    """Record whether secondary mental health care was paused or reduced during the episode."""
    episode = episode_to_work_on(actor, person_id)
    errors = Errors()
    _choice(change, SecondaryCareChange, "secondary_care_change", "Secondary care change", errors)
    note = _text(note, "secondary_care_note", "the note", errors, max_length=300)
    errors.raise_if_any()
    episode.secondary_care_change, episode.secondary_care_note = change, note
    episode.save(update_fields=["secondary_care_change", "secondary_care_note", "updated_at"])
    _audit(actor, Action.UPDATE, episode, "episode", episode.pk, {"secondary_care_change": change})
    return episode


# Shared understanding and goals ---------------------------------------------------------------------------

@transaction.atomic
def shared_understanding_save(*, actor: Actor, person_id: int, situation: str, strengths: str,
                              what_matters: str) -> SharedUnderstanding:
    episode = episode_to_work_on(actor, person_id)
    errors = Errors()
    _require_started(episode, errors)
    fields = {
        "situation": _text(situation, "situation", "their situation", errors, max_length=5000),
        "strengths": _text(strengths, "strengths", "their strengths", errors, max_length=5000),
        "what_matters": _text(what_matters, "what_matters", "what matters to them", errors, max_length=5000),
    }
    if not any(fields.values()):
        errors.add("situation", "Enter at least one of: their situation, their strengths, what matters to them.")
    errors.raise_if_any()
    understanding, created = SharedUnderstanding.objects.update_or_create(
        episode=episode, defaults={**fields, "updated_by": actor.user})
    _audit(actor, Action.CREATE if created else Action.UPDATE, episode, "shared_understanding", understanding.pk)
    return understanding


def _rating(value: Any, field: str, errors: Errors, *, required: bool = True) -> int | None:
    if value in (None, ""):
        if required:
            errors.add(field, "Enter how they rate their progress, from 0 (not started) to 10 (achieved).")
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.add(field, f"The rating {value!r} is not a whole number from 0 to 10.")
        return None
    if not 0 <= number <= 10:
        errors.add(field, f"The rating {number} is outside 0 to 10.")
        return None
    return number


def _goal_of(episode: Episode, goal_id: Any, errors: Errors, field: str = "goal") -> Goal | None:
    try:
        goal = Goal.objects.select_for_update().filter(pk=int(goal_id), episode=episode).first()
    except (TypeError, ValueError):
        goal = None
    if goal is None:
        errors.add(field, f"Goal {goal_id!r} is not one of this person's goals in this episode.")
    return goal


@transaction.atomic
def goal_agree(*, actor: Actor, person_id: int, life_area: str, words: str, rating: Any, steps: str = "",
               who_helps: str = "", agreed_on: date | None = None, review_on: date | None = None) -> Goal:
    """A goal in the person's own words, with their 0-10 rating at agreement."""
    episode = episode_to_work_on(actor, person_id)
    errors = Errors()
    _require_started(episode, errors)
    today = _today()
    agreed_on = agreed_on or today
    _not_future(agreed_on, "agreed_on", "date agreed", errors)
    if episode.started_on and agreed_on < episode.started_on:
        errors.add("agreed_on", f"The date agreed ({_fmt(agreed_on)}) is before the episode started "
                                f"({_fmt(episode.started_on)}).")
    _choice(life_area, LifeArea, "life_area", "Life area", errors)
    words = _text(words, "words", "the goal in their own words", errors, required=True, max_length=1000)
    steps = _text(steps, "steps", "the steps", errors, max_length=3000)
    who_helps = _text(who_helps, "who_helps", "who helps", errors, max_length=300)
    value = _rating(rating, "rating", errors)
    if review_on is not None and review_on <= agreed_on:
        errors.add("review_on", f"The review date ({_fmt(review_on)}) must be after the date agreed.")
    errors.raise_if_any()
    assert value is not None
    goal = Goal.objects.create(
        episode=episode, person_id=episode.person_id, life_area=life_area, words=words, steps=steps,
        who_helps=who_helps, agreed_on=agreed_on, review_on=review_on or agreed_on + timedelta(days=56),
        created_by=actor.user,
    )
    GoalRating.objects.create(goal=goal, rated_on=agreed_on, rating=value, kind=GoalRating.Kind.AGREEMENT,
                              recorded_by=actor.user)
    GoalEvent.objects.create(goal=goal, on=agreed_on, kind=GoalEvent.Kind.AGREED, recorded_by=actor.user,
                             note=f"Rated {value}/10 at agreement")
    if episode.phase == Phase.ENGAGING:
        _set_phase(actor=actor, episode=episode, to_phase=Phase.ACTIVE, on=agreed_on, reason="First goal agreed")
        episode.save(update_fields=["phase", "updated_at"])
    _audit(actor, Action.CREATE, episode, "goal", goal.pk)
    return goal


@transaction.atomic
def goal_review(*, actor: Actor, person_id: int, goal_id: Any, rating: Any, rated_on: date | None = None,
                note: str = "", status: str = Goal.Status.ACTIVE, next_review_on: date | None = None) -> Goal:
    """A review: the person's 0-10 rating now, and whether the goal goes on, is achieved or is dropped."""
    episode = episode_to_work_on(actor, person_id)
    errors = Errors()
    goal = _goal_of(episode, goal_id, errors)
    rated_on = rated_on or _today()
    _not_future(rated_on, "rated_on", "review date", errors)
    value = _rating(rating, "rating", errors)
    note = _text(note, "note", "the note", errors, max_length=3000)
    if status not in (Goal.Status.ACTIVE, Goal.Status.ACHIEVED, Goal.Status.DROPPED):
        errors.add("status", f"Status {status!r} is not one of: active, achieved, dropped.")
    if goal is not None and rated_on < goal.agreed_on:
        errors.add("rated_on", f"The review date ({_fmt(rated_on)}) is before the goal was agreed "
                               f"({_fmt(goal.agreed_on)}).")
    if next_review_on is not None and next_review_on <= rated_on:
        errors.add("next_review_on", "The next review date must be after this review.")
    errors.raise_if_any()
    assert goal is not None and value is not None
    GoalRating.objects.create(goal=goal, rated_on=rated_on, rating=value, kind=GoalRating.Kind.REVIEW,
                              recorded_by=actor.user)
    outcomes: dict[str, str] = {Goal.Status.ACHIEVED: GoalEvent.Kind.ACHIEVED,
                                Goal.Status.DROPPED: GoalEvent.Kind.DROPPED}
    kind = outcomes.get(
        status, GoalEvent.Kind.REOPENED if goal.status != Goal.Status.ACTIVE else GoalEvent.Kind.REVIEWED)
    GoalEvent.objects.create(goal=goal, on=rated_on, kind=kind, recorded_by=actor.user,
                             note=f"Rated {value}/10" + (f". {note}" if note else ""))
    if status != goal.status:
        goal.status, goal.status_changed_on = status, rated_on
    goal.review_on = next_review_on if status == Goal.Status.ACTIVE else None
    if status == Goal.Status.ACTIVE and goal.review_on is None:
        goal.review_on = rated_on + timedelta(days=56)
    goal.save()
    _audit(actor, Action.UPDATE, episode, "goal", goal.pk, {"review": value, "status": status})
    return goal


@transaction.atomic
def goal_update(*, actor: Actor, person_id: int, goal_id: Any, words: str, steps: str = "", who_helps: str = "",
                review_on: date | None = None, life_area: str | None = None) -> Goal:
    """Change the plan for a goal (its wording, steps, who helps, review date); each change is kept."""
    episode = episode_to_work_on(actor, person_id)
    errors = Errors()
    goal = _goal_of(episode, goal_id, errors)
    new = {
        "words": _text(words, "words", "the goal in their own words", errors, required=True, max_length=1000),
        "steps": _text(steps, "steps", "the steps", errors, max_length=3000),
        "who_helps": _text(who_helps, "who_helps", "who helps", errors, max_length=300),
        "review_on": review_on,
    }
    if life_area is not None:
        _choice(life_area, LifeArea, "life_area", "Life area", errors)
        new["life_area"] = life_area
    if goal is not None and review_on is not None and review_on < goal.agreed_on:
        errors.add("review_on", "The review date is before the goal was agreed.")
    errors.raise_if_any()
    assert goal is not None
    changes = {f: [_json(getattr(goal, f)), _json(v)] for f, v in new.items() if getattr(goal, f) != v}
    if changes:
        for field, value in new.items():
            setattr(goal, field, value)
        goal.save()
        GoalEvent.objects.create(goal=goal, on=_today(), kind=GoalEvent.Kind.EDITED, changes=changes,
                                 recorded_by=actor.user)
        _audit(actor, Action.UPDATE, episode, "goal", goal.pk, {"fields": sorted(changes)})
    return goal


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@transaction.atomic
def goal_change(*, actor: Actor, person_id: int, goal_id: Any, words: str, rating: Any, steps: str = "",
                who_helps: str = "", note: str = "", life_area: str | None = None) -> Goal:
    """The person's goal has become a different one: the old one is kept as 'changed', linked to the new."""
    episode = episode_to_work_on(actor, person_id)
    errors = Errors()
    old = _goal_of(episode, goal_id, errors)
    if old is not None and old.status != Goal.Status.ACTIVE:
        errors.add("goal", "Only a goal they are working on can be changed.")
    errors.raise_if_any()
    assert old is not None
    new = goal_agree(actor=actor, person_id=person_id, life_area=life_area or old.life_area, words=words,
                     rating=rating, steps=steps, who_helps=who_helps)
    today = _today()
    old.status, old.status_changed_on, old.replaced_by, old.review_on = Goal.Status.CHANGED, today, new, None
    old.save()
    GoalEvent.objects.create(goal=old, on=today, kind=GoalEvent.Kind.CHANGED, recorded_by=actor.user,
                             note=(note.strip() + " " if note else "") + f"Now: {new.words}"[:1000])
    return new


# Contacts ----------------------------------------------------------------------------------------------------

@transaction.atomic
def contact_record(*, actor: Actor, person_id: int, contact_on: Any, mode: str, minutes: Any,
                   next_contact_on: Any, place: str = "", reached: bool = True, goal_ids: list[Any] | None = None,
                   notes: str = "", liaison_actions: str = "") -> Contact:
    """One contact, and the next planned one (every person always has a next planned contact)."""
    episode = episode_to_work_on(actor, person_id)
    errors = Errors()
    today = _today()
    if episode.phase == Phase.INVITED:
        errors.add("__all__", "Accept the referral before recording contacts.")
    day = _as_date(contact_on, "contact_on", "date of the contact", errors)
    _not_future(day, "contact_on", "contact date", errors)
    if day is not None and day < episode.referred_on:
        errors.add("contact_on", f"The contact date ({_fmt(day)}) is before the referral "
                                 f"({_fmt(episode.referred_on)}).")
    _choice(mode, ContactMode, "mode", "Mode", errors)
    if place:
        _choice(place, ContactPlace, "place", "Place", errors)
    if mode == ContactMode.FACE_TO_FACE and not place:
        errors.add("place", "Select where you met.")
    if mode != ContactMode.FACE_TO_FACE:
        place = ""
    number: int | None = None
    if minutes in (None, ""):
        errors.add("minutes", "Enter how many minutes the contact lasted.")
    else:
        try:
            number = int(minutes)
        except (TypeError, ValueError):
            errors.add("minutes", f"Minutes {minutes!r} is not a whole number.")
        else:
            if number < 0:
                errors.add("minutes", f"Minutes cannot be negative ({number}).")
            elif number > MAX_MINUTES:
                errors.add("minutes", f"{number} minutes is more than {MAX_MINUTES}: check the duration.")
    next_day = _as_date(next_contact_on, "next_contact_on", "date of the next contact", errors)
    if next_day is not None:
        if next_day < today:
            errors.add("next_contact_on", f"The next contact ({_fmt(next_day)}) is in the past: plan it for today "
                                          "or later.")
        elif day is not None and next_day <= day:
            errors.add("next_contact_on", "The next contact must be after this one.")
    goals: list[Goal] = []
    wanted = list(dict.fromkeys(goal_ids or []))
    if wanted:
        ids: list[int] = []
        for raw in wanted:
            try:
                ids.append(int(raw))
            except (TypeError, ValueError):
                errors.add("goals", f"Goal {raw!r} is not one of this person's goals in this episode.")
        goals = list(Goal.objects.filter(episode=episode, pk__in=ids))
        for unknown in sorted(set(ids) - {g.pk for g in goals}):
            errors.add("goals", f"Goal {unknown} is not one of this person's goals in this episode.")
    notes = _text(notes, "notes", "the notes", errors, max_length=10000)
    liaison_actions = _text(liaison_actions, "liaison_actions", "the liaison actions", errors, max_length=5000)
    errors.raise_if_any()
    assert day is not None and number is not None and next_day is not None
    contact = Contact.objects.create(
        episode=episode, person_id=episode.person_id, care_partner=actor.user, contact_on=day, mode=mode,
        place=place, minutes=number, reached=bool(reached), goals_discussed=bool(goals), notes=notes,
        liaison_actions=liaison_actions, next_contact_on=next_day,
    )
    if goals:
        contact.goals.set(goals)
    if reached and (episode.last_contact_on is None or day >= episode.last_contact_on):
        episode.last_contact_on = day
        episode.last_contact_mode = mode
    episode.next_contact_on = next_day
    episode.save(update_fields=["last_contact_on", "last_contact_mode", "next_contact_on", "updated_at"])
    _audit(actor, Action.CREATE, episode, "contact", contact.pk)
    return contact


# The proactive rhythm ------------------------------------------------------------------------------------------

def _interval(value: Any, errors: Errors, field: str = "interval_days") -> int | None:
    try:
        days = int(value)
    except (TypeError, ValueError):
        errors.add(field, f"The rhythm {value!r} is not a number of days.")
        return None
    if not 1 <= days <= 182:
        errors.add(field, f"The rhythm must be between 1 and 182 days, not {days}.")
        return None
    return days


@transaction.atomic
def rhythm_change(*, actor: Actor, person_id: int, interval_days: Any, agreed_with: str, reason: str,
                  next_contact_on: date | None = None, changed_on: date | None = None) -> RhythmChange:
    """Step contact down (less often) or up (more often) by agreement, recording who agreed and why."""
    episode = episode_to_work_on(actor, person_id)
    errors = Errors()
    _require_started(episode, errors)
    today = _today()
    changed_on = changed_on or today
    _not_future(changed_on, "changed_on", "date of the change", errors)
    days = _interval(interval_days, errors)
    agreed_with = _text(agreed_with, "agreed_with", "who agreed", errors, required=True, max_length=200)
    reason = _text(reason, "reason", "why", errors, required=True, max_length=3000)
    direction = rhythm.direction_of(episode.contact_interval_days, days) if days else ""
    if days and not direction:
        errors.add("interval_days", f"Contact is already {rhythm.interval_label(days).lower()}.")
    if next_contact_on is not None and next_contact_on < today:
        errors.add("next_contact_on", f"The next contact ({_fmt(next_contact_on)}) is in the past: plan it for "
                                      "today or later.")
    errors.raise_if_any()
    assert days is not None
    change = RhythmChange.objects.create(
        episode=episode, changed_on=changed_on, direction=direction, from_interval_days=episode.contact_interval_days,
        to_interval_days=days, agreed_with=agreed_with, reason=reason, recorded_by=actor.user)
    episode.contact_interval_days = days
    episode.next_contact_on = next_contact_on or rhythm.suggested_next_contact(
        after=episode.last_contact_on or today, interval_days=days, today=today)
    if direction == RhythmChange.Direction.STEP_DOWN and episode.phase == Phase.ACTIVE:
        _set_phase(actor=actor, episode=episode, to_phase=Phase.STEPPED_DOWN, on=changed_on, reason=reason)
    elif direction == RhythmChange.Direction.STEP_UP and episode.phase == Phase.STEPPED_DOWN:
        _set_phase(actor=actor, episode=episode, to_phase=Phase.ACTIVE, on=changed_on, reason=reason)
    episode.save()
    _audit(actor, Action.CREATE, episode, "rhythm_change", change.pk, {"direction": direction, "days": days})
    return change


@transaction.atomic
def urgent_referral(*, actor: Actor, person_id: int, service_id: Any, reason: str, agreed_with: str = "",
                    interval_days: Any = 7, next_contact_on: date | None = None) -> Referral:
    """Things are getting worse: an urgent referral to secondary or crisis care, and closer contact."""
    episode = episode_to_work_on(actor, person_id)
    errors = Errors()
    _require_started(episode, errors)
    today = _today()
    service = _service(service_id, errors)
    if service is not None and service.kind not in URGENT_SERVICE_KINDS:
        errors.add("service", f"{service.name} is not a secondary mental health or crisis service.")
    reason = _text(reason, "reason", "why the referral is urgent", errors, required=True, max_length=3000)
    agreed_with = _text(agreed_with, "agreed_with", "who agreed", errors, max_length=200)
    days = _interval(interval_days, errors)
    if next_contact_on is not None and next_contact_on < today:
        errors.add("next_contact_on", f"The next contact ({_fmt(next_contact_on)}) is in the past: plan it for "
                                      "today or later.")
    errors.raise_if_any()
    assert service is not None and days is not None
    referral = Referral.objects.create(episode=episode, person_id=episode.person_id, service=service,
                                       referred_on=today, reason=reason, urgent=True, created_by=actor.user)
    RhythmChange.objects.create(
        episode=episode, changed_on=today, direction=RhythmChange.Direction.URGENT,
        from_interval_days=episode.contact_interval_days, to_interval_days=days,
        agreed_with=agreed_with or "Care Partner (urgent)", reason=f"Urgent referral to {service.name}: {reason}",
        recorded_by=actor.user)
    episode.contact_interval_days = days
    episode.next_contact_on = next_contact_on or today + timedelta(days=min(days, 7))
    if episode.phase in (Phase.STEPPED_DOWN, Phase.TRANSITION):
        _set_phase(actor=actor, episode=episode, to_phase=Phase.ACTIVE, on=today, reason="Urgent referral")
    episode.save()
    _audit(actor, Action.CREATE, episode, "referral", referral.pk, {"urgent": True})
    return referral


# Liaison: the directory and referrals ---------------------------------------------------------------------

def _service(service_id: Any, errors: Errors, field: str = "service") -> Service | None:
    try:
        service = Service.objects.filter(pk=int(service_id), is_active=True).first()
    except (TypeError, ValueError):
        service = None
    if service is None:
        errors.add(field, f"Service {service_id!r} is not in the directory.")
    return service


@transaction.atomic
def referral_create(*, actor: Actor, person_id: int, service_id: Any, reason: str, referred_on: date | None = None,
                    urgent: bool = False) -> Referral:
    episode = episode_to_work_on(actor, person_id)
    errors = Errors()
    _require_started(episode, errors)
    referred_on = referred_on or _today()
    _not_future(referred_on, "referred_on", "referral date", errors)
    service = _service(service_id, errors)
    reason = _text(reason, "reason", "the reason for the referral", errors, required=True, max_length=3000)
    errors.raise_if_any()
    assert service is not None
    referral = Referral.objects.create(episode=episode, person_id=episode.person_id, service=service,
                                       referred_on=referred_on, reason=reason, urgent=urgent, created_by=actor.user)
    _audit(actor, Action.CREATE, episode, "referral", referral.pk)
    return referral


@transaction.atomic
def referral_record_outcome(*, actor: Actor, person_id: int, referral_id: Any, status: str, outcome: str = "",
                            outcome_on: date | None = None) -> Referral:
    episode = episode_to_work_on(actor, person_id)
    errors = Errors()
    try:
        referral = Referral.objects.select_for_update().filter(pk=int(referral_id), episode=episode).first()
    except (TypeError, ValueError):
        referral = None
    if referral is None:
        raise Http404("No such referral for this person.")
    _choice(status, Referral.Status, "status", "Status", errors)
    outcome_on = outcome_on or _today()
    _not_future(outcome_on, "outcome_on", "outcome date", errors)
    if outcome_on < referral.referred_on:
        errors.add("outcome_on", "The outcome date is before the referral.")
    outcome = _text(outcome, "outcome", "the outcome", errors, max_length=3000)
    errors.raise_if_any()
    referral.status, referral.outcome, referral.outcome_on = status, outcome, outcome_on
    referral.save(update_fields=["status", "outcome", "outcome_on"])
    _audit(actor, Action.UPDATE, episode, "referral", referral.pk, {"status": status})
    return referral


SERVICE_LIMITS = {"name": 200, "area": 100, "phone": 30, "address": 300, "email": 254, "website": 200}
SERVICE_FIELDS = ("name", "kind", "area", "phone", "email", "address", "website", "description", "is_active")


@transaction.atomic
def service_save(*, actor: Actor, data: dict[str, Any], service_id: int | None = None) -> Service:
    """Add a service to the local directory, or change one."""
    if actor.user.role not in (Role.CARE_PARTNER, Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise Http404("Not available for this role.")
    errors = Errors()
    service = Service() if service_id is None else Service.objects.select_for_update().filter(pk=service_id).first()
    if service is None:
        raise Http404("No such service.")
    cleaned: dict[str, Any] = {}
    for field in SERVICE_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field == "is_active":
            cleaned[field] = bool(value)
        elif field == "kind":
            _choice(value, Service.Kind, "kind", "Kind of service", errors)
            cleaned[field] = value
        else:
            limit = SERVICE_LIMITS.get(field, 3000)
            cleaned[field] = _text(value, field, {"name": "the name of the service"}.get(field, f"the {field}"),
                                   errors, required=field == "name", max_length=limit)
    if service_id is None and "kind" not in cleaned:
        errors.add("kind", "Select the kind of service.")
    if cleaned.get("email") and "@" not in cleaned["email"]:
        errors.add("email", f"{cleaned['email']!r} is not an email address.")
    if cleaned.get("website") and not cleaned["website"].startswith(("https://", "http://")):
        errors.add("website", "Enter the website starting with https://")
    errors.raise_if_any()
    for field, value in cleaned.items():
        setattr(service, field, value)
    service.save()
    audit_record(actor=actor, action=Action.CREATE if service_id is None else Action.UPDATE,
                 object_type="service", object_id=service.pk)
    return service


# Choice and cover ----------------------------------------------------------------------------------------------

@transaction.atomic
def episode_handover(*, actor: Actor, person_id: int, to_care_partner_id: Any, reason: str, note: str = "",
                     on: date | None = None) -> Handover:
    """Hand the case to another Care Partner with its whole history (e.g. the person asked for a change)."""
    user = actor.user
    episodes = Episode.objects.select_for_update().filter(person_id=person_id, phase__in=OPEN_PHASES)
    if user.role == Role.CARE_PARTNER:
        episodes = episodes.filter(care_partner_id__in=caseload_owner_ids(user))
    elif user.role == Role.SUPERVISOR:
        episodes = episodes.filter(care_partner__supervisor=user)
    else:
        raise Http404("Not available for this role.")
    episode = episodes.order_by("-referred_on").first()
    if episode is None:
        raise Http404("No open episode you can hand over for this person.")
    errors = Errors()
    on = on or _today()
    _not_future(on, "on", "handover date", errors)
    _choice(reason, Handover.Reason, "reason", "Reason", errors)
    try:
        to = User.objects.filter(pk=int(to_care_partner_id), role=Role.CARE_PARTNER, is_active=True).first()
    except (TypeError, ValueError):
        to = None
    if to is None:
        errors.add("to_care_partner", f"{to_care_partner_id!r} is not an active Care Partner.")
    elif to.pk == episode.care_partner_id:
        errors.add("to_care_partner", f"{to} is already this person's Care Partner.")
    note = _text(note, "note", "the note", errors, max_length=3000)
    errors.raise_if_any()
    assert to is not None
    handover = Handover.objects.create(episode=episode, from_care_partner_id=episode.care_partner_id,
                                       to_care_partner=to, reason=reason, note=note, handed_over_on=on,
                                       recorded_by=user)
    episode.care_partner = to
    episode.save(update_fields=["care_partner", "updated_at"])
    _audit(actor, Action.UPDATE, episode, "handover", handover.pk, {"to": to.pk if to else None, "reason": reason})
    return handover


def _supervisee(actor: Actor, care_partner_id: Any, errors: Errors, field: str = "care_partner") -> User | None:
    user = actor.user
    if user.role not in (Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise Http404("Only a supervisor can arrange cover.")
    people = User.objects.filter(role=Role.CARE_PARTNER)
    if user.role == Role.SUPERVISOR:
        people = people.filter(supervisor=user)
    try:
        found = people.filter(pk=int(care_partner_id)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        errors.add(field, f"{care_partner_id!r} is not a Care Partner you supervise.")
    return found


def _period(starts_on: Any, ends_on: Any, errors: Errors) -> tuple[date | None, date | None]:
    start = _as_date(starts_on, "starts_on", "start date", errors)
    end = _as_date(ends_on, "ends_on", "end date", errors, required=False)
    if start and end and end < start:
        errors.add("ends_on", f"The end date ({_fmt(end)}) is before the start ({_fmt(start)}).")
    return start, end


@transaction.atomic
def absence_record(*, actor: Actor, care_partner_id: Any, starts_on: Any, ends_on: Any = None,
                   reason: str = "") -> Absence:
    errors = Errors()
    cp = _supervisee(actor, care_partner_id, errors)
    start, end = _period(starts_on, ends_on, errors)
    reason = _text(reason, "reason", "the reason", errors, max_length=100)
    if cp and start and Absence.objects.filter(care_partner=cp, starts_on__lte=end or date.max).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=start)).exists():
        errors.add("starts_on", f"{cp} already has an absence recorded over these dates.")
    errors.raise_if_any()
    assert cp is not None and start is not None
    absence = Absence.objects.create(care_partner=cp, starts_on=start, ends_on=end, reason=reason,
                                     recorded_by=actor.user)
    audit_record(actor=actor, action=Action.CREATE, object_type="absence", object_id=absence.pk)
    return absence


@transaction.atomic
def cover_assign(*, actor: Actor, absent_id: Any, covering_id: Any, starts_on: Any, ends_on: Any = None,
                 reason: str = "") -> CoverArrangement:
    """While a Care Partner is away (or has left), a colleague covers their caseload (and so sees it)."""
    errors = Errors()
    absent = _supervisee(actor, absent_id, errors, "absent")
    covering = None
    with contextlib.suppress(TypeError, ValueError):
        covering = User.objects.filter(pk=int(covering_id), role=Role.CARE_PARTNER, is_active=True).first()
    if covering is None:
        errors.add("covering", f"{covering_id!r} is not an active Care Partner.")
    elif absent is not None and covering.pk == absent.pk:
        errors.add("covering", "A Care Partner cannot cover their own caseload.")
    start, end = _period(starts_on, ends_on, errors)
    reason = _text(reason, "reason", "the reason", errors, max_length=200)
    errors.raise_if_any()
    assert absent is not None and covering is not None and start is not None
    cover = CoverArrangement.objects.create(absent=absent, covering=covering, starts_on=start, ends_on=end,
                                            reason=reason, assigned_by=actor.user)
    audit_record(actor=actor, action=Action.CREATE, object_type="cover", object_id=cover.pk,
                 detail={"absent": absent.pk if absent else None, "covering": covering.pk if covering else None})
    return cover


@transaction.atomic
def cover_end(*, actor: Actor, cover_id: int, ends_on: date | None = None) -> CoverArrangement:
    errors = Errors()
    cover = CoverArrangement.objects.select_for_update().filter(pk=cover_id).first()
    if cover is None:
        raise Http404("No such cover arrangement.")
    _supervisee(actor, cover.absent_id, errors, "absent")
    ends_on = ends_on or _today()
    if ends_on < cover.starts_on:
        errors.add("ends_on", "The end date is before the cover started.")
    errors.raise_if_any()
    cover.ends_on = ends_on
    cover.save(update_fields=["ends_on"])
    audit_record(actor=actor, action=Action.UPDATE, object_type="cover", object_id=cover.pk)
    return cover


@transaction.atomic
def post_record(*, actor: Actor, care_partner_id: Any, practice_id: Any, starts_on: Any,
                ends_on: Any = None) -> CarePartnerPost:
    """A Care Partner in post at a practice over a period (the practice's time with a Care Partner)."""
    errors = Errors()
    cp = _supervisee(actor, care_partner_id, errors)
    try:
        practice = Organisation.objects.filter(pk=int(practice_id), kind=Organisation.Kind.PRACTICE).first()
    except (TypeError, ValueError):
        practice = None
    if practice is None:
        errors.add("practice", f"{practice_id!r} is not a GP practice.")
    start, end = _period(starts_on, ends_on, errors)
    if cp and practice and start and CarePartnerPost.objects.filter(
            care_partner=cp, practice=practice, starts_on__lte=end or date.max).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=start)).exists():
        errors.add("starts_on", f"{cp} is already in post at {practice.name} over these dates.")
    errors.raise_if_any()
    assert cp is not None and practice is not None and start is not None
    post = CarePartnerPost.objects.create(care_partner=cp, practice=practice, starts_on=start, ends_on=end)
    audit_record(actor=actor, action=Action.CREATE, object_type="care_partner_post", object_id=post.pk)
    return post


@transaction.atomic
def post_end(*, actor: Actor, post_id: int, ends_on: date | None = None) -> CarePartnerPost:
    errors = Errors()
    post = CarePartnerPost.objects.select_for_update().filter(pk=post_id).first()
    if post is None:
        raise Http404("No such post.")
    _supervisee(actor, post.care_partner_id, errors)
    ends_on = ends_on or _today()
    if ends_on < post.starts_on:
        errors.add("ends_on", "The end date is before the post started.")
    errors.raise_if_any()
    post.ends_on = ends_on
    post.save(update_fields=["ends_on"])
    audit_record(actor=actor, action=Action.UPDATE, object_type="care_partner_post", object_id=post.pk)
    return post
