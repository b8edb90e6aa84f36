from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.common.decorators import role_required
from partners.common.forms import NHSForm, apply_errors
from partners.common.types import AuthedRequest
from partners.registry import selectors as registry_selectors
from partners.safety import selectors, services
from partners.safety.forms import ConditionForm, HealthCheckForm, MedicationForm, SafetyEventForm
from partners.safety.health import DUE, OVERDUE


def _record_form(request: AuthedRequest, person_id: int, form_class: type[NHSForm], title: str,
                 save: Any, done: str, initial: dict[str, Any] | None = None) -> HttpResponse:
    actor = Actor.from_request(request)
    person = registry_selectors.service_user_get(actor=actor, person_id=person_id)
    form = form_class(request.POST or None, initial=initial or {})
    if request.method == "POST" and form.is_valid():
        try:
            save(actor, person, form)
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionError as exc:
            raise Http404(str(exc)) from None
        else:
            messages.success(request, done)
            return redirect("registry:person", person_id=person.pk)
    return render(request, "safety/record_form.html", {"form": form, "title": title, "person": person})


@role_required(*services.SAFETY_WRITERS)
@require_http_methods(["GET", "POST"])
def safety_event_new(request: AuthedRequest, person_id: int) -> HttpResponse:
    def save(actor: Actor, person: Any, form: SafetyEventForm) -> None:
        services.safety_event_record(actor=actor, person_id=person.pk, data=form.service_data())

    return _record_form(request, person_id, SafetyEventForm, "Record a safety event", save,
                        "The safety event has been recorded. The supervisor has been alerted.",
                        {"outcome": "ongoing"})


@role_required(*services.HEALTH_WRITERS)
@require_http_methods(["GET", "POST"])
def health_check_new(request: AuthedRequest, person_id: int) -> HttpResponse:
    def save(actor: Actor, person: Any, form: HealthCheckForm) -> None:
        services.health_check_record(actor=actor, person_id=person.pk, data=form.cleaned_data)

    return _record_form(request, person_id, HealthCheckForm, "Record a physical health check", save,
                        "The health check has been recorded.",
                        {"checked_on": timezone.localdate(), "smoking": "not_recorded"})


@role_required(*services.HEALTH_WRITERS)
@require_http_methods(["GET", "POST"])
def condition_new(request: AuthedRequest, person_id: int) -> HttpResponse:
    def save(actor: Actor, person: Any, form: ConditionForm) -> None:
        services.long_term_condition_add(actor=actor, person_id=person.pk, **form.cleaned_data)

    return _record_form(request, person_id, ConditionForm, "Add a long-term condition", save,
                        "The long-term condition has been added.")


@role_required(*services.HEALTH_WRITERS)
@require_http_methods(["GET", "POST"])
def medication_new(request: AuthedRequest, person_id: int) -> HttpResponse:
    def save(actor: Actor, person: Any, form: MedicationForm) -> None:
        services.medication_add(actor=actor, person_id=person.pk, **form.cleaned_data)

    return _record_form(request, person_id, MedicationForm, "Add a medication", save,
                        "The medication has been added.")


LISTS = {"overdue": "Overdue", "due": "Due in the next month", "all": "Everyone"}


@role_required(Role.PRACTICE_STAFF)
def practice_health_checks(request: AuthedRequest) -> HttpResponse:
    """The practice's annual SMI physical health checks: who is overdue and who is due."""
    actor = Actor.from_request(request)
    today = timezone.localdate()
    rows = selectors.practice_health_checks(actor=actor, today=today)
    counts = {OVERDUE: 0, DUE: 0}
    for row in rows:
        if row.status.status in counts:
            counts[row.status.status] += 1
    chosen = request.GET.get("list", "overdue")
    if chosen not in LISTS:
        chosen = "overdue"
    if chosen == "overdue":
        shown = sorted((r for r in rows if r.status.status == OVERDUE),
                       key=lambda r: (r.status.last_checked_on is not None, r.status.last_checked_on or today))
    elif chosen == "due":
        shown = sorted((r for r in rows if r.status.status == DUE), key=lambda r: r.status.due_on or today)
    else:
        shown = rows
    page = Paginator(shown, 50).get_page(request.GET.get("page"))
    selectors.audit_listed(actor, [r.person.pk for r in page.object_list], "practice health checks")
    return render(request, "safety/practice_health_checks.html", {
        "page": page, "rows": page.object_list, "counts": counts, "total": len(rows), "chosen": chosen,
        "lists": LISTS, "list_label": LISTS[chosen], "practice": request.user.organisation, "today": today,
    })
