"""Case-finding screens: imports and their validation reports, the code list, linkage runs, the review
queue, the per-practice gap worklist and outreach. Thin: parse, call a selector or service, render."""

from __future__ import annotations

import csv
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.casefinding import forms, selectors, services
from partners.casefinding.models import CodeListEntry, ImportBatch, Kind
from partners.common.decorators import role_required
from partners.common.forms import apply_errors
from partners.common.types import AuthedRequest
from partners.organisations.models import Organisation

LEAD = (Role.ADMINISTRATOR,)
STAFF = (Role.ADMINISTRATOR, Role.PRACTICE_STAFF)
PAGE = 50


@role_required(*STAFF)
def home(request: AuthedRequest) -> HttpResponse:
    if request.user.role != Role.ADMINISTRATOR:
        return redirect("casefinding:worklist")
    run = selectors.current_run()
    return render(request, "casefinding/home.html", {"run": run})


# Imports -------------------------------------------------------------------------------------------------

@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def imports(request: AuthedRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    kinds: list[tuple[str, str]] = (list(Kind.choices) if request.user.role == Role.ADMINISTRATOR
                                    else [(Kind.REGISTER.value, str(Kind.REGISTER.label))])
    form = forms.UploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = services.extract_import(actor=actor, kind=form.cleaned_data["kind"], filename=upload.name,
                                              data=upload.read(), quarantine=form.cleaned_data["quarantine"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            batch = outcome.batch
            if outcome.already_imported:
                messages.info(request, f"{upload.name} is the same file as an earlier upload ({batch.filename}, "
                                       f"{timezone.localtime(batch.uploaded_at):%d %B %Y %H:%M}): nothing new was "
                                       "imported.")
            elif batch.status == ImportBatch.Status.IMPORTED:
                messages.success(request, f"{batch.filename}: {batch.rows_imported} rows imported.")
            else:
                messages.error(request, f"{batch.filename} was not imported: {batch.error_count} problems. Correct "
                                        "them and upload the file again.")
            return redirect("casefinding:import_detail", batch_id=batch.pk)
    return render(request, "casefinding/imports.html", {
        "form": form, "batches": selectors.import_batches(actor=actor)})


@role_required(*STAFF)
def import_detail(request: AuthedRequest, batch_id: int) -> HttpResponse:
    batch, issues = selectors.import_issues(actor=Actor.from_request(request), batch_id=batch_id)
    return render(request, "casefinding/import_detail.html", {"batch": batch, "issues": issues})


@role_required(*STAFF)
def import_report_csv(request: AuthedRequest, batch_id: int) -> HttpResponse:
    batch, issues = selectors.import_issues(actor=Actor.from_request(request), batch_id=batch_id, limit=None)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="validation-report-{batch.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(["file", "row", "field", "value", "problem", "severity", "set_aside"])
    for issue in issues:
        writer.writerow([batch.filename, issue.row, issue.column, issue.value, issue.reason, issue.severity,
                         "yes" if issue.quarantined else "no"])
    return response


# Code list -----------------------------------------------------------------------------------------------

@role_required(*LEAD)
@require_http_methods(["GET", "POST"])
def codes(request: AuthedRequest) -> HttpResponse:
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST":
        actor = Actor.from_request(request)
        if "remove" in request.POST:
            services.code_list_remove(actor=actor, snomed_code=request.POST["remove"])
            messages.success(request, f"Code {request.POST['remove']} removed from the code list.")
            return redirect("casefinding:codes")
        if form.is_valid():
            try:
                entry = services.code_list_save(actor=actor, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Code {entry.snomed_code} saved.")
                return redirect("casefinding:codes")
    return render(request, "casefinding/codes.html", {"form": form, "entries": list(CodeListEntry.objects.all())})


# Linkage ---------------------------------------------------------------------------------------------------

def _batch_label(batch: ImportBatch) -> str:
    return f"{batch.filename} ({batch.rows_imported} rows, {timezone.localtime(batch.uploaded_at):%d %b %Y %H:%M})"


@role_required(*LEAD)
@require_http_methods(["GET", "POST"])
def run(request: AuthedRequest) -> HttpResponse:
    imported = list(ImportBatch.objects.filter(status=ImportBatch.Status.IMPORTED))
    registers = [(b.pk, _batch_label(b)) for b in imported if b.kind == Kind.REGISTER]
    secondaries = [(b.pk, _batch_label(b)) for b in imported if b.kind == Kind.SECONDARY]
    form = forms.RunForm(request.POST or None, registers=registers, secondaries=secondaries,
                         initial={"as_of": timezone.localdate(), "threshold": 0.9, "mode": "service"})
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            services.linkage_run(actor=Actor.from_request(request), register_batch_id=data["register_batch"],
                                 secondary_batch_id=data["secondary_batch"], as_of=data["as_of"],
                                 threshold=data["threshold"], mode=data["mode"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Linkage and the gap rule have run.")
            return redirect("casefinding:home")
    return render(request, "casefinding/run.html", {"form": form, "ready": bool(registers and secondaries),
                                                    "run": selectors.current_run()})


@role_required(*LEAD)
@require_http_methods(["GET", "POST"])
def review(request: AuthedRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    if request.method == "POST":
        decision = request.POST.get("decision")
        try:
            pair_id = int(request.POST.get("pair", ""))
        except ValueError:
            raise Http404("No such pair.") from None
        if decision not in ("accept", "reject"):
            messages.error(request, "Choose accept or reject.")
        else:
            services.review_decide(actor=actor, pair_id=pair_id, accept=decision == "accept",
                                   note=request.POST.get("note", ""))
            said = ("accepted: the records are the same person" if decision == "accept"
                    else "rejected: different people")
            messages.success(request, f"Pair {said}. The decision applies from the next linkage run.")
        return redirect("casefinding:review")
    return render(request, "casefinding/review.html", selectors.review_queue(actor=actor))


# Worklist and outreach -------------------------------------------------------------------------------------

@role_required(*STAFF)
def worklist(request: AuthedRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    show = request.GET.get("show", "gap")
    if show not in selectors.WORKLIST_FILTERS:
        show = "gap"
    practice_id = None
    practices: list[Organisation] = []
    if request.user.role == Role.ADMINISTRATOR:
        practices = list(Organisation.objects.filter(kind=Organisation.Kind.PRACTICE).order_by("name"))
        try:
            practice_id = int(request.GET["practice"]) if request.GET.get("practice") else None
        except ValueError:
            practice_id = None
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    data = selectors.worklist(actor=actor, show=show, practice_id=practice_id, limit=PAGE, offset=(page - 1) * PAGE)
    shown_total = {"gap": "gap", "eligible": "eligible", "review": "review", "all": "total"}[show]
    total = data["counts"][shown_total] or 0
    return render(request, "casefinding/worklist.html", {
        **data, "show": show, "filters": selectors.WORKLIST_FILTERS, "practices": practices,
        "practice_id": practice_id, "page": page, "has_next": page * PAGE < total,
        "has_previous": page > 1, "pages": max(1, (total + PAGE - 1) // PAGE),
        "is_lead": request.user.role == Role.ADMINISTRATOR,
        "own_practice": request.user.organisation})


ACTIONS = {
    "invite": forms.InviteForm, "opt_out": forms.OptOutForm, "appointment": forms.AppointmentForm,
    "telephone": forms.TelephoneForm, "outcome": forms.OutcomeForm, "flag": forms.FlagForm,
}


def _perform(actor: Actor, action: str, result_id: int, data: dict[str, Any]) -> str:
    if action == "invite":
        attempt = services.outreach_invite(actor=actor, result_id=result_id, channel=data["channel"],
                                           recipient=data.get("recipient", ""))
        return f"Invitation recorded ({attempt.result})."
    if action == "opt_out":
        services.outreach_opt_out(actor=actor, result_id=result_id, notes=data.get("notes", ""))
        return "Opt-out recorded: this person will not be contacted again."
    if action == "appointment":
        when = timezone.make_aware(datetime.combine(data["appointment_on"], data["appointment_time"]))
        attempt = services.outreach_appointment(actor=actor, result_id=result_id, channel=data["channel"],
                                                appointment_at=when, recipient=data.get("recipient", ""),
                                                place=data.get("place", ""))
        return f"Appointment invitation recorded ({attempt.result})."
    if action == "telephone":
        services.outreach_telephone(actor=actor, result_id=result_id, result=data["result"], notes=data["notes"])
        return "Telephone call recorded."
    if action == "outcome":
        services.outreach_outcome(actor=actor, result_id=result_id, outcome=data["outcome"], notes=data["notes"])
        return {"accepted": "Accepted: referred to PARTNERS care.",
                "declined": "Declined: this person will not be contacted again.",
                "no_response": "No response recorded."}[data["outcome"]]
    services.screening_flag_set(actor=actor, result_id=result_id, flag=data["flag"], present=data["present"],
                                note=data.get("note", ""))
    return "Trial exclusion updated (it applies in trial-mode runs only)."


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def person(request: AuthedRequest, result_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    bound: dict[str, Any] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise Http404("No such action.")
        form = ACTIONS[action](request.POST, prefix=action)
        if form.is_valid():
            try:
                message = _perform(actor, action, result_id, form.cleaned_data)
            except ValidationError as exc:
                if set(exc.message_dict) == {"__all__"}:  # a rule refused it (e.g. opted out): say why
                    for error in exc.message_dict["__all__"]:
                        messages.error(request, error)
                    return redirect("casefinding:person", result_id=result_id)
                apply_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect("casefinding:person", result_id=result_id)
        bound[action] = form
    data = selectors.result_get(actor=actor, result_id=result_id)
    action_forms = {name: bound.get(name) or cls(prefix=name) for name, cls in ACTIONS.items()}
    case = data["case"]
    today = timezone.localdate()
    return render(request, "casefinding/person.html", {
        **data, "forms": action_forms, "is_lead": request.user.role == Role.ADMINISTRATOR,
        "window_open": bool(case and case.opt_out_closes_on and today < case.opt_out_closes_on),
        "can_accept": request.user.role == Role.PRACTICE_STAFF,
    })



@role_required(*STAFF)
def letter(request: AuthedRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.letter_get(actor=Actor.from_request(request), attempt_id=attempt_id)
    response = HttpResponse(bytes(attempt.letter_pdf or b""), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{attempt.step}-letter-CF-{attempt.case_id}.pdf"'
    return response
