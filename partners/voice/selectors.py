"""Reads for structured sessions, scoped (the person fetched through ``registry.selectors``, audited)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import Http404

from partners.audit.actor import Actor
from partners.care.selectors import person_for_work
from partners.registry.models import Person
from partners.voice import dialog
from partners.voice.models import AgreedAction, SessionDiscussion, StructuredSession


@dataclass
class SessionView:
    person: Person
    session: StructuredSession
    ratings: dict[str, int] = field(default_factory=dict)
    more_help: dict[str, bool] = field(default_factory=dict)
    previous: dict[str, int] = field(default_factory=dict)
    previous_on: Any = None
    discussions: list[SessionDiscussion] = field(default_factory=list)
    care: Any = None  # care.selectors.PersonCare (active goals for the discussion step)

    @property
    def comparisons(self) -> list[dialog.Comparison]:
        return dialog.compare(self.ratings, self.more_help, self.previous)

    @property
    def chosen(self) -> list[str]:
        return [d.area for d in self.discussions]


def session_view(*, actor: Actor, person_id: int, session_id: int) -> SessionView:
    """A session on the caller's caseload with its ratings, the previous session's, and its discussions."""
    person, care = person_for_work(actor=actor, person_id=person_id)  # scoped and audited
    session = StructuredSession.objects.filter(pk=session_id, episode=care.episode).first()
    if session is None:
        raise Http404("No such session.")
    view = SessionView(person=person, session=session, care=care)
    for rating in session.ratings.all():
        view.ratings[rating.area] = rating.rating
        view.more_help[rating.area] = rating.more_help
    previous = (StructuredSession.objects.filter(person=person, status=StructuredSession.Status.COMPLETED)
                .exclude(pk=session.pk).filter(held_on__lte=session.held_on).order_by("-held_on", "-pk")
                .prefetch_related("ratings").first())
    if previous is not None:
        view.previous = {r.area: r.rating for r in previous.ratings.all()}
        view.previous_on = previous.held_on
    view.discussions = list(session.discussions.prefetch_related("actions").select_related("goal"))
    return view


REVIEW_CHOICES = [(s.value, s.label) for s in AgreedAction.Status if s != AgreedAction.Status.OPEN]


def open_actions(*, episode_id: int) -> list[AgreedAction]:
    """Agreed actions still to review for an episode, oldest session first (one query)."""
    return list(AgreedAction.objects.filter(episode_id=episode_id, status=AgreedAction.Status.OPEN,
                                            session__status=StructuredSession.Status.COMPLETED)
                .select_related("session", "goal", "discussion").order_by("session__held_on", "session_id",
                                                                          "discussion__position", "pk"))
