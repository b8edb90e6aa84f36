"""Writes for structured sessions: keyword-only, typed, atomic, validated here and audited."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record
from partners.care import services as care_services
from partners.care.models import Contact, Goal, Phase
from partners.measures.models import CollectionMode
from partners.measures.services import questionnaire_response_create
from partners.voice import dialog
from partners.voice.models import AgreedAction, SessionDiscussion, SessionRating, StructuredSession

MAX_ACTION_LENGTH = 500


def _session(actor: Actor, person_id: int, session_id: int, *, lock: bool = True) -> StructuredSession:
    episode = care_services.episode_to_work_on(actor, person_id, lock=False)
    sessions = StructuredSession.objects.filter(pk=session_id, episode=episode)
    if lock:
        sessions = sessions.select_for_update()
    session = sessions.first()
    if session is None:
        raise Http404("No such session.")
    return session


def _audit(actor: Actor, action: str, session: StructuredSession, detail: dict[str, Any] | None = None) -> None:
    audit_record(actor=actor, action=action, person_id=session.person_id, object_type="structured_session",
                 object_id=session.pk, detail=detail)


@transaction.atomic
def session_start(*, actor: Actor, person_id: int, interpreter_used: bool = False) -> StructuredSession:
    """Start a structured session today (or carry on with today's unfinished one)."""
    episode = care_services.episode_to_work_on(actor, person_id, lock=False)
    if episode.phase == Phase.INVITED:
        raise ValidationError({"__all__": ["Accept the referral before holding a structured session."]})
    today = timezone.localdate()
    existing = (StructuredSession.objects.select_for_update()
                .filter(episode=episode, held_on=today).exclude(status=StructuredSession.Status.COMPLETED).first())
    if existing is not None:
        return existing
    session = StructuredSession.objects.create(episode=episode, person_id=episode.person_id, care_partner=actor.user,
                                               held_on=today, interpreter_used=bool(interpreter_used))
    _audit(actor, Action.CREATE, session)
    return session


def _not_completed(session: StructuredSession) -> None:
    if session.status == StructuredSession.Status.COMPLETED:
        raise ValidationError({"__all__": ["This session is already completed."]})


@transaction.atomic
def session_rate(*, actor: Actor, person_id: int, session_id: int, ratings: Mapping[str, Any],
                 more_help: Iterable[str] = ()) -> StructuredSession:
    """The person's 1-7 ratings for all 11 areas, and the areas they want more help with."""
    session = _session(actor, person_id, session_id)
    _not_completed(session)
    errors = dialog.check_ratings(ratings)
    wanted = set(more_help)
    unknown = sorted(wanted - set(dialog.BY_CODE))
    if unknown:
        errors["more_help"] = f"{', '.join(unknown)} is not one of the areas."
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})
    session.ratings.all().delete()
    SessionRating.objects.bulk_create(
        SessionRating(session=session, area=a.code, rating=int(ratings[a.code]), more_help=a.code in wanted)
        for a in dialog.AREAS)
    if session.status == StructuredSession.Status.RATING:
        session.status = StructuredSession.Status.CHOOSING
        session.save(update_fields=["status"])
    _audit(actor, Action.UPDATE, session, {"step": "ratings"})
    return session


@transaction.atomic
def session_choose(*, actor: Actor, person_id: int, session_id: int, areas: list[str]) -> StructuredSession:
    """Up to 3 areas the person chose to talk about, in the order chosen."""
    session = _session(actor, person_id, session_id)
    _not_completed(session)
    if session.status == StructuredSession.Status.RATING:
        raise ValidationError({"__all__": ["Rate the areas first."]})
    error = dialog.check_choice(areas)
    if error:
        raise ValidationError({"areas": [error]})
    if session.discussions.filter(done=True).exclude(area__in=areas).exists():
        raise ValidationError({"areas": ["An area already talked through cannot be taken off the list."]})
    session.discussions.exclude(area__in=areas).delete()
    existing = set(session.discussions.values_list("area", flat=True))
    for position, area in enumerate(areas, start=1):
        if area in existing:
            session.discussions.filter(area=area).update(position=position)
        else:
            SessionDiscussion.objects.create(session=session, area=area, position=position)
    session.status = StructuredSession.Status.DISCUSSING
    session.save(update_fields=["status"])
    _audit(actor, Action.UPDATE, session, {"step": "chosen", "areas": areas})
    return session


@transaction.atomic
def discussion_save(*, actor: Actor, person_id: int, session_id: int, area: str, understanding: str,
                    looking_forward: str, options: str, actions: str, goal: str = "", goal_words: str = "",
                    goal_rating: Any = None) -> SessionDiscussion:
    """The four steps for one chosen area; the agreed actions become steps of a goal.

    ``goal`` is an active goal's id (the actions are added to its steps), ``"new"`` (a new goal in the
    person's words, ``goal_words``, with their 0-10 rating now, ``goal_rating``), or blank (no goal)."""
    session = _session(actor, person_id, session_id)
    _not_completed(session)
    discussion = session.discussions.filter(area=area).first()
    if discussion is None:
        raise Http404("That area was not chosen in this session.")
    errors: dict[str, list[str]] = {}
    texts = {"understanding": understanding, "looking_forward": looking_forward, "options": options}
    for name, value in texts.items():
        if len(value or "") > 5000:
            errors.setdefault(name, []).append("Keep this to 5000 characters.")
    agreed = dialog.split_actions(actions or "")
    if not agreed:
        errors.setdefault("actions", []).append("Write at least one agreed action (one a line).")
    for text in agreed:
        if len(text) > MAX_ACTION_LENGTH:
            errors.setdefault("actions", []).append(f"An action is longer than {MAX_ACTION_LENGTH} characters.")
    target: Goal | None = None
    if goal and goal != "new":
        target = Goal.objects.filter(pk=int(goal) if str(goal).isdigit() else 0, episode=session.episode,
                                     status=Goal.Status.ACTIVE).first()
        if target is None:
            errors.setdefault("goal", []).append(f"Goal {goal!r} is not one of this person's active goals.")
    elif goal == "new" and not (goal_words or "").strip():
        errors.setdefault("goal_words", []).append("Write the new goal in the person's own words.")
    if discussion.done:
        errors.setdefault("__all__", []).append("This area has already been talked through in this session.")
    if errors:
        raise ValidationError(errors)
    area_label = dialog.BY_CODE[area].label
    steps_text = "\n".join(f"- {a}" for a in agreed)
    if goal == "new":
        target = care_services.goal_agree(actor=actor, person_id=person_id, life_area=dialog.BY_CODE[area].life_area,
                                          words=goal_words, rating=goal_rating, steps=steps_text)
    elif target is not None:
        heading = f"Agreed {session.held_on:%-d %b %Y} ({area_label}):"
        steps = "\n".join(part for part in (target.steps.strip(), heading, steps_text) if part)
        target = care_services.goal_update(actor=actor, person_id=person_id, goal_id=target.pk, words=target.words,
                                           steps=steps, who_helps=target.who_helps, review_on=target.review_on)
    for name, value in texts.items():
        setattr(discussion, name, (value or "").strip())
    discussion.done = True
    discussion.goal = target
    discussion.save()
    AgreedAction.objects.bulk_create(
        AgreedAction(discussion=discussion, session=session, episode_id=session.episode_id, text=text, goal=target)
        for text in agreed)
    _audit(actor, Action.UPDATE, session, {"step": "discussed", "area": area, "actions": len(agreed)})
    return discussion


@transaction.atomic
def session_complete(*, actor: Actor, person_id: int, session_id: int) -> StructuredSession:
    """Finish: the two means are scored by the measures engine and stored as questionnaire responses."""
    session = _session(actor, person_id, session_id)
    _not_completed(session)
    discussions = list(session.discussions.all())
    if session.status == StructuredSession.Status.RATING or not discussions:
        raise ValidationError({"__all__": ["Rate the areas and choose what to talk about first."]})
    waiting = [dialog.BY_CODE[d.area].label for d in discussions if not d.done]
    if waiting:
        raise ValidationError({"__all__": [f"Talk through {', '.join(waiting)} first (agree at least one action)."]})
    ratings = {r.area: r.rating for r in session.ratings.all()}
    mode = CollectionMode.INTERPRETER if session.interpreter_used else CollectionMode.STAFF
    responses = {}
    for instrument, codes in (("dialog-life", dialog.LIFE), ("dialog-care", dialog.CARE)):
        responses[instrument] = questionnaire_response_create(
            actor=actor, person_id=person_id, instrument=instrument, responses=dialog.responses(ratings, codes),
            completed_on=session.held_on, mode=mode)
    session.life_response, session.care_response = responses["dialog-life"], responses["dialog-care"]
    session.life_mean, session.care_mean = session.life_response.score, session.care_response.score
    session.status = StructuredSession.Status.COMPLETED
    session.completed_at = timezone.now()
    session.save()
    _audit(actor, Action.UPDATE, session, {"step": "completed", "life_mean": session.life_mean,
                                           "care_mean": session.care_mean})
    return session


@transaction.atomic
def actions_review(*, actor: Actor, person_id: int, contact: Contact, reviews: Mapping[str, str]) -> int:
    """Record, at a contact, how each agreed action went (blank: leave it to review later). Returns the count."""
    episode = care_services.episode_to_work_on(actor, person_id, lock=False)
    errors: dict[str, list[str]] = {}
    allowed = {s for s in AgreedAction.Status.values if s != AgreedAction.Status.OPEN}
    wanted = {str(k): v for k, v in reviews.items() if v}
    for key, value in wanted.items():
        if value not in allowed:
            errors.setdefault(f"action_{key}", []).append(f"{value!r} is not one of: {', '.join(sorted(allowed))}.")
    actions = {str(a.pk): a for a in AgreedAction.objects.filter(episode=episode, pk__in=[
        int(k) for k in wanted if k.isdigit()])}
    for key in wanted:
        if key not in actions:
            errors.setdefault("__all__", []).append(f"Action {key} is not one of this person's agreed actions.")
    if errors:
        raise ValidationError(errors)
    for key, status in wanted.items():
        action = actions[key]
        action.status, action.reviewed_on, action.reviewed_contact = status, contact.contact_on, contact
        action.save(update_fields=["status", "reviewed_on", "reviewed_contact"])
    StructuredSession.objects.filter(episode=episode, held_on=contact.contact_on, contact__isnull=True,
                                     status=StructuredSession.Status.COMPLETED).update(contact=contact)
    if wanted:
        audit_record(actor=actor, action=Action.UPDATE, person_id=episode.person_id, object_type="agreed_action",
                     object_id=contact.pk, detail={"reviewed": len(wanted)})
    return len(wanted)
