from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.audit.breaches import breach_record, breach_update, report_deadline
from partners.audit.models import Action, DataBreach, SecurityAlert
from partners.audit.selectors import audit_search
from partners.audit.services import break_glass_start, security_alert_acknowledge
from partners.common.decorators import role_required
from partners.common.forms import DateInput, NHSForm, apply_errors
from partners.common.identifiers import normalise_nhs_number
from partners.common.types import AuthedRequest
from partners.registry.models import Person


class AuditSearchForm(NHSForm):
    username = forms.CharField(required=False, max_length=150)
    person_id = forms.IntegerField(label="Person id", required=False, min_value=1)
    action = forms.ChoiceField(choices=[("", "Any"), *Action.choices], required=False)
    date_from = forms.DateField(label="From", required=False, widget=DateInput())
    date_to = forms.DateField(label="To", required=False, widget=DateInput())


class BreakGlassForm(NHSForm):
    nhs_number = forms.CharField(label="NHS number of the person", max_length=14,
                                 widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10"}))
    reason = forms.CharField(label="Why you need to see this record", min_length=10, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text="This is recorded, shown on the person's access log, and raises an alert.")

    def clean_nhs_number(self) -> str:
        try:
            return normalise_nhs_number(self.cleaned_data["nhs_number"])
        except ValueError as exc:
            raise forms.ValidationError(f"{str(exc)[0].upper()}{str(exc)[1:]}.") from None


@role_required(Role.ADMINISTRATOR)
def search(request: AuthedRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    page = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        events = audit_search(actor=Actor.from_request(request), username=data["username"],
                              person_id=data["person_id"], action=data["action"],
                              date_from=data["date_from"], date_to=data["date_to"])
        page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/search.html", {"form": form, "page": page})


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def break_glass(request: AuthedRequest) -> HttpResponse:
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = Person.objects.filter(nhs_number=form.cleaned_data["nhs_number"]).first()
        if person is None:
            form.add_error("nhs_number", "No one with this NHS number is recorded.")
        else:
            grant = break_glass_start(actor=Actor.from_request(request), person_id=person.pk,
                                      reason=form.cleaned_data["reason"])
            messages.warning(request, f"Break-glass access is open until {grant.expires_at:%H:%M}. "
                                      "It has been recorded and an alert raised.")
            return redirect("registry:person", person_id=person.pk)
    return render(request, "audit/break_glass.html", {"form": form})


@role_required(Role.ADMINISTRATOR)
def alerts(request: AuthedRequest) -> HttpResponse:
    items = SecurityAlert.objects.select_related("user", "acknowledged_by")[:200]
    return render(request, "audit/alerts.html", {"alerts": items})


@role_required(Role.ADMINISTRATOR)
@require_POST
def alert_acknowledge(request: AuthedRequest, alert_id: int) -> HttpResponse:
    security_alert_acknowledge(actor=Actor.from_request(request), alert_id=alert_id)
    return redirect("audit:alerts")


class BreachForm(NHSForm):
    summary = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}),
                                  help_text="What happened, how it was found, which records and systems.")
    occurred_on = forms.DateField(label="When it happened (if known)", required=False, widget=DateInput())
    data_categories = forms.CharField(label="Kinds of personal data involved", max_length=300, required=False)
    people_affected = forms.IntegerField(label="Number of people affected (estimate)", required=False, min_value=0)
    containment = forms.CharField(label="Containment and recovery", required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    notifiable = forms.BooleanField(label="Likely to risk people's rights and freedoms (report within 72 hours)",
                                    required=False)


class BreachUpdateForm(BreachForm):
    status = forms.ChoiceField(choices=DataBreach.Status.choices)
    reported_at = forms.DateTimeField(label="Reported to the ICO (through the DSPT) at", required=False,
                                      help_text="For example, 2026-11-23 14:30")
    dspt_reference = forms.CharField(label="DSPT incident reference", max_length=40, required=False)
    lessons = forms.CharField(label="Lessons learned", required=False, widget=forms.Textarea(attrs={"rows": 3}))


@role_required(Role.ADMINISTRATOR)
def breaches(request: AuthedRequest) -> HttpResponse:
    items = DataBreach.objects.select_related("recorded_by")[:500]
    return render(request, "audit/breaches.html", {"breaches": items})


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def breach_new(request: AuthedRequest) -> HttpResponse:
    form = BreachForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            breach = breach_record(actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.warning(request, f"Breach {breach.reference} recorded and an alert raised.")
            return redirect("audit:breach", breach_id=breach.pk)
    return render(request, "audit/breach_form.html", {"form": form, "breach": None})


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def breach_detail(request: AuthedRequest, breach_id: int) -> HttpResponse:
    breach = get_object_or_404(DataBreach, pk=breach_id)
    initial = {name: getattr(breach, name) for name in BreachUpdateForm.base_fields}
    form = BreachUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            breach_update(actor=Actor.from_request(request), breach_id=breach.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Breach {breach.reference} updated.")
            return redirect("audit:breach", breach_id=breach.pk)
    return render(request, "audit/breach_form.html",
                  {"form": form, "breach": breach, "deadline": report_deadline(breach)})
