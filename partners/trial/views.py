"""The researchers' trial screens (screens.md, Researcher row) and the administrators' unblinding page.

Researchers see recruitment (the CONSORT diagram so far and its counts), practices, allocations, balance and data
completeness, randomise practices, and produce reports and pseudonymised extracts. Until the trial is unblinded
no page shows a value measured after randomisation (see ``selectors`` for the rule) nor the seed.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record
from partners.common.decorators import role_required
from partners.common.forms import apply_errors
from partners.common.types import AuthedRequest
from partners.trial import platform_reports, selectors, services
from partners.trial.forms import ApproachForm, DateForm, ExcludeForm, RecruitForm, TrialForm, UnblindForm
from partners.trial.models import AllocationLog, ReportRun
from partners.trial.reports import consort as consort_mod
from partners.trial.stats.dataset import DatasetError

RESEARCHER = Role.RESEARCHER
SIMULATION_RUNS = 500


@role_required(RESEARCHER)
def home(request: AuthedRequest) -> HttpResponse:
    return render(request, "trial/home.html", {"trials": selectors.trial_list(actor=Actor.from_request(request))})


@role_required(RESEARCHER)
@require_http_methods(["GET", "POST"])
def trial_new(request: AuthedRequest) -> HttpResponse:
    form = TrialForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            trial = services.trial_create(
                actor=Actor.from_request(request), name=d["name"], registration=d["registration"],
                description=d["description"], outcomes=[d["primary_outcome"], *d["secondary_outcomes"]],
                factors=d["factors"], p=d["p"], followup_days=d["followup_days"],
                followup_window_days=d["followup_window_days"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{trial.name} is set up. Add the practices you have approached.")
            return redirect("trial:detail", trial_id=trial.pk)
    return render(request, "trial/form.html", {"form": form, "title": "Set up a trial", "button": "Set up the trial",
                                               "back": reverse("trial:home")})


@role_required(RESEARCHER)
def detail(request: AuthedRequest, trial_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    trial = selectors.trial_get(actor=actor, trial_id=trial_id)
    data = selectors.trial_data(actor=actor, trial=trial)
    records = data.consort_records()
    svg = None
    try:
        ds = data.dataset()
        if ds is not None:
            svg = consort_mod.render_svg(consort_mod.consort_diagram(ds, data.primary, records))
    except DatasetError:
        svg = None
    rows = data.practice_rows()
    return render(request, "trial/detail.html", {
        "trial": trial, "svg": svg, "practice_rows": rows, "ready": [r for r in rows if r["can_randomise"]],
        "counts": data.randomised_counts(), "logs": data.logs, "runs": selectors.report_runs(trial=trial),
        "recruitment": platform_reports.recruitment_table(data, records),
        "completeness": platform_reports.completeness_table(data), "factors": list(trial.factors),
    })


@role_required(RESEARCHER)
@require_http_methods(["GET", "POST"])
def practices_add(request: AuthedRequest, trial_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    trial = selectors.trial_get(actor=actor, trial_id=trial_id)
    form = ApproachForm(request.POST or None, trial=trial)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.practice_approach(actor=actor, trial_id=trial.pk,
                                                 practice_ids=[int(i) for i in form.cleaned_data["practices"]],
                                                 on=form.cleaned_data["on"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{len(created)} practice{'s' if len(created) != 1 else ''} added as approached.")
            return redirect("trial:detail", trial_id=trial.pk)
    return render(request, "trial/form.html", {"form": form, "trial": trial, "title": "Practices approached",
                                               "button": "Add practices",
                                               "back": reverse("trial:detail", args=[trial.pk])})


@role_required(RESEARCHER)
@require_http_methods(["GET", "POST"])
def practice(request: AuthedRequest, trial_id: int, tp_id: int) -> HttpResponse:
    """A practice in the trial: recruit it, record it as not recruited or withdrawn, or record the end of its
    baseline recruitment (one form per POST, chosen by ``action``)."""
    actor = Actor.from_request(request)
    trial = selectors.trial_get(actor=actor, trial_id=trial_id)
    tp = selectors.trial_practice_get(trial=trial, trial_practice_id=tp_id)
    levels = {**services.levels_from(tp.practice, trial.factors), **tp.levels}
    action = request.POST.get("action", "") if request.method == "POST" else ""
    recruit = RecruitForm(request.POST if action == "recruit" else None, factors=list(trial.factors),
                          initial_levels=levels, prefix="recruit")
    exclude = ExcludeForm(request.POST if action == "exclude" else None, prefix="exclude")
    baseline = DateForm(request.POST if action == "baseline" else None, prefix="baseline")
    forms = {"recruit": recruit, "exclude": exclude, "baseline": baseline}
    if action in forms and forms[action].is_valid():
        form = forms[action]
        d = form.cleaned_data
        try:
            if action == "recruit":
                services.practice_recruit(actor=actor, trial_practice_id=tp.pk, on=d["on"], levels=recruit.levels())
                messages.success(request, f"{tp.practice.name} is recruited.")
            elif action == "exclude":
                services.practice_exclude(actor=actor, trial_practice_id=tp.pk, reason=d["reason"], on=d["on"])
                messages.success(request, f"{tp.practice.name}: recorded, with the reason.")
            else:
                services.practice_baseline_complete(actor=actor, trial_practice_id=tp.pk, on=d["on"])
                messages.success(request, f"{tp.practice.name} finished baseline recruitment: it can be randomised.")
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("trial:practice", trial_id=trial.pk, tp_id=tp.pk)
    allocation = AllocationLog.objects.filter(trial_practice=tp).first()
    row = next(r for r in selectors.trial_data(actor=actor, trial=trial).practice_rows() if r["tp"].pk == tp.pk)
    return render(request, "trial/practice.html", {"trial": trial, "tp": tp, "allocation": allocation, "row": row,
                                                   "levels": levels, **forms})


@role_required(RESEARCHER)
@require_http_methods(["GET", "POST"])
def randomise(request: AuthedRequest, trial_id: int, tp_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    trial = selectors.trial_get(actor=actor, trial_id=trial_id)
    tp = selectors.trial_practice_get(trial=trial, trial_practice_id=tp_id)
    existing = AllocationLog.objects.filter(trial_practice=tp).first()
    if existing is not None:
        return redirect("trial:allocation", trial_id=trial.pk, sequence=existing.sequence)
    errors: list[str] = []
    if request.method == "POST":
        try:
            log = services.practice_allocate(actor=actor, trial_practice_id=tp.pk)
        except ValidationError as exc:
            errors = [m for ms in exc.message_dict.values() for m in ms]
        else:
            return redirect("trial:allocation", trial_id=trial.pk, sequence=log.sequence)
    allocated = AllocationLog.objects.filter(trial=trial).count()
    return render(request, "trial/randomise.html", {"trial": trial, "tp": tp, "allocated": allocated,
                                                    "errors": errors})


@role_required(RESEARCHER)
def allocation(request: AuthedRequest, trial_id: int, sequence: int) -> HttpResponse:
    actor = Actor.from_request(request)
    trial = selectors.trial_get(actor=actor, trial_id=trial_id)
    logs = selectors.allocation_log(trial=trial)
    log = next((entry for entry in logs if entry.sequence == sequence), None)
    if log is None:
        raise Http404("No such allocation.")
    return render(request, "trial/allocation.html", {"trial": trial, "log": log})


@role_required(RESEARCHER)
def allocations(request: AuthedRequest, trial_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    trial = selectors.trial_get(actor=actor, trial_id=trial_id)
    logs = selectors.allocation_log(trial=trial)
    return render(request, "trial/allocations.html", {
        "trial": trial, "logs": logs, "verification": selectors.allocation_verify(trial=trial, logs=logs),
        "factors": list(trial.factors)})


@role_required(RESEARCHER)
def balance(request: AuthedRequest, trial_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    trial = selectors.trial_get(actor=actor, trial_id=trial_id)
    report = selectors.balance_report(trial=trial)
    simulation = selectors.imbalance_simulation(trial=trial, runs=SIMULATION_RUNS)
    sim_rows = []
    if simulation:
        for key in [*trial.factors, "arms"]:
            mini, simple = simulation["minimisation"][key], simulation["simple_randomisation"][key]
            values = sorted({*mini["distribution"], *simple["distribution"]}, key=int)
            sim_rows.append({"key": key, "label": "Practices per arm" if key == "arms"
                             else key.replace("_", " ").capitalize(), "mini": mini, "simple": simple,
                             "values": [(v, mini["distribution"].get(v, 0), simple["distribution"].get(v, 0))
                                        for v in values]})
    return render(request, "trial/balance.html", {"trial": trial, "report": report, "simulation": simulation,
                                                  "sim_rows": sim_rows})


@role_required(RESEARCHER)
@require_POST
def produce(request: AuthedRequest, trial_id: int, kind: str) -> HttpResponse:
    actor = Actor.from_request(request)
    trial = selectors.trial_get(actor=actor, trial_id=trial_id)
    try:
        if kind == ReportRun.Kind.REPORT:
            run = services.trial_report_produce(actor=actor, trial_id=trial.pk)
        elif kind == ReportRun.Kind.EXTRACT:
            run = services.trial_extract_produce(actor=actor, trial_id=trial.pk)
        else:
            raise Http404("No such output.")
    except ValidationError as exc:
        for ms in exc.message_dict.values():
            for m in ms:
                messages.error(request, m)
        return redirect(reverse("trial:detail", args=[trial.pk]) + "#outputs")
    messages.success(request, f"{run.get_kind_display()} produced{' (blinded)' if run.blinded else ''}: "
                              f"{len(run.files)} files.")
    return redirect(reverse("trial:detail", args=[trial.pk]) + f"#run-{run.pk}")


CONTENT_TYPES = {".csv": "text/csv", ".svg": "image/svg+xml", ".dta": "application/x-stata-dta",
                 ".json": "application/json", ".pdf": "application/pdf", ".html": "text/html", ".txt": "text/plain"}


@role_required(RESEARCHER)
def download(request: AuthedRequest, trial_id: int, run_id: int, filename: str) -> HttpResponse:
    actor = Actor.from_request(request)
    trial = selectors.trial_get(actor=actor, trial_id=trial_id)
    run = ReportRun.objects.filter(pk=run_id, trial=trial).first()
    if run is None or filename not in run.files.values():
        raise Http404("No such file.")
    path = Path(run.directory) / filename
    if not path.is_file():
        raise Http404("The file is no longer on the server: produce it again.")
    audit_record(actor=actor, action=Action.EXPORT, object_type=f"trial_{run.kind}_file", object_id=run.pk,
                 detail={"trial": trial.pk, "file": filename, "blinded": run.blinded})
    content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename,  # type: ignore[return-value]
                        content_type=content_type)


# --------------------------------------------------------------------------------------------------------------
# Administrators: unblinding


@role_required(Role.ADMINISTRATOR)
def unblinding(request: AuthedRequest) -> HttpResponse:
    return render(request, "trial/unblinding.html",
                  {"trials": selectors.trial_list(actor=Actor.from_request(request))})


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def unblind(request: AuthedRequest, trial_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    trial = selectors.trial_get(actor=actor, trial_id=trial_id)
    form = UnblindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.trial_unblind(actor=actor, trial_id=trial.pk, decision=form.cleaned_data["decision"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{trial.name} is unblinded.")
            return redirect("trial:unblinding")
    return render(request, "trial/form.html", {"form": form, "trial": trial, "title": f"Unblind {trial.name}",
                                               "button": "Record the decision and unblind",
                                               "back": reverse("trial:unblinding"), "warning": (
                                                   "Unblinding shows every researcher the outcomes by arm and the "
                                                   "seed. Do it once the database is locked and the decision is made."
                                               )})
