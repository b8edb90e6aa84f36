"""Care delivery pages: thin views that parse, call a selector or a service, and render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from partners.accounts.models import Role, User
from partners.audit.actor import Actor
from partners.care import forms, rhythm, selectors, services
from partners.care.models import ContactMode, Goal, Phase, Referral, Service
from partners.common.decorators import role_required
from partners.common.forms import apply_errors
from partners.common.types import AuthedRequest
from partners.registry.models import Person
from partners.supervision.flagrules import FLAG_LABELS
from partners.voice import selectors as voice_selectors
from partners.voice import services as voice_services

PHASE_FILTERS = [(p.value, p.label) for p in Phase if p not in (Phase.INVITED, Phase.ENDED)]
STATUS_FILTERS = [("overdue", "Overdue"), ("due", "Due this week")]
SORT_COLUMNS = [("name", "Name"), ("age", "Age"), ("practice", "Practice"), ("phase", "Phase"),
                ("next", "Next contact"), ("last", "Last contact"), ("goals", "Goals"), ("mansa", "MANSA"),
                ("flags", "Flags")]


def _person_url(person_id: int, anchor: str = "") -> str:
    return reverse("registry:person", args=[person_id]) + (f"#{anchor}" if anchor else "")


@role_required(Role.CARE_PARTNER)
def caseload(request: AuthedRequest) -> HttpResponse:
    """My caseload: one row per person, sortable and filterable; new referrals to accept above it."""
    params = request.GET
    sort = params.get("sort", "next")
    if sort.lstrip("-") not in selectors.SORTS:
        sort = "next"
    data = selectors.caseload_rows(
        actor=Actor.from_request(request), phase=params.get("phase", ""), status=params.get("status", ""),
        flag=params.get("flag", ""), sort=sort, search=params.get("q", "").strip())
    columns = []
    for key, label in SORT_COLUMNS:
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        columns.append({"key": key, "label": label, "current": current,
                        "aria": ("descending" if descending else "ascending") if current else "none",
                        "next": f"-{key}" if current and not descending else key})
    return render(request, "care/caseload.html", {
        "data": data, "today": timezone.localdate(), "columns": columns, "sort": sort,
        "phase_filters": PHASE_FILTERS, "status_filters": STATUS_FILTERS, "flag_filters": list(FLAG_LABELS.items()),
        "filters": {"phase": params.get("phase", ""), "status": params.get("status", ""),
                    "flag": params.get("flag", ""), "q": params.get("q", "")},
    })


def _handle(request: AuthedRequest, form: Any, call: Callable[[dict[str, Any]], Any], success: str,
            redirect_to: str) -> HttpResponse | None:
    """Validate the form, run the service, apply its errors to the form; a redirect on success."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return None
    messages.success(request, success)
    return redirect(redirect_to)


def _page(request: AuthedRequest, *, person: Person | None, form: Any, title: str, submit: str,
          caption: str = "", intro: str = "", template: str = "care/form.html", creates: bool = False,
          cancel: str = "", extra: dict[str, Any] | None = None) -> HttpResponse:
    context = {"person": person, "form": form, "title": title, "submit": submit, "caption": caption,
               "intro": intro, "creates": creates,
               "cancel": cancel or (_person_url(person.pk) if person else reverse("care:caseload")), **(extra or {})}
    return render(request, template, context, status=400 if form.is_bound and form.errors else 200)


@role_required(Role.CARE_PARTNER)
@require_POST
def accept(request: AuthedRequest, person_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        episode = services.episode_accept(actor=actor, person_id=person_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("care:caseload")
    messages.success(request, f"{episode.person.full_name} is on your caseload. First contact planned for "
                              f"{episode.next_contact_on:%-d %B}.")
    return redirect(_person_url(person_id))


@role_required(Role.CARE_PARTNER)
@require_http_methods(["GET", "POST"])
def contact_new(request: AuthedRequest, person_id: int) -> HttpResponse:
    """The quick contact form: today, the usual mode, goals to tick, next contact = today + the rhythm."""
    actor = Actor.from_request(request)
    person, care = selectors.person_for_work(actor=actor, person_id=person_id)
    episode = care.episode
    assert episode is not None
    if episode.phase == Phase.INVITED:
        messages.error(request, "Accept the referral before recording contacts.")
        return redirect("care:caseload")
    today = timezone.localdate()
    goals = [g.goal for g in care.active_goals]
    initial = {"contact_on": today, "mode": episode.last_contact_mode or ContactMode.FACE_TO_FACE,
               "next_contact_on": today + timedelta(days=episode.contact_interval_days)}
    form = forms.ContactForm(request.POST or None, initial=initial, goals=goals)
    back = reverse("care:caseload") if request.GET.get("next") == "caseload" else _person_url(person.pk)
    # Actions agreed at structured sessions, reviewed here (voice app): one query.
    agreed = voice_selectors.open_actions(episode_id=episode.pk)
    reviews = {str(a.pk): request.POST.get(f"action_{a.pk}", "") for a in agreed} if request.method == "POST" else {}

    @transaction.atomic
    def save(d: dict[str, Any]) -> Any:
        contact = services.contact_record(
            actor=actor, person_id=person.pk, contact_on=d["contact_on"], mode=d["mode"], place=d["place"],
            minutes=d["minutes"], reached=not d["not_reached"], goal_ids=d["goals"], notes=d["notes"],
            liaison_actions=d["liaison_actions"], next_contact_on=d["next_contact_on"])
        voice_services.actions_review(actor=actor, person_id=person.pk, contact=contact, reviews=reviews)
        return contact

    done = _handle(request, form, save, "Contact saved.", back)
    if done:
        return done
    return _page(request, person=person, form=form, title="Log a contact", submit="Save contact",
                 caption=person.full_name, template="care/contact_form.html", creates=True,
                 extra={"episode": episode, "interval_label": rhythm.interval_label(episode.contact_interval_days),
                        "agreed_actions": [(a, reviews.get(str(a.pk), "")) for a in agreed],
                        "action_statuses": voice_selectors.REVIEW_CHOICES})


@role_required(Role.CARE_PARTNER)
@require_http_methods(["GET", "POST"])
def understanding_edit(request: AuthedRequest, person_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    person, care = selectors.person_for_work(actor=actor, person_id=person_id)
    current = getattr(care.episode, "shared_understanding", None)
    initial = {f: getattr(current, f) for f in ("situation", "strengths", "what_matters")} if current else {}
    form = forms.SharedUnderstandingForm(request.POST or None, initial=initial)
    done = _handle(request, form, lambda d: services.shared_understanding_save(actor=actor, person_id=person.pk, **d),
                   "Shared understanding saved.", _person_url(person.pk, "understanding"))
    return done or _page(request, person=person, form=form, title="Shared understanding", submit="Save",
                         caption=person.full_name,
                         intro="Build this together first: their situation, their strengths, what matters to them.")


@role_required(Role.CARE_PARTNER)
@require_http_methods(["GET", "POST"])
def goal_new(request: AuthedRequest, person_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    person, _care = selectors.person_for_work(actor=actor, person_id=person_id)
    form = forms.GoalForm(request.POST or None)
    done = _handle(request, form, lambda d: services.goal_agree(
        actor=actor, person_id=person.pk, life_area=d["life_area"], words=d["words"], rating=d["rating"],
        steps=d["steps"], who_helps=d["who_helps"], review_on=d["review_on"]),
        "Goal agreed.", _person_url(person.pk, "goals"))
    return done or _page(request, person=person, form=form, title="Agree a goal", submit="Save goal",
                         caption=person.full_name, creates=True,
                         intro="Their own goal, in their own words, in any area of life.")


def _goal(care: selectors.PersonCare, goal_id: int) -> Goal:
    for view in care.goals:
        if view.goal.pk == goal_id:
            return view.goal
    raise Http404("No such goal.")


@role_required(Role.CARE_PARTNER)
@require_http_methods(["GET", "POST"])
def goal_review(request: AuthedRequest, person_id: int, goal_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    person, care = selectors.person_for_work(actor=actor, person_id=person_id)
    goal = _goal(care, goal_id)
    form = forms.GoalReviewForm(request.POST or None, initial={"rated_on": timezone.localdate(),
                                                               "status": Goal.Status.ACTIVE})
    done = _handle(request, form, lambda d: services.goal_review(
        actor=actor, person_id=person.pk, goal_id=goal.pk, rating=d["rating"], rated_on=d["rated_on"],
        note=d["note"], status=d["status"], next_review_on=d["next_review_on"]),
        "Review saved.", _person_url(person.pk, "goals"))
    return done or _page(request, person=person, form=form, title="Review a goal", submit="Save review",
                         caption=person.full_name, intro=f"“{goal.words}”", creates=True)


@role_required(Role.CARE_PARTNER)
@require_http_methods(["GET", "POST"])
def goal_edit(request: AuthedRequest, person_id: int, goal_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    person, care = selectors.person_for_work(actor=actor, person_id=person_id)
    goal = _goal(care, goal_id)
    initial = {"words": goal.words, "life_area": goal.life_area, "steps": goal.steps, "who_helps": goal.who_helps,
               "review_on": goal.review_on}
    form = forms.GoalEditForm(request.POST or None, initial=initial)

    def save(d: dict[str, Any]) -> Any:
        if d["is_new_goal"]:
            return services.goal_change(actor=actor, person_id=person.pk, goal_id=goal.pk, words=d["words"],
                                        rating=d["rating"], steps=d["steps"], who_helps=d["who_helps"],
                                        life_area=d["life_area"])
        return services.goal_update(actor=actor, person_id=person.pk, goal_id=goal.pk, words=d["words"],
                                    steps=d["steps"], who_helps=d["who_helps"], review_on=d["review_on"],
                                    life_area=d["life_area"])

    done = _handle(request, form, save, "Goal updated.", _person_url(person.pk, "goals"))
    return done or _page(request, person=person, form=form, title="Change a goal", submit="Save",
                         caption=person.full_name)


@role_required(Role.CARE_PARTNER)
@require_http_methods(["GET", "POST"])
def rhythm_edit(request: AuthedRequest, person_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    person, care = selectors.person_for_work(actor=actor, person_id=person_id)
    episode = care.episode
    assert episode is not None
    today = timezone.localdate()
    suggested = 28 if episode.contact_interval_days < 28 else 14
    initial = {"interval_days": suggested, "agreed_with": f"{person.preferred_name or person.given_name} and me",
               "next_contact_on": rhythm.suggested_next_contact(after=episode.last_contact_on or today,
                                                                interval_days=suggested, today=today)}
    form = forms.RhythmForm(request.POST or None, initial=initial)
    done = _handle(request, form, lambda d: services.rhythm_change(actor=actor, person_id=person.pk, **d),
                   "Contact rhythm changed.", _person_url(person.pk, "plan"))
    return done or _page(request, person=person, form=form, title="Change how often you are in contact",
                         submit="Save", caption=person.full_name,
                         intro=f"Now: {rhythm.interval_label(episode.contact_interval_days).lower()}. "
                               "Step down when things are going well, up when they get harder, always by "
                               "agreement.")


@role_required(Role.CARE_PARTNER)
@require_http_methods(["GET", "POST"])
def urgent(request: AuthedRequest, person_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    person, _care = selectors.person_for_work(actor=actor, person_id=person_id)
    form = forms.UrgentReferralForm(request.POST or None, initial={
        "interval_days": 7, "next_contact_on": timezone.localdate() + timedelta(days=2)})
    done = _handle(request, form, lambda d: services.urgent_referral(
        actor=actor, person_id=person.pk, service_id=d["service"], reason=d["reason"], agreed_with=d["agreed_with"],
        interval_days=d["interval_days"], next_contact_on=d["next_contact_on"]),
                   "Urgent referral recorded; contact stepped up.", _person_url(person.pk, "liaison"))
    return done or _page(request, person=person, form=form, title="Urgent referral to secondary or crisis care",
                         submit="Record urgent referral", caption=person.full_name, creates=True,
                         intro="Make the referral by telephone as your local procedure says; record it here so "
                               "it is tracked and contact is stepped up.")


@role_required(Role.CARE_PARTNER)
@require_http_methods(["GET", "POST"])
def referral_new(request: AuthedRequest, person_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    person, _care = selectors.person_for_work(actor=actor, person_id=person_id)
    initial: dict[str, Any] = {"referred_on": timezone.localdate()}
    if request.GET.get("service"):
        initial["service"] = request.GET["service"]
    form = forms.ReferralForm(request.POST or None, initial=initial)
    done = _handle(request, form, lambda d: services.referral_create(actor=actor, person_id=person.pk,
                                                                     service_id=d["service"], reason=d["reason"],
                                                                     referred_on=d["referred_on"],
                                                                     urgent=d["urgent"]),
                   "Referral recorded.", _person_url(person.pk, "liaison"))
    return done or _page(request, person=person, form=form, title="Refer or liaise", submit="Save referral",
                         caption=person.full_name, creates=True,
                         extra={"directory_link": True})


@role_required(Role.CARE_PARTNER)
@require_http_methods(["GET", "POST"])
def referral_outcome(request: AuthedRequest, person_id: int, referral_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    person, care = selectors.person_for_work(actor=actor, person_id=person_id)
    referral = next((r for r in care.referrals if r.pk == referral_id), None)
    if referral is None:
        raise Http404("No such referral.")
    form = forms.ReferralOutcomeForm(request.POST or None, initial={
        "status": referral.status if referral.status != Referral.Status.SENT else Referral.Status.ACCEPTED,
        "outcome": referral.outcome, "outcome_on": referral.outcome_on or timezone.localdate()})
    done = _handle(request, form, lambda d: services.referral_record_outcome(
        actor=actor, person_id=person.pk, referral_id=referral.pk, **d), "Outcome saved.",
        _person_url(person.pk, "liaison"))
    return done or _page(request, person=person, form=form, title=f"Referral to {referral.service.name}",
                         submit="Save outcome", caption=person.full_name,
                         intro=f"Referred {referral.referred_on:%-d %B %Y}: {referral.reason}")


@role_required(Role.CARE_PARTNER)
@require_http_methods(["GET", "POST"])
def phase_edit(request: AuthedRequest, person_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    person, care = selectors.person_for_work(actor=actor, person_id=person_id)
    episode = care.episode
    assert episode is not None
    labels: dict[str, str] = {Phase.ACTIVE: "Active", Phase.STEPPED_DOWN: "Stepped down",
                              Phase.TRANSITION: "Start the transition", Phase.ENDED: "End the episode"}
    phases = [(p, labels.get(p, Phase(p).label)) for p in services.NEXT_PHASES[episode.phase]]
    form = forms.PhaseForm(request.POST or None, phases=phases, initial={
        "on": timezone.localdate(),
        "to_phase": Phase.TRANSITION if Phase.TRANSITION in dict(phases) else phases[0][0] if phases else ""})
    done = _handle(request, form, lambda d: services.episode_change_phase(actor=actor, person_id=person.pk, **d),
                   "Episode updated.", _person_url(person.pk, "plan"))
    return done or _page(request, person=person, form=form, title="Move the episode on", submit="Save",
                         caption=person.full_name,
                         intro=f"Now: {episode.get_phase_display().lower()}."
                               + (f" The planned transition starts {episode.transition_from:%-d %B %Y}."
                                  if episode.transition_from else ""))


@role_required(Role.CARE_PARTNER)
@require_http_methods(["GET", "POST"])
def secondary_care(request: AuthedRequest, person_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    person, care = selectors.person_for_work(actor=actor, person_id=person_id)
    episode = care.episode
    assert episode is not None
    form = forms.SecondaryCareForm(request.POST or None, initial={
        "secondary_care_change": episode.secondary_care_change, "secondary_care_note": episode.secondary_care_note})
    done = _handle(request, form, lambda d: services.episode_set_secondary_care(
        actor=actor, person_id=person.pk, change=d["secondary_care_change"], note=d["secondary_care_note"]),
        "Saved.", _person_url(person.pk, "plan"))
    return done or _page(request, person=person, form=form, title="Secondary care during the episode",
                         submit="Save", caption=person.full_name)


@role_required(Role.CARE_PARTNER, Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def handover(request: AuthedRequest, person_id: int) -> HttpResponse:
    """The person asks for a different Care Partner (or cover becomes permanent): hand the case over."""
    from partners.registry.selectors import service_user_get

    actor = Actor.from_request(request)
    person = service_user_get(actor=actor, person_id=person_id)
    care = selectors.person_care(actor, person, timeline_limit=0)
    episode = care.episode
    if episode is None or not episode.is_open:
        raise Http404("No open episode.")
    if request.user.role == Role.CARE_PARTNER and not care.can_work:
        raise Http404("Not on your caseload.")
    form = forms.HandoverForm(request.POST or None, current=episode.care_partner_id)
    back = reverse("care:caseload") if request.user.role == Role.CARE_PARTNER else _person_url(person.pk)
    done = _handle(request, form, lambda d: services.episode_handover(
        actor=actor, person_id=person.pk, to_care_partner_id=d["to_care_partner"], reason=d["reason"], note=d["note"]),
                   f"{person.full_name}'s care has been handed over.", back)
    return done or _page(request, person=person, form=form, title="Hand over to another Care Partner",
                         submit="Hand over", caption=person.full_name,
                         intro="The person can choose who they work with. The new Care Partner sees the whole "
                               "history: shared understanding, goals, contacts and referrals.")


@role_required(Role.PRACTICE_STAFF, Role.CARE_PARTNER, Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def refer(request: AuthedRequest, person_id: int) -> HttpResponse:
    from partners.registry.selectors import service_user_get

    actor = Actor.from_request(request)
    person = service_user_get(actor=actor, person_id=person_id)
    form = forms.ReferToPartnersForm(request.POST or None)
    done = _handle(request, form, lambda d: services.episode_refer(
        actor=actor, person_id=person.pk, care_partner_id=int(d["care_partner"]) if d["care_partner"] else None,
        source=d["source"]), "Referred for PARTNERS care.", _person_url(person.pk))
    return done or _page(request, person=person, form=form, title="Refer for PARTNERS care", submit="Refer",
                         caption=person.full_name, creates=True)


@role_required(Role.CARE_PARTNER, Role.SUPERVISOR, Role.ADMINISTRATOR)
def care_history(request: AuthedRequest, person_id: int) -> HttpResponse:
    care = selectors.person_care_history(actor=Actor.from_request(request), person_id=person_id)
    return render(request, "care/history.html", {"care": care, "person": care.person})


# The directory ----------------------------------------------------------------------------------------------

DIRECTORY_ROLES = (Role.CARE_PARTNER, Role.SUPERVISOR, Role.ADMINISTRATOR, Role.PRACTICE_STAFF)


@role_required(*DIRECTORY_ROLES)
def directory(request: AuthedRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    query = request.GET.get("q", "").strip()
    return render(request, "care/directory.html", {
        "services": selectors.service_directory(kind=kind if kind in Service.Kind.values else "", search=query),
        "kinds": Service.Kind.choices, "kind": kind, "query": query,
        "can_edit": request.user.role != Role.PRACTICE_STAFF,
    })


@role_required(Role.CARE_PARTNER, Role.SUPERVISOR, Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def service_edit(request: AuthedRequest, service_id: int | None = None) -> HttpResponse:
    actor = Actor.from_request(request)
    service = Service.objects.filter(pk=service_id).first() if service_id else None
    if service_id and service is None:
        raise Http404("No such service.")
    initial = {f: getattr(service, f) for f in services.SERVICE_FIELDS} if service else {"is_active": True}
    form = forms.ServiceForm(request.POST or None, initial=initial)
    done = _handle(request, form, lambda d: services.service_save(actor=actor, data=d, service_id=service_id),
                   "Directory updated.", reverse("care:directory"))
    return done or _page(request, person=None, form=form, title=service.name if service else "Add a service",
                         submit="Save", creates=service is None, cancel=reverse("care:directory"))


# Cover (supervisors) ----------------------------------------------------------------------------------------

def _team_choices(user: User) -> list[tuple[str, str]]:
    team = User.objects.filter(role=Role.CARE_PARTNER, is_active=True)
    if user.role == Role.SUPERVISOR:
        team = team.filter(supervisor=user)
    return [("", "Choose"), *[(str(u.pk), u.get_full_name() or u.username)
                              for u in team.order_by("last_name", "first_name")]]


@role_required(Role.SUPERVISOR, Role.ADMINISTRATOR)
def cover(request: AuthedRequest) -> HttpResponse:
    overview = selectors.cover_overview(actor=Actor.from_request(request))
    return render(request, "care/cover.html", {"overview": overview, "today": timezone.localdate()})


@role_required(Role.SUPERVISOR, Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def cover_form(request: AuthedRequest, what: str) -> HttpResponse:
    actor = Actor.from_request(request)
    today = timezone.localdate()
    back = reverse("care:cover")
    if what == "absence":
        form: Any = forms.AbsenceForm(request.POST or None, initial={"starts_on": today})
        forms.set_choices(form, "care_partner", _team_choices(request.user))
        call: Callable[[dict[str, Any]], Any] = lambda d: services.absence_record(  # noqa: E731
            actor=actor, care_partner_id=d["care_partner"], starts_on=d["starts_on"], ends_on=d["ends_on"],
            reason=d["reason"])
        title, submit = "Record an absence", "Save absence"
    elif what == "assign":
        form = forms.CoverForm(request.POST or None, initial={"starts_on": today,
                                                              "absent": request.GET.get("absent", "")})
        forms.set_choices(form, "absent", _team_choices(request.user))
        forms.set_choices(form, "covering", [("", "Choose"), *forms.care_partner_choices()])
        call = lambda d: services.cover_assign(  # noqa: E731
            actor=actor, absent_id=d["absent"], covering_id=d["covering"], starts_on=d["starts_on"],
            ends_on=d["ends_on"], reason=d["reason"])
        title, submit = "Assign cover", "Assign cover"
    elif what == "post":
        form = forms.PostForm(request.POST or None, initial={"starts_on": today})
        forms.set_choices(form, "care_partner", _team_choices(request.user))
        call = lambda d: services.post_record(  # noqa: E731
            actor=actor, care_partner_id=d["care_partner"], practice_id=d["practice"], starts_on=d["starts_on"],
            ends_on=d["ends_on"])
        title, submit = "Record a post at a practice", "Save post"
    else:
        raise Http404("No such form.")
    done = _handle(request, form, call, "Saved.", back)
    return done or _page(request, person=None, form=form, title=title, submit=submit, creates=True, cancel=back)


@role_required(Role.SUPERVISOR, Role.ADMINISTRATOR)
@require_POST
def cover_end(request: AuthedRequest, what: str, item_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        if what == "cover":
            services.cover_end(actor=actor, cover_id=item_id)
        elif what == "post":
            services.post_end(actor=actor, post_id=item_id)
        else:
            raise Http404("Nothing to end.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Ended today.")
    return redirect("care:cover")
