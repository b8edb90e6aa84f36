"""Staff pages: enter a questionnaire, send a link, see one response, set the schedule; and the
administrators' instruments page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.common.decorators import role_required
from partners.common.types import AuthedRequest
from partners.measures import services
from partners.measures.availability import (
    NEEDS_REGISTRATION,
    enabled_map,
    instrument_choices,
    wording_for,
    wording_languages,
)
from partners.measures.engine import NotConfiguredError, get_instrument, get_value_set, load_icecap_tariff
from partners.measures.forms import (
    InstrumentSettingForm,
    MeasurementPlanForm,
    SendLinkForm,
    StaffEntryForm,
    WordingForm,
    channel_choices,
)
from partners.measures.models import InstrumentSetting, InstrumentWording, QuestionnaireResponse
from partners.measures.presentation import COLLECTED, questions, short_name
from partners.measures.schedule import next_point_kind
from partners.measures.selectors import (
    episode_plan,
    episode_points,
    format_score,
    questionnaire_response_get,
    response_values,
    schedule_settings,
)
from partners.measures.services import WRITER_ROLES, current_episode
from partners.organisations.models import Organisation
from partners.registry.selectors import service_user_get

READER_ROLES = (Role.CARE_PARTNER, Role.SUPERVISOR, Role.PRACTICE_STAFF, Role.ADMINISTRATOR)


def _person_url(person_id: int) -> str:
    return reverse("registry:person", args=[person_id]) + "#questionnaires"


def _suggested_point(person: Any, instrument: str) -> str:
    episode = current_episode(person)
    if episode is None:
        return QuestionnaireResponse.Point.AD_HOC
    done = QuestionnaireResponse.objects.filter(episode=episode, status=QuestionnaireResponse.Status.COMPLETED)
    _, points = episode_points(episode, done)
    return next_point_kind(points, instrument) or QuestionnaireResponse.Point.AD_HOC


@role_required(*WRITER_ROLES)
def enter_choose(request: AuthedRequest, person_id: int) -> HttpResponse:
    person = service_user_get(actor=Actor.from_request(request), person_id=person_id)
    return render(request, "measures/enter_choose.html", {
        "person": person, "instruments": instrument_choices(request.user.organisation_id)})


@role_required(*WRITER_ROLES)
@require_http_methods(["GET", "POST"])
def enter(request: AuthedRequest, person_id: int, instrument: str) -> HttpResponse:
    actor = Actor.from_request(request)
    person = service_user_get(actor=actor, person_id=person_id)
    if instrument not in COLLECTED or not enabled_map(request.user.organisation_id).get(instrument):
        raise Http404("No such questionnaire.")
    language = request.POST.get("language", "en") if request.method == "POST" else "en"
    wording = wording_for(instrument, language, request.user.organisation_id) if language != "en" else None
    qs = questions(instrument, wording.items if wording else None, language)
    initial = {"point": _suggested_point(person, instrument), "language": "en"}
    form = StaffEntryForm(request.POST or None, questions=qs, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            response = services.questionnaire_response_create(
                actor=actor, person_id=person.pk, instrument=instrument, responses=data["responses"],
                completed_on=data["completed_on"], point=data["point"], mode=data["mode"],
                language=data["language"].strip())
        except ValidationError as exc:
            form.apply_service_errors(exc)
        else:
            result = format_score(instrument, response.score)
            if response.score is None:
                result = f"no score ({response.no_score_reason})"
            messages.success(request, f"{short_name(instrument)} saved: {result}.")
            return redirect(_person_url(person.pk))
    return render(request, "measures/enter.html", {
        "person": person, "form": form, "instrument": get_instrument(instrument), "name": short_name(instrument),
    })


EASY_READ = "en-easyread"  # the language tag easy-read wording is loaded under (docs/voice.md)


def _language_label(tag: str) -> str:
    from partners.letters.languages import language_name

    return "Easy read (English)" if tag == EASY_READ else f"{language_name(tag)} ({tag})"


@role_required(*WRITER_ROLES)
@require_http_methods(["GET", "POST"])
def send(request: AuthedRequest, person_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    person = service_user_get(actor=actor, person_id=person_id)
    organisation_id = request.user.organisation_id
    choices = instrument_choices(organisation_id)
    if not choices:
        raise Http404("No questionnaire is enabled.")
    languages = sorted({lang for code, _ in choices for lang in wording_languages(code, organisation_id)} - {"en"})
    language_choices = [("en", "English"), *[(lang, _language_label(lang)) for lang in languages]]
    default_language = person.preferred_language if person.preferred_language in languages else "en"
    if default_language == "en" and EASY_READ in languages and "easy_read" in (person.communication_needs or []):
        default_language = EASY_READ
    default_instrument = "mansa" if any(code == "mansa" for code, _ in choices) else choices[0][0]
    channel = "sms" if person.sms_opt_in and person.phone else "email" if person.email_opt_in else "sms"
    form = SendLinkForm(
        request.POST or None, instruments=choices, channels=channel_choices(person), languages=language_choices,
        initial={"instrument": default_instrument, "point": _suggested_point(person, default_instrument),
                 "channel": channel, "language": default_language})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sent = services.questionnaire_link_send(
                actor=actor, person_id=person.pk, instrument=data["instrument"], channel=data["channel"],
                point=data["point"], language=data["language"])
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(key if key in form.fields else None, error)
        else:
            name = short_name(data["instrument"])
            how = "text message" if data["channel"] == "sms" else "email"
            expires = f"{sent.link.expires_at:%d %B %Y}".lstrip("0")
            if not sent.delivered and settings.PARTNERS_ALLOW_DEMO_ACCOUNTS:
                # Demo only (GOV.UK Notify is not configured): show the link so the questionnaire can be tried.
                return render(request, "measures/link_demo.html", {"person": person, "url": sent.url, "name": name,
                                                                   "expires": expires})
            if not sent.delivered:
                messages.warning(request, f"GOV.UK Notify is not configured, so the {name} link was recorded but not "
                                          "sent.")
            else:
                messages.success(request, f"A {name} link was sent by {how}. It can be used once, until {expires}.")
            return redirect(_person_url(person.pk))
    return render(request, "measures/send.html", {"person": person, "form": form})


@role_required(*WRITER_ROLES)
@require_POST
def link_cancel(request: AuthedRequest, person_id: int, link_id: int) -> HttpResponse:
    link = services.questionnaire_link_cancel(actor=Actor.from_request(request), person_id=person_id, link_id=link_id)
    messages.success(request, f"The {short_name(link.response.instrument)} link was cancelled. It can no longer be "
                              "used.")
    return redirect(_person_url(person_id))


@role_required(*READER_ROLES)
def detail(request: AuthedRequest, person_id: int, response_id: int) -> HttpResponse:
    response = questionnaire_response_get(actor=Actor.from_request(request), person_id=person_id,
                                          response_id=response_id)
    wording = response.wording.items if response.wording else None
    qs = questions(response.instrument, wording, response.language)
    answers = []
    for question, value in zip(qs, response_values(response), strict=True):
        shown = "Not answered"
        if value is not None:
            shown = next((o.label for o in question.options if o.value == value and type(o.value) is type(value)),
                         str(value))
        answers.append((question, shown))
    return render(request, "measures/detail.html", {
        "person": response.person, "response": response, "answers": answers, "name": short_name(response.instrument),
        "instrument": get_instrument(response.instrument), "score": format_score(response.instrument, response.score),
    })


@role_required(*WRITER_ROLES)
@require_http_methods(["GET", "POST"])
def schedule(request: AuthedRequest, person_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    person = service_user_get(actor=actor, person_id=person_id)
    episode = current_episode(person)
    if episode is None:
        raise Http404("No open episode.")
    current = schedule_settings(episode_plan(episode))
    form = MeasurementPlanForm(request.POST or None, instruments=instrument_choices(request.user.organisation_id),
                               initial={"instruments": current.instruments,
                                        "review_interval_months": current.review_interval_months,
                                        "window_days": current.window_days, "collect_at_end": current.collect_at_end})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.measurement_plan_save(
                actor=actor, person_id=person.pk, instruments=list(data["instruments"]),
                review_interval_months=data["review_interval_months"], window_days=data["window_days"],
                collect_at_end=data["collect_at_end"])
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(key if key in form.fields else None, error)
        else:
            messages.success(request, "The questionnaire schedule has been saved.")
            return redirect(_person_url(person.pk))
    return render(request, "measures/schedule.html", {"person": person, "form": form, "custom": current.custom})


# --- administrators: instruments, licences, wording, value sets ---------------------------------------------

def _value_set_status() -> list[dict[str, str]]:
    rows = []
    try:
        tariff = load_icecap_tariff()
        rows.append({"name": "ICECAP-A UK tariff (Flynn 2015)", "status": "Configured", "key": "ok",
                     "detail": f"Source: {tariff.source}"})
    except NotConfiguredError as exc:
        rows.append({"name": "ICECAP-A UK tariff (Flynn 2015)", "status": "Not configured", "key": "overdue",
                     "detail": f"ICECAP-A answers are stored but not scored. {exc.message}"})
    try:
        get_value_set("vanhout-crosswalk")
        rows.append({"name": "EQ-5D-5L crosswalk to UK 3L values (van Hout 2012)", "status": "Installed",
                     "key": "ok", "detail": "Scoring with the value set 'vanhout-crosswalk' is available."})
    except NotConfiguredError as exc:
        rows.append({"name": "EQ-5D-5L crosswalk to UK 3L values (van Hout 2012)", "status": "Not installed",
                     "key": "due", "detail": exc.message})
    rows.append({"name": "EQ-5D-5L value sets uk-2026 (default) and england-2018", "status": "Built in", "key": "ok",
                 "detail": "Transcribed from the published tables; nothing to install."})
    return rows


def _organisation_choices() -> list[tuple[str, str]]:
    return [(str(o.pk), f"{o.name} ({o.get_kind_display()})")
            for o in Organisation.objects.exclude(kind=Organisation.Kind.OTHER).order_by("kind", "name")]


@role_required(Role.ADMINISTRATOR)
def instruments(request: AuthedRequest) -> HttpResponse:
    platform = enabled_map(None)
    settings_rows = list(InstrumentSetting.objects.select_related("organisation"))
    wording_rows = list(InstrumentWording.objects.select_related("organisation"))
    rows = []
    for code in COLLECTED:
        definition = get_instrument(code)
        overrides = [s for s in settings_rows if s.instrument == code and s.organisation_id is not None]
        rows.append({
            "code": code, "name": short_name(code), "full_name": definition.name, "licence": definition.licence,
            "enabled": platform[code], "needs_registration": code in NEEDS_REGISTRATION,
            "overrides": len(overrides),
            "languages": sorted({w.language for w in wording_rows if w.instrument == code}),
        })
    return render(request, "measures/admin/instruments.html", {"rows": rows, "value_sets": _value_set_status()})


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def instrument(request: AuthedRequest, code: str) -> HttpResponse:
    if code not in COLLECTED:
        raise Http404("No such instrument.")
    actor = Actor.from_request(request)
    definition = get_instrument(code)
    organisations = _organisation_choices()
    setting_form = InstrumentSettingForm(
        request.POST if request.POST.get("form") == "setting" else None, organisations=organisations,
        prefix="setting")
    wording_form = WordingForm(request.POST if request.POST.get("form") == "wording" else None,
                               organisations=organisations, prefix="wording")
    if request.method == "POST" and request.POST.get("form") == "setting" and setting_form.is_valid():
        data = setting_form.cleaned_data
        try:
            services.instrument_setting_save(
                actor=actor, instrument=code, organisation_id=int(data["scope"]) if data["scope"] else None,
                enabled=data["enabled"] == "on", licence_confirmed=data["licence_confirmed"])
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                for error in errors:
                    setting_form.add_error(key if key in setting_form.fields else None, error)
        else:
            decision = "enabled" if data["enabled"] == "on" else "disabled"
            messages.success(request, f"{short_name(code)} has been {decision}.")
            return redirect("measures:instrument", code=code)
    if request.method == "POST" and request.POST.get("form") == "wording" and wording_form.is_valid():
        data = wording_form.cleaned_data
        try:
            services.instrument_wording_load(
                actor=actor, instrument=code, language=data["language"].strip(),
                organisation_id=int(data["scope"]) if data["scope"] else None,
                items=[line for line in data["items"].splitlines() if line.strip()],
                licence_reference=data["licence_reference"])
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                for error in errors:
                    wording_form.add_error(key if key in wording_form.fields else None, error)
        else:
            messages.success(request, f"Licensed wording for {short_name(code)} ({data['language']}) has been loaded.")
            return redirect("measures:instrument", code=code)
    settings_rows = list(InstrumentSetting.objects.filter(instrument=code).select_related("organisation", "changed_by"))
    return render(request, "measures/admin/instrument.html", {
        "code": code, "name": short_name(code), "instrument": definition, "items": definition.items,
        "platform_enabled": enabled_map(None)[code], "needs_registration": code in NEEDS_REGISTRATION,
        "settings_rows": settings_rows,
        "wordings": InstrumentWording.objects.filter(instrument=code).select_related("organisation", "loaded_by"),
        "setting_form": setting_form, "wording_form": wording_form,
        "value_sets": [v for v in _value_set_status() if (code == "icecap-a" and "ICECAP" in v["name"])
                       or (code == "eq-5d-5l" and "EQ-5D" in v["name"])],
    })
