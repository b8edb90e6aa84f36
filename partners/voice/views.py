"""Structured session pages: thin views over voice.selectors and voice.services (no JavaScript needed)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.care.selectors import person_for_work
from partners.common.decorators import role_required
from partners.common.forms import apply_errors
from partners.common.types import AuthedRequest
from partners.measures.services import score_responses
from partners.voice import dialog, forms, selectors, services
from partners.voice.models import StructuredSession


def _url(name: str, person_id: int, session_id: int, *extra: Any) -> str:
    return reverse(f"voice:{name}", args=[person_id, session_id, *extra])


def _next_step(view: selectors.SessionView) -> str:
    session, pid = view.session, view.person.pk
    if session.status == StructuredSession.Status.RATING:
        return _url("rate", pid, session.pk)
    if session.status == StructuredSession.Status.CHOOSING:
        return _url("choose", pid, session.pk)
    waiting = [d for d in view.discussions if not d.done]
    if session.status == StructuredSession.Status.DISCUSSING and waiting:
        return _url("talk", pid, session.pk, waiting[0].area)
    return _url("finish", pid, session.pk)


def _render(request: AuthedRequest, template: str, view: selectors.SessionView | None, form: Any,
            **extra: Any) -> HttpResponse:
    context = {"view": view, "form": form, "person": view.person if view else extra.get("person"), **extra}
    if view is not None:
        context["session"] = view.session
        context["cancel"] = reverse("registry:person", args=[view.person.pk])
    return render(request, template, context, status=400 if form is not None and form.is_bound and form.errors
                  else 200)


@role_required(Role.CARE_PARTNER)
@require_http_methods(["GET", "POST"])
def start(request: AuthedRequest, person_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    person, _care = person_for_work(actor=actor, person_id=person_id)
    form = forms.StartForm(request.POST or None, initial={"interpreter_used": person.interpreter_needed})
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_start(actor=actor, person_id=person.pk,
                                             interpreter_used=form.cleaned_data["interpreter_used"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect(_url("rate", person.pk, session.pk))
    return render(request, "voice/start.html", {"person": person, "form": form,
                                                "cancel": reverse("registry:person", args=[person.pk])},
                  status=400 if form.errors else 200)


@role_required(Role.CARE_PARTNER)
@require_http_methods(["GET", "POST"])
def rate(request: AuthedRequest, person_id: int, session_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    view = selectors.session_view(actor=actor, person_id=person_id, session_id=session_id)
    initial: dict[str, Any] = {code: str(value) for code, value in view.ratings.items()}
    initial.update({f"{code}_help": value for code, value in view.more_help.items()})
    form = forms.RatingForm(request.POST or None, initial=initial, previous=view.previous)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_rate(actor=actor, person_id=person_id, session_id=session_id, ratings=form.ratings(),
                                  more_help=form.more_help())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect(_url("choose", person_id, session_id))
    return _render(request, "voice/rate.html", view, form, scale_hint=forms.SCALE_HINT)


@role_required(Role.CARE_PARTNER)
@require_http_methods(["GET", "POST"])
def choose(request: AuthedRequest, person_id: int, session_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    view = selectors.session_view(actor=actor, person_id=person_id, session_id=session_id)
    if not view.ratings:
        return redirect(_url("rate", person_id, session_id))
    form = forms.ChooseForm(request.POST or None, initial={"areas": view.chosen})
    if request.method == "POST" and form.is_valid():
        try:
            services.session_choose(actor=actor, person_id=person_id, session_id=session_id,
                                    areas=form.cleaned_data["areas"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            view = selectors.session_view(actor=actor, person_id=person_id, session_id=session_id)
            return redirect(_next_step(view))
    return _render(request, "voice/choose.html", view, form)


@role_required(Role.CARE_PARTNER)
@require_http_methods(["GET", "POST"])
def talk(request: AuthedRequest, person_id: int, session_id: int, area: str) -> HttpResponse:
    actor = Actor.from_request(request)
    view = selectors.session_view(actor=actor, person_id=person_id, session_id=session_id)
    discussion = next((d for d in view.discussions if d.area == area), None)
    if discussion is None or area not in dialog.BY_CODE:
        raise Http404("That area was not chosen in this session.")
    goals = [g.goal for g in view.care.active_goals]
    form = forms.DiscussionForm(request.POST or None, goals=goals)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.discussion_save(
                actor=actor, person_id=person_id, session_id=session_id, area=area,
                understanding=data["understanding"], looking_forward=data["looking_forward"], options=data["options"],
                actions=data["actions"], goal=data["goal"], goal_words=data["goal_words"],
                goal_rating=int(data["goal_rating"]) if data["goal_rating"] not in (None, "") else None)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            view = selectors.session_view(actor=actor, person_id=person_id, session_id=session_id)
            return redirect(_next_step(view))
    number = [d.area for d in view.discussions].index(area) + 1
    comparison = next(c for c in view.comparisons if c.area.code == area)
    return _render(request, "voice/talk.html", view, form, discussion=discussion, area=dialog.BY_CODE[area],
                   number=number, count=len(view.discussions), comparison=comparison)


@role_required(Role.CARE_PARTNER)
@require_http_methods(["GET", "POST"])
def finish(request: AuthedRequest, person_id: int, session_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    view = selectors.session_view(actor=actor, person_id=person_id, session_id=session_id)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.session_complete(actor=actor, person_id=person_id, session_id=session_id)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, "Structured session saved. Now log the contact it was part of.")
            return redirect(reverse("care:contact", args=[person_id]))
    life = dialog.responses(view.ratings, dialog.LIFE)
    care = dialog.responses(view.ratings, dialog.CARE)
    return render(request, "voice/finish.html", {
        "view": view, "person": view.person, "session": view.session, "errors": errors,
        "next_step": _next_step(view),
        "life_mean": score_responses("dialog-life", life).score,  # what session_complete will store
        "care_mean": score_responses("dialog-care", care).score,
        "cancel": reverse("registry:person", args=[person_id]),
    }, status=400 if errors else 200)
