"""Writes for supervision: sessions with their actions, closing actions, and training records.

Validated in one place (the web forms use these), audited (a session that discusses cases is recorded
against each person discussed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from partners.accounts.models import Role, User
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record
from partners.care.models import Episode
from partners.supervision.models import SupervisionAction, SupervisionSession, TrainingKind, TrainingRecord

NEED_DESCRIPTION = "Enter what is to be done."
NEED_OWNER = "Select who will do it: the Care Partner or you."
NEED_DUE = "Enter when it is due."


@dataclass(frozen=True)
class NewAction:
    """One action row of the session form (``index`` names its fields: ``action_<index>_...``)."""

    index: int
    description: str
    owner_id: int | None
    due_on: date | None
    episode_id: int | None = None


def supervisee_for(actor: Actor, supervisee_id: int) -> User:
    """A Care Partner the actor supervises, or 404 as if there were no such person."""
    if actor.user.role != Role.SUPERVISOR:
        raise Http404("Not available for this role.")
    try:
        return User.objects.get(pk=supervisee_id, role=Role.CARE_PARTNER, supervisor=actor.user)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("No such Care Partner.") from None


@transaction.atomic
def supervision_session_record(*, actor: Actor, supervisee_id: int, held_on: date | None,
                               minutes: int | None = None, episode_ids: Iterable[int] = (), notes: str = "",
                               actions: Sequence[NewAction] = (),
                               completed_action_ids: Iterable[int] = ()) -> SupervisionSession:
    """Record a supervision session: the cases discussed, new actions, and carried-forward actions now done."""
    supervisee = supervisee_for(actor, supervisee_id)
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if held_on is None:
        errors["held_on"] = ["Enter the date of the session."]
    elif held_on > today:
        errors["held_on"] = [f"Date of the session {held_on.isoformat()} is in the future."]
    if minutes is not None and not 5 <= minutes <= 480:
        errors["minutes"] = [f"Length {minutes} minutes must be between 5 and 480."]
    wanted = sorted(set(int(i) for i in episode_ids))
    cases = list(Episode.objects.filter(pk__in=wanted, care_partner=supervisee).select_related("person"))
    if len(cases) != len(wanted):
        unknown = sorted(set(wanted) - {e.pk for e in cases})
        errors["cases"] = [f"Episode {unknown[0]} is not on {supervisee}'s caseload."]
    case_ids = {e.pk for e in cases}
    owners = {supervisee.pk, actor.user.pk}
    for action in actions:
        prefix = f"action_{action.index}_"
        if not action.description.strip():
            errors.setdefault(prefix + "description", []).append(NEED_DESCRIPTION)
        if action.owner_id not in owners:
            errors.setdefault(prefix + "owner", []).append(NEED_OWNER)
        if action.due_on is None:
            errors.setdefault(prefix + "due_on", []).append(NEED_DUE)
        elif held_on is not None and action.due_on < held_on:
            errors.setdefault(prefix + "due_on", []).append(
                f"Due date {action.due_on.isoformat()} is before the session ({held_on.isoformat()}).")
        if action.episode_id is not None and action.episode_id not in case_ids:
            errors.setdefault(prefix + "case", []).append("Select a case that was discussed in this session.")
    closing = sorted(set(int(i) for i in completed_action_ids))
    open_actions = list(SupervisionAction.objects.filter(pk__in=closing, session__supervisee=supervisee,
                                                         completed_on__isnull=True))
    if len(open_actions) != len(closing):
        errors["completed_actions"] = ["Only open actions from earlier sessions with this Care Partner can be closed."]
    if errors:
        raise ValidationError(errors)
    assert held_on is not None
    session = SupervisionSession.objects.create(supervisee=supervisee, supervisor=actor.user, held_on=held_on,
                                                minutes=minutes, notes=(notes or "").strip())
    session.cases.set(cases)
    SupervisionAction.objects.bulk_create([
        SupervisionAction(session=session, episode_id=a.episode_id, description=a.description.strip()[:500],
                          owner_id=a.owner_id, due_on=a.due_on)  # type: ignore[misc]  # validated above
        for a in actions
    ])
    for done in open_actions:
        done.completed_on = held_on
        done.completed_by = actor.user
        done.completed_in = session
    SupervisionAction.objects.bulk_update(open_actions, ["completed_on", "completed_by", "completed_in"])
    audit_record(actor=actor, action=Action.CREATE, object_type="supervision_session", object_id=session.pk,
                 detail={"supervisee": supervisee.username, "cases": len(cases), "actions": len(actions)})
    for episode in cases:
        audit_record(actor=actor, action=Action.UPDATE, person_id=episode.person_id,
                     object_type="supervision_session", object_id=session.pk, detail={"discussed": True})
    return session


def _may_close(user: User, action: SupervisionAction) -> bool:
    return (action.owner_id == user.pk or action.session.supervisor_id == user.pk
            or action.session.supervisee.supervisor_id == user.pk)


@transaction.atomic
def supervision_action_complete(*, actor: Actor, action_id: int, on: date | None = None) -> SupervisionAction:
    """The owner (or the supervisor) marks an action done; it stops being carried forward."""
    try:
        action = (SupervisionAction.objects.select_for_update(of=("self",))
                  .select_related("session__supervisee").get(pk=action_id))
    except (SupervisionAction.DoesNotExist, ValueError, TypeError):
        raise Http404("No such action.") from None
    if not _may_close(actor.user, action):
        raise Http404("No such action.")
    if action.completed_on is None:
        on = on or timezone.localdate()
        if on < action.session.held_on:
            raise ValidationError({"completed_on": [f"Done on {on.isoformat()} is before the session that agreed it."]})
        action.completed_on = on
        action.completed_by = actor.user
        action.save(update_fields=["completed_on", "completed_by"])
        audit_record(actor=actor, action=Action.UPDATE, person_id=action.episode.person_id if action.episode else None,
                     object_type="supervision_action", object_id=action.pk, detail={"completed": True})
    return action


def training_subjects(actor: Actor) -> list[User]:
    """Whose training the actor may record: a supervisor for themselves and their supervisees."""
    if actor.user.role != Role.SUPERVISOR:
        return []
    return [actor.user, *User.objects.filter(supervisor=actor.user, role=Role.CARE_PARTNER, is_active=True)]


@transaction.atomic
def training_record_create(*, actor: Actor, user_id: int | None, kind: str, completed_on: date | None,
                           days: Any, title: str = "", provider: str = "", notes: str = "") -> TrainingRecord:
    subjects = {u.pk: u for u in training_subjects(actor)}
    errors: dict[str, list[str]] = {}
    if user_id not in subjects:
        errors["user"] = ["Select yourself or a Care Partner you supervise."]
    kinds = [k.value for k in TrainingKind]
    if kind not in kinds:
        errors["kind"] = [f"Kind {kind!r} is not one of: {', '.join(kinds)}."]
    if completed_on is None:
        errors["completed_on"] = ["Enter the date the training was completed."]
    elif completed_on > timezone.localdate():
        errors["completed_on"] = [f"Date completed {completed_on.isoformat()} is in the future."]
    try:
        length = Decimal(str(days))
    except (InvalidOperation, ValueError):
        errors["days"] = [f"Length {days!r} is not a number of days."]
    else:
        if not Decimal("0.5") <= length <= Decimal("10") or length % Decimal("0.5"):
            errors["days"] = [f"Length {length} days must be between 0.5 and 10, in half days."]
    subject = subjects.get(user_id)  # type: ignore[arg-type]
    if subject is not None and kind == TrainingKind.SUPERVISOR and subject.role != Role.SUPERVISOR:
        errors.setdefault("kind", []).append("Supervisor training is for supervisors.")
    if errors:
        raise ValidationError(errors)
    assert subject is not None and completed_on is not None
    record = TrainingRecord.objects.create(user=subject, kind=kind, completed_on=completed_on, days=length,
                                           title=(title or "").strip()[:200], provider=(provider or "").strip()[:200],
                                           notes=(notes or "").strip(), recorded_by=actor.user)
    audit_record(actor=actor, action=Action.CREATE, object_type="training_record", object_id=record.pk,
                 detail={"user": subject.username, "kind": kind})
    return record
