from __future__ import annotations

import hashlib
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.care.models import OPEN_PHASES, Episode
from partners.common.decorators import role_required
from partners.common.forms import apply_errors
from partners.common.types import AuthedRequest
from partners.safety import selectors as safety_selectors
from partners.safety import services as safety_services
from partners.safety.forms import ReviewForm
from partners.supervision import charts, selectors, services
from partners.supervision.config import flag_config, max_days_without_supervision, safety_poll_seconds
from partners.supervision.fidelity import IN_POST_THRESHOLD
from partners.supervision.fidelity_selectors import team_fidelity
from partners.supervision.flagrules import FLAG_LABELS, FLAG_ORDER
from partners.supervision.forms import ACTION_ROWS, DateRangeForm, SessionForm, TrainingForm
from partners.supervision.models import SupervisionAction, TrainingKind


def _htmx(request: AuthedRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _explanations() -> list[tuple[str, str, str]]:
    explained = flag_config().explanations()
    return [(code, FLAG_LABELS[code], explained[code]) for code in FLAG_ORDER]


@role_required(Role.SUPERVISOR)
def review(request: AuthedRequest) -> HttpResponse:
    """Caseload review: per supervisee, counts, flagged people with the reason for each flag, supervision,
    training, availability and cover, open actions; and new safety events as they are recorded."""
    actor = Actor.from_request(request)
    today = timezone.localdate()
    reviews = selectors.review(actor=actor, today=today)
    feed = _feed_context(actor)
    return render(request, "supervision/review.html", {
        "reviews": reviews, "today": today, "summary": selectors.flag_summary(reviews),
        "explanations": _explanations(), "limit": max_days_without_supervision(), **feed,
    })


def _feed_context(actor: Actor, *, audit: bool = True) -> dict[str, object]:
    events = safety_selectors.new_safety_events(actor=actor, audit=audit)
    token = hashlib.sha256(",".join(f"{e.pk}" for e in events).encode()).hexdigest()[:16]
    return {"events": events, "feed_token": token, "poll_seconds": safety_poll_seconds(),
            "review_form": ReviewForm()}


@role_required(Role.SUPERVISOR)
@require_GET
def safety_feed(request: AuthedRequest) -> HttpResponse:
    """New safety events. htmx polls this every few seconds; answers 204 (nothing to swap) when the list
    is what the page already shows (``seen`` is the token it was drawn with)."""
    actor = Actor.from_request(request)
    context = _feed_context(actor, audit=False)
    if _htmx(request) and request.GET.get("seen") == context["feed_token"]:
        return HttpResponse(status=204)  # nothing new is shown, so nothing is audited
    safety_selectors.audit_new_safety_events(actor, context["events"])  # type: ignore[arg-type]
    template = "supervision/includes/safety_feed.html" if _htmx(request) else "supervision/safety_feed_page.html"
    return render(request, template, context)


@role_required(Role.SUPERVISOR)
@require_POST
def safety_review(request: AuthedRequest, event_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    form = ReviewForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        safety_services.safety_event_review(actor=actor, event_id=event_id, note=note)
    except PermissionError:
        raise Http404("Not available for this role.") from None
    if _htmx(request):
        return render(request, "supervision/includes/safety_feed.html", _feed_context(actor))
    messages.success(request, "The safety event has been marked as reviewed.")
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("supervision:review")


@role_required(Role.SUPERVISOR)
def supervisee(request: AuthedRequest, supervisee_id: int) -> HttpResponse:
    """One supervisee: flagged cases, open actions, supervision history, training, availability."""
    actor = Actor.from_request(request)
    user = services.supervisee_for(actor, supervisee_id)
    today = timezone.localdate()
    reviews = selectors.review(actor=actor, today=today, supervisee_id=user.pk)
    return render(request, "supervision/supervisee.html", {
        "r": reviews[0], "sessions": selectors.sessions_for(user), "training": selectors.training_for([user])[user.pk],
        "today": today, "limit": max_days_without_supervision(), "explanations": _explanations(),
    })


@role_required(Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def session_new(request: AuthedRequest, supervisee_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    user = services.supervisee_for(actor, supervisee_id)
    today = timezone.localdate()
    episodes = list(Episode.objects.filter(care_partner=user, phase__in=OPEN_PHASES).select_related("person")
                    .order_by("person__family_name", "person__given_name", "pk"))
    open_actions = list(SupervisionAction.objects.filter(session__supervisee=user, completed_on__isnull=True)
                        .select_related("owner").order_by("due_on", "pk"))
    cases = [c for c in request.GET.getlist("case") if c.isdigit()]
    initial: dict[str, object] = {"held_on": today, "cases": cases}
    if len(cases) == 1:  # opened from one person's page: new actions are about that case unless changed
        initial.update({f"action_{i}_case": cases[0] for i in range(1, ACTION_ROWS + 1)})
    form = SessionForm(request.POST or None, initial=initial, supervisee=user, supervisor=request.user,
                       episodes=episodes, open_actions=open_actions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.supervision_session_record(
                actor=actor, supervisee_id=user.pk, held_on=data["held_on"], minutes=data.get("minutes"),
                episode_ids=[int(i) for i in data.get("cases", [])], notes=data.get("notes", ""),
                actions=form.new_actions(), completed_action_ids=[int(i) for i in data.get("completed_actions", [])])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"The supervision session with {user} has been recorded.")
            return redirect("supervision:supervisee", supervisee_id=user.pk)
    return render(request, "supervision/session_form.html", {"form": form, "supervisee": user})


@role_required(Role.SUPERVISOR, Role.CARE_PARTNER)
@require_POST
def action_done(request: AuthedRequest, action_id: int) -> HttpResponse:
    action = services.supervision_action_complete(actor=Actor.from_request(request), action_id=action_id)
    messages.success(request, f"Done: {action.description}")
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("supervision:mine" if request.user.role == Role.CARE_PARTNER else "supervision:review")


@role_required(Role.CARE_PARTNER)
def mine(request: AuthedRequest) -> HttpResponse:
    """A Care Partner's own supervision: when it last happened, actions to do, training."""
    return render(request, "supervision/mine.html", selectors.my_supervision(request.user, timezone.localdate()))


@role_required(Role.SUPERVISOR)
def training(request: AuthedRequest) -> HttpResponse:
    people = services.training_subjects(Actor.from_request(request))
    records = selectors.training_for(people)
    rows = [{"user": u, "records": records[u.pk],
             "initial": next((t for t in records[u.pk] if t.kind == TrainingKind.INITIAL), None),
             "top_ups": [t for t in records[u.pk] if t.kind == TrainingKind.TOP_UP]} for u in people]
    return render(request, "supervision/training.html", {
        "rows": rows, "year_ago": timezone.localdate() - timedelta(days=365),
    })


@role_required(Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def training_new(request: AuthedRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    form = TrainingForm(request.POST or None, subjects=services.training_subjects(actor),
                        initial={"completed_on": timezone.localdate(), "user": request.GET.get("user", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.training_record_create(actor=actor, user_id=int(data["user"]), kind=data["kind"],
                                            completed_on=data["completed_on"], days=data["days"],
                                            title=data["title"], provider=data["provider"], notes=data["notes"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "The training has been recorded.")
            return redirect("supervision:training")
    return render(request, "supervision/training_form.html", {"form": form})


@role_required(Role.SUPERVISOR)
def fidelity(request: AuthedRequest) -> HttpResponse:
    """Fidelity for the team over a date range: per Care Partner, practice, the team and the system."""
    today = timezone.localdate()
    default_start = today.replace(day=1) - timedelta(days=335)
    default_start = default_start.replace(day=1)
    form = DateRangeForm(request.GET or None, initial={"start": default_start, "end": today})
    start, end = default_start, today
    if request.GET:
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        else:
            return render(request, "supervision/fidelity.html", {"form": form, "result": None}, status=200)
    result = team_fidelity(request.user, start, end)
    practice_chart = charts.share_bars([(r.label, r.figures.in_post_share) for r in result.practices],
                                       threshold=IN_POST_THRESHOLD)
    cp_chart = charts.share_bars([(r.label, r.figures.in_post_share) for r in result.care_partners],
                                 threshold=IN_POST_THRESHOLD)
    month_chart = charts.grouped_columns(
        [(m.start.strftime("%b %y"), [m.contacts_10_min, m.contacts_goals_discussed]) for m in result.months])
    return render(request, "supervision/fidelity.html", {
        "form": form, "result": result, "practice_chart": practice_chart, "cp_chart": cp_chart,
        "month_chart": month_chart, "threshold": IN_POST_THRESHOLD,
        "rows": [*result.care_partners, result.team], "practice_rows": [*result.practices, result.system],
        "review_url": reverse("supervision:review"),
    })
