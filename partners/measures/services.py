"""Writes for questionnaire collection: validated in one place (web forms, the API and the link pages all
call these), scored by the engine (``partners.measures.engine.score``, the only scorer), stored item by
item, and audited.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import dateformat, timezone

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record
from partners.care.models import OPEN_PHASES, Episode
from partners.common import notify
from partners.common.models import OutboundMessage
from partners.measures import conf
from partners.measures.availability import enabled_map, wording_for
from partners.measures.engine import NotConfiguredError, ScoreResult, ScoringError, get_instrument, score, validate
from partners.measures.models import (
    CollectionMode,
    InstrumentSetting,
    InstrumentWording,
    ItemResponse,
    MeasurementPlan,
    QuestionnaireResponse,
    SelfCompletionLink,
)
from partners.measures.presentation import COLLECTED
from partners.organisations.models import Organisation
from partners.registry.models import Person
from partners.registry.scope import visible_people

WRITER_ROLES = (Role.CARE_PARTNER, Role.PRACTICE_STAFF)
POINTS = [c.value for c in QuestionnaireResponse.Point]
STAFF_MODES = [CollectionMode.STAFF.value, CollectionMode.INTERPRETER.value]
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
SELF_USERNAME = "service-user-link"
REDACTED_LINK = "(single-use link: not stored)"


class LinkHolder:
    """Stands in for an account in audit rows written when a person uses their own link (they have none)."""

    pk = None
    username = SELF_USERNAME
    role = "service_user"
    is_authenticated = False
    is_active = False

    def __str__(self) -> str:
        return "the person, through their questionnaire link"


def self_actor(actor: Actor) -> Actor:
    """The request's actor with the person's marker in place of an account (via 'self')."""
    return Actor(user=LinkHolder(), via="self", ip_address=actor.ip_address,  # type: ignore[arg-type]
                 user_agent=actor.user_agent, method=actor.method, path="/q/(link)/", request_id=actor.request_id)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- scoring -------------------------------------------------------------------------------------------

def _checked_values(instrument: str, values: Any) -> list[Any]:
    """The engine's validation of every item: ValidationError keyed ``responses[n]`` per item (or ``responses``)."""
    if not isinstance(values, list | tuple):
        raise ValidationError({"responses": [f"{instrument}: responses must be a list, one per item in order"]})
    trial = list(values)
    errors: dict[str, list[str]] = {}
    while True:  # each pass blanks the item the engine refused, so this ends within len(values) passes
        try:
            checked = validate(instrument, trial)
        except ScoringError as exc:
            if exc.item_number is None:
                errors.setdefault("responses", []).append(exc.message)
                raise ValidationError(errors) from None
            errors[f"responses[{exc.item_number}]"] = [exc.message]
            trial[exc.item_number - 1] = None
            continue
        if errors:
            raise ValidationError(errors)
        return checked


def score_responses(instrument: str, values: list[Any], value_set: str | None = None) -> ScoreResult:
    """The engine's score; when a tariff or value set is not installed, the answers are kept unscored."""
    try:
        return score(instrument, values, value_set=value_set)
    except NotConfiguredError as exc:
        checked = validate(instrument, values)
        definition = get_instrument(instrument)
        missing = tuple(n for n, v in enumerate(checked, start=1) if v is None)
        reason = exc.message.split(" (", 1)[0]
        return ScoreResult(instrument=definition.code, version=definition.version, rule=definition.rule,
                           value_set=None, score=None, scores={}, missing=len(missing), prorated=False,
                           missing_items=missing, no_score_reason=f"not scored: {reason}")


def _apply_score(response: QuestionnaireResponse, result: ScoreResult) -> None:
    response.instrument_version = result.version
    response.score = result.score
    response.scores = result.scores
    response.missing = result.missing
    response.prorated = result.prorated
    response.value_set = result.value_set or ""
    response.scoring_rule = result.rule
    response.no_score_reason = (result.no_score_reason or "")[:300]
    response.flags = list(result.flags)


def _trim_optional(instrument: str, values: list[Any]) -> list[Any]:
    """Leave unanswered optional trailing items off (EQ-5D-5L VAS, the TUS 'other' row)."""
    items = get_instrument(instrument).items
    out = list(values)
    while out and out[-1] is None and items[len(out) - 1].optional:
        out.pop()
    return out


# --- staff entry and the API ---------------------------------------------------------------------------

def _writable_person(actor: Actor, person_id: int) -> Person:
    if actor.user.role not in WRITER_ROLES:
        raise Http404("No such person.")
    try:
        return visible_people(actor.user).get(pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("No such person.") from None


def current_episode(person: Person) -> Episode | None:
    return Episode.objects.filter(person=person, phase__in=OPEN_PHASES).order_by("-referred_on", "-pk").first()


def _check_instrument(actor: Actor, instrument: Any, errors: dict[str, list[str]]) -> str:
    code = instrument.strip().lower() if isinstance(instrument, str) else ""
    if code not in COLLECTED:
        errors.setdefault("instrument", []).append(
            f"{instrument!r} is not a questionnaire that can be collected; known: {', '.join(COLLECTED)}")
        return code
    if not enabled_map(actor.user.organisation_id)[code]:
        errors.setdefault("instrument", []).append(
            f"{get_instrument(code).name} is not enabled for your organisation; an administrator can enable it "
            "on the Instruments page once the licence is in place")
    return code


def _check_point(point: Any, episode: Episode | None, errors: dict[str, list[str]]) -> str:
    if point not in POINTS:
        errors.setdefault("point", []).append(f"Point {point!r} is not one of: {', '.join(POINTS)}")
    elif point != QuestionnaireResponse.Point.AD_HOC and episode is None:
        errors.setdefault("point", []).append(
            f"There is no episode of PARTNERS care to record a {point.replace('_', ' ')} for; record it as 'ad_hoc'")
    return str(point)


def _check_language(language: Any, errors: dict[str, list[str]]) -> str:
    if not isinstance(language, str) or not LANGUAGE_TAG.match(language):
        errors.setdefault("language", []).append(f"Language {language!r} is not a language tag such as en or pl")
        return "en"
    return language


@transaction.atomic
def questionnaire_response_create(
    *,
    actor: Actor,
    person_id: int,
    instrument: str,
    responses: Any,
    completed_on: date | None = None,
    point: str = QuestionnaireResponse.Point.AD_HOC,
    mode: str = CollectionMode.STAFF,
    language: str = "en",
    value_set: str | None = None,
) -> QuestionnaireResponse:
    """A completed questionnaire entered by staff (or sent through the API): scored, stored item by item."""
    person = _writable_person(actor, person_id)
    episode = current_episode(person)
    errors: dict[str, list[str]] = {}
    code = _check_instrument(actor, instrument, errors)
    point = _check_point(point, episode, errors)
    if mode not in STAFF_MODES:
        errors.setdefault("mode", []).append(f"Mode {mode!r} is not one of: {', '.join(STAFF_MODES)} (a person's "
                                             "own completion comes through their link)")
    language = _check_language(language, errors)
    today = timezone.localdate()
    completed_on = completed_on or today
    if completed_on > today:
        errors.setdefault("completed_on", []).append(f"Date completed {completed_on.isoformat()} is in the future")
    elif completed_on < person.date_of_birth:
        errors.setdefault("completed_on", []).append(
            f"Date completed {completed_on.isoformat()} is before the person's date of birth")
    values: list[Any] = []
    if code in COLLECTED:
        try:
            values = _checked_values(code, responses)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    result = None
    if not errors:
        try:
            result = score_responses(code, _trim_optional(code, values), value_set=value_set)
        except ScoringError as exc:
            errors.setdefault("value_set", []).append(exc.message)
    if errors or result is None:
        raise ValidationError(errors)
    wording = wording_for(code, language, actor.user.organisation_id) if language != "en" else None
    response = QuestionnaireResponse(
        person=person, episode=episode, instrument=code, point=point, status=QuestionnaireResponse.Status.COMPLETED,
        mode=mode, language=language, completed_on=completed_on, entered_by=actor.user, wording=wording,
    )
    _apply_score(response, result)
    response.save()
    ItemResponse.objects.bulk_create(
        ItemResponse(response=response, position=n, value=v) for n, v in enumerate(values, start=1))
    audit_record(actor=actor, action=Action.CREATE, person_id=person.pk, object_type="questionnaire_response",
                 object_id=response.pk, detail={"instrument": code, "point": point, "mode": mode})
    return response


# --- self-completion links ------------------------------------------------------------------------------

@dataclass(frozen=True)
class LinkSent:
    link: SelfCompletionLink
    url: str
    message: OutboundMessage
    delivered: bool


def link_url(token: str) -> str:
    base = str(getattr(settings, "PARTNERS_PUBLIC_BASE_URL", "")).rstrip("/")
    return f"{base}{reverse('measures:q_start', args=[token])}"


def questionnaire_link_send(
    *,
    actor: Actor,
    person_id: int,
    instrument: str,
    channel: str,
    point: str = QuestionnaireResponse.Point.AD_HOC,
    language: str = "en",
) -> LinkSent:
    """Create a single-use link for one questionnaire and send it by SMS or email through GOV.UK Notify.

    A new link replaces any earlier unused link for the same questionnaire. Only the token's hash is kept;
    the message record keeps no copy of the link. Raises ValidationError (bad choice, no consent or no
    address, Notify refused or unreachable: then the link is cancelled at once).
    """
    person = _writable_person(actor, person_id)
    episode = current_episode(person)
    errors: dict[str, list[str]] = {}
    code = _check_instrument(actor, instrument, errors)
    point = _check_point(point, episode, errors)
    language = _check_language(language, errors)
    if channel == SelfCompletionLink.Channel.SMS:
        recipient = person.phone
        if not person.sms_opt_in:
            errors.setdefault("channel", []).append(
                f"{person.full_name} has not agreed to text messages; record their agreement first")
        elif not recipient:
            errors.setdefault("channel", []).append(f"There is no mobile number for {person.full_name}")
    elif channel == SelfCompletionLink.Channel.EMAIL:
        recipient = person.email
        if not person.email_opt_in:
            errors.setdefault("channel", []).append(
                f"{person.full_name} has not agreed to emails; record their agreement first")
        elif not recipient:
            errors.setdefault("channel", []).append(f"There is no email address for {person.full_name}")
    else:
        recipient = ""
        errors.setdefault("channel", []).append(f"Channel {channel!r} is not one of: sms, email")
    if errors:
        raise ValidationError(errors)

    token = secrets.token_urlsafe(32)
    now = timezone.now()
    expires = now + timedelta(days=int(conf.get("QUESTIONNAIRE_LINK_DAYS")))
    with transaction.atomic():
        SelfCompletionLink.objects.filter(
            person=person, response__instrument=code, submitted_at__isnull=True, cancelled_at__isnull=True,
        ).update(cancelled_at=now)
        wording = wording_for(code, language, actor.user.organisation_id) if language != "en" else None
        response = QuestionnaireResponse.objects.create(
            person=person, episode=episode, instrument=code, instrument_version=get_instrument(code).version,
            point=point, status=QuestionnaireResponse.Status.IN_PROGRESS, mode=CollectionMode.SELF,
            language=language if wording else "en", entered_by=None, wording=wording,
        )
        link = SelfCompletionLink.objects.create(
            token_hash=hash_token(token), person=person, response=response, channel=channel, sent_by=actor.user,
            created_at=now, expires_at=expires,
        )
        audit_record(actor=actor, action=Action.CREATE, person_id=person.pk, object_type="questionnaire_link",
                     object_id=link.pk, detail={"instrument": code, "channel": channel, "point": point,
                                                "expires_at": expires.isoformat()})
    url = link_url(token)
    reference = f"questionnaire-link-{link.pk}"
    failure: notify.NotifyError | None = None
    sent: notify.Sent | None = None
    with transaction.atomic():
        try:
            sent = notify.send(
                channel=channel, recipient=recipient, template=f"questionnaire_link_{channel}",
                personalisation={"link": url, "expires_on": dateformat.format(timezone.localtime(expires), "j F Y")},
                purpose="questionnaire_link", person_id=person.pk, reference=reference, sent_by_id=actor.user.pk,
            )
        except notify.NotifyError as exc:
            failure = exc
        # The link must not outlive the message in the outbox record: keep the rest, drop the token.
        for message in OutboundMessage.objects.filter(reference=reference):
            message.personalisation = {**message.personalisation, "link": REDACTED_LINK}
            message.save(update_fields=["personalisation"])
    if failure is not None or sent is None:
        SelfCompletionLink.objects.filter(pk=link.pk).update(cancelled_at=timezone.now())
        raise ValidationError({"channel": [str(failure)]})
    link.message_id = sent.message.pk
    link.save(update_fields=["message_id"])
    sent.message.refresh_from_db()
    return LinkSent(link=link, url=url, message=sent.message, delivered=sent.delivered_to_notify)


@transaction.atomic
def questionnaire_link_cancel(*, actor: Actor, person_id: int, link_id: int) -> SelfCompletionLink:
    person = _writable_person(actor, person_id)
    try:
        link = SelfCompletionLink.objects.select_for_update().get(pk=link_id, person=person)
    except SelfCompletionLink.DoesNotExist:
        raise Http404("No such link.") from None
    if link.submitted_at is None and link.cancelled_at is None:
        link.cancelled_at = timezone.now()
        link.save(update_fields=["cancelled_at"])
        audit_record(actor=actor, action=Action.UPDATE, person_id=person.pk, object_type="questionnaire_link",
                     object_id=link.pk, detail={"cancelled": True})
    return link


def usable_link(token: str) -> SelfCompletionLink | None:
    """The link for this token if it can still be used (not submitted, cancelled or expired), else None."""
    if not token or len(token) > 100:
        return None
    link = (SelfCompletionLink.objects.select_related("response", "response__wording", "person")
            .filter(token_hash=hash_token(token)).first())
    if link is None or not link.usable_at(timezone.now()):
        return None
    return link


def _locked_usable(link_id: int) -> SelfCompletionLink:
    link = SelfCompletionLink.objects.select_for_update().select_related("response").get(pk=link_id)
    if not link.usable_at(timezone.now()):
        raise LinkUnavailable()
    return link


class LinkUnavailable(Exception):
    """The link was submitted, cancelled or expired in the meantime."""


def link_opened(*, link: SelfCompletionLink) -> None:
    if link.first_opened_at is None:
        SelfCompletionLink.objects.filter(pk=link.pk, first_opened_at__isnull=True).update(
            first_opened_at=timezone.now())


@transaction.atomic
def link_answer_save(*, link_id: int, position: int, value: Any) -> ItemResponse:
    """Save one answer as the person goes (``None``: skipped). Raises ValidationError with the engine's message."""
    link = _locked_usable(link_id)
    instrument = get_instrument(link.response.instrument)
    if not 1 <= position <= len(instrument.items):
        raise ValidationError({"answer": [f"There is no question {position}"]})
    try:
        checked = instrument.items[position - 1].check(value)
    except ScoringError as exc:
        raise ValidationError({"answer": [exc.message]}) from None
    item, _ = ItemResponse.objects.update_or_create(response=link.response, position=position,
                                                    defaults={"value": checked})
    now = timezone.now()
    SelfCompletionLink.objects.filter(pk=link.pk).update(last_saved_at=now)
    QuestionnaireResponse.objects.filter(pk=link.response_id).update(updated_at=now)
    return item


def saved_answers(response: QuestionnaireResponse) -> dict[int, Any]:
    """Position -> value for the items saved so far (a skipped item is saved as None)."""
    return dict(ItemResponse.objects.filter(response=response).values_list("position", "value"))


def link_submit(*, link_id: int, actor: Actor, interpreter_assisted: bool = False) -> QuestionnaireResponse:
    """Score and complete the person's questionnaire; the link is dead afterwards.

    Idempotent: a second submit of the same link (a double click, a retry) returns the one response.
    Raises LinkUnavailable if the link expired or was cancelled before it was submitted, and ValidationError
    if no question was answered.
    """
    with transaction.atomic():
        link = SelfCompletionLink.objects.select_for_update().select_related("response").get(pk=link_id)
        response = link.response
        if link.submitted_at is not None:
            return response
        if not link.usable_at(timezone.now()):
            raise LinkUnavailable()
        instrument = get_instrument(response.instrument)
        answers = saved_answers(response)
        values = [answers.get(n) for n in range(1, len(instrument.items) + 1)]
        if all(v is None for v in values):
            raise ValidationError({"answers": ["Answer at least one question before sending your answers"]})
        for n in range(1, len(instrument.items) + 1):
            if n not in answers:
                ItemResponse.objects.create(response=response, position=n, value=None)
        result = score_responses(response.instrument, _trim_optional(response.instrument, values))
        _apply_score(response, result)
        response.status = QuestionnaireResponse.Status.COMPLETED
        response.completed_on = timezone.localdate()
        response.save()
        link.submitted_at = timezone.now()
        link.interpreter_assisted = bool(interpreter_assisted)
        link.save(update_fields=["submitted_at", "interpreter_assisted"])
        audit_record(actor=self_actor(actor), action=Action.CREATE, person_id=link.person_id,
                     object_type="questionnaire_response", object_id=response.pk,
                     detail={"instrument": response.instrument, "link_id": link.pk, "person_id": link.person_id,
                             "completed_by": "the person, through their link",
                             "interpreter_assisted": bool(interpreter_assisted)})
    return response


# --- measurement schedule --------------------------------------------------------------------------------

@transaction.atomic
def measurement_plan_save(
    *,
    actor: Actor,
    person_id: int,
    instruments: list[str],
    review_interval_months: int,
    window_days: int,
    collect_at_end: bool,
) -> MeasurementPlan:
    person = _writable_person(actor, person_id)
    episode = current_episode(person)
    errors: dict[str, list[str]] = {}
    if episode is None:
        errors.setdefault("instruments", []).append(f"{person.full_name} has no open episode of PARTNERS care")
    checked = []
    for code in instruments:
        checked.append(_check_instrument(actor, code, errors))
    if not checked:
        errors.setdefault("instruments", []).append("Select at least one questionnaire")
    if not 1 <= review_interval_months <= 12:
        errors.setdefault("review_interval_months", []).append(
            f"Months between reviews must be 1 to 12, not {review_interval_months}")
    if not 0 <= window_days <= 90:
        errors.setdefault("window_days", []).append(f"Days either side must be 0 to 90, not {window_days}")
    if errors or episode is None:
        raise ValidationError(errors)
    plan, _ = MeasurementPlan.objects.update_or_create(episode=episode, defaults={
        "instruments": checked, "review_interval_months": review_interval_months, "window_days": window_days,
        "collect_at_end": collect_at_end, "updated_by": actor.user})
    audit_record(actor=actor, action=Action.UPDATE, person_id=person.pk, object_type="measurement_plan",
                 object_id=plan.pk, detail={"instruments": checked, "review_interval_months": review_interval_months,
                                            "window_days": window_days, "collect_at_end": collect_at_end})
    return plan


# --- administration: instruments, licences and wording -------------------------------------------------------

def _admin_only(actor: Actor) -> None:
    if actor.user.role != Role.ADMINISTRATOR:
        raise Http404("Not available for this role.")


def _organisation(organisation_id: int | None, errors: dict[str, list[str]]) -> Organisation | None:
    if organisation_id is None:
        return None
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        errors.setdefault("organisation", []).append(f"There is no organisation {organisation_id}")
    return organisation


@transaction.atomic
def instrument_setting_save(
    *, actor: Actor, instrument: str, organisation_id: int | None, enabled: bool, licence_confirmed: bool,
) -> InstrumentSetting:
    """Enable or disable an instrument platform-wide or for one organisation (and those beneath it)."""
    _admin_only(actor)
    errors: dict[str, list[str]] = {}
    if instrument not in COLLECTED:
        raise Http404("No such instrument.")
    organisation = _organisation(organisation_id, errors)
    definition = get_instrument(instrument)
    if enabled and not licence_confirmed:
        errors.setdefault("licence_confirmed", []).append(
            f"Confirm that the licence conditions for {definition.name} are met: {definition.licence}")
    if errors:
        raise ValidationError(errors)
    setting, _ = InstrumentSetting.objects.update_or_create(
        instrument=instrument, organisation=organisation,
        defaults={"enabled": enabled, "licence_confirmed": bool(enabled and licence_confirmed),
                  "licence_note": definition.licence, "changed_by": actor.user, "changed_at": timezone.now()})
    audit_record(actor=actor, action=Action.UPDATE, object_type="instrument_setting", object_id=setting.pk,
                 detail={"instrument": instrument, "organisation_id": organisation_id, "enabled": enabled,
                         "licence_confirmed": setting.licence_confirmed, "licence_note": definition.licence})
    return setting


@transaction.atomic
def instrument_wording_load(
    *, actor: Actor, instrument: str, language: str, organisation_id: int | None, items: list[str],
    licence_reference: str,
) -> InstrumentWording:
    """Load licensed item wording (one text per item, in order), checked by the engine's ``with_wording``."""
    _admin_only(actor)
    errors: dict[str, list[str]] = {}
    if instrument not in COLLECTED:
        raise Http404("No such instrument.")
    organisation = _organisation(organisation_id, errors)
    language = _check_language(language, errors)
    texts = [t.strip() for t in items]
    try:
        get_instrument(instrument).with_wording(language, texts, licence_reference)
    except ScoringError as exc:
        field = "licence_reference" if "licence reference" in exc.message else "items"
        errors.setdefault(field, []).append(exc.message)
    if errors:
        raise ValidationError(errors)
    wording, _ = InstrumentWording.objects.update_or_create(
        instrument=instrument, language=language, organisation=organisation,
        defaults={"items": texts, "licence_reference": licence_reference.strip(), "loaded_by": actor.user,
                  "loaded_at": timezone.now()})
    audit_record(actor=actor, action=Action.UPDATE, object_type="instrument_wording", object_id=wording.pk,
                 detail={"instrument": instrument, "language": language, "organisation_id": organisation_id,
                         "licence_reference": wording.licence_reference})
    return wording
