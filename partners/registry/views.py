from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record_people
from partners.care.models import OPEN_PHASES, Episode
from partners.common.decorators import role_required
from partners.common.forms import apply_errors
from partners.common.types import AuthedRequest
from partners.registry import sections, selectors, services
from partners.registry.forms import PersonForm
from partners.registry.models import Person

RECORD_ROLES = (Role.CARE_PARTNER, Role.SUPERVISOR, Role.PRACTICE_STAFF, Role.ADMINISTRATOR)
WRITER_ROLES = (Role.CARE_PARTNER, Role.PRACTICE_STAFF, Role.ADMINISTRATOR)


@role_required(*RECORD_ROLES)
def search(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    people = selectors.service_user_list(actor=Actor.from_request(request), search=query, limit=50) if query else []
    return render(request, "registry/search.html", {"query": query, "people": people})


@role_required(*RECORD_ROLES)
def person_detail(request: AuthedRequest, person_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    person = selectors.service_user_get(actor=actor, person_id=person_id)
    return render(request, "registry/person_detail.html", {
        "person": person,
        "sections": sections.build(actor, person),
        "can_edit": request.user.role in WRITER_ROLES,
    })


@role_required(*RECORD_ROLES)
def person_access(request: AuthedRequest, person_id: int) -> HttpResponse:
    person, events = selectors.person_access_report(actor=Actor.from_request(request), person_id=person_id)
    return render(request, "registry/person_access.html", {"person": person, "events": events})


@role_required(*WRITER_ROLES)
@require_http_methods(["GET", "POST"])
def person_create(request: AuthedRequest) -> HttpResponse:
    initial: dict[str, Any] = {"preferred_contact_method": "telephone"}
    if request.user.role == Role.PRACTICE_STAFF and request.user.organisation:
        initial["practice_ods"] = request.user.organisation.ods_code
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(actor=Actor.from_request(request), data=form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{person.full_name} has been added.")
            return redirect("registry:person", person_id=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "title": "Add a person"})


@role_required(*WRITER_ROLES)
@require_http_methods(["GET", "POST"])
def person_edit(request: AuthedRequest, person_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    person = selectors.service_user_get(actor=actor, person_id=person_id)
    initial = {f: getattr(person, f) for f in services.PERSON_FIELDS if hasattr(person, f)}
    initial["practice_ods"] = person.practice.ods_code
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=actor, person_id=person.pk, data=form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "The changes have been saved.")
            return redirect("registry:person", person_id=person.pk)
    return render(request, "registry/person_form.html",
                  {"form": form, "title": f"Change details for {person.full_name}", "person": person})


@role_required(Role.PRACTICE_STAFF)
def practice_patients(request: AuthedRequest) -> HttpResponse:
    """'Our patients with SMI': the practice's people, with who has a Care Partner."""
    actor = Actor.from_request(request)
    people = (
        selectors.service_user_queryset(actor=actor)
        .order_by("family_name", "given_name", "pk")
    )
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    episodes = {
        e.person_id: e
        for e in Episode.objects.filter(person__in=rows, phase__in=OPEN_PHASES).select_related("care_partner")
    }
    audit_record_people(actor=actor, action=Action.LIST, person_ids=[p.pk for p in rows])
    from partners.casefinding.selectors import practice_statuses

    found = practice_statuses(nhs_numbers=[p.nhs_number for p in rows if p.nhs_number],
                              practice_id=request.user.organisation_id) if request.user.organisation_id else {}
    return render(request, "registry/practice_patients.html", {
        "page": page,
        "rows": [(p, episodes.get(p.pk), found.get(p.nhs_number or "")) for p in rows],
        "practice": request.user.organisation,
        "total": page.paginator.count,
    })


def person_or_404(actor: Actor, person_id: int) -> Person:
    return selectors.service_user_get(actor=actor, person_id=person_id)
