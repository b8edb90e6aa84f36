"""Writes for safety events and physical health: validated in one place (forms and API), audited.

A safety event is flagged at once: the caseload flags (``partners.supervision.flags``) and the
supervisor's list of new safety events both read the saved row, so the Care Partner and the supervisor
see it on their next look (the supervisor's screen asks every few seconds).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record
from partners.care.models import Episode
from partners.registry.models import Person
from partners.registry.scope import visible_people
from partners.safety.health import bmi
from partners.safety.models import HealthCheck, LongTermCondition, Medication, MedicationGroup, SafetyEvent

SAFETY_WRITERS = (Role.CARE_PARTNER, Role.SUPERVISOR, Role.PRACTICE_STAFF)
HEALTH_WRITERS = (Role.CARE_PARTNER, Role.PRACTICE_STAFF)
SERIOUSNESS = ("resulted_in_death", "life_threatening", "hospitalisation", "disability", "congenital_anomaly",
               "other_important")
SERIOUSNESS_LABELS = {
    "resulted_in_death": "Resulted in death",
    "life_threatening": "Life-threatening",
    "hospitalisation": "Required hospital admission or prolonged a stay",
    "disability": "Persistent or significant disability or incapacity",
    "congenital_anomaly": "Congenital anomaly or birth defect",
    "other_important": "Other important medical event",
}
RELATED = ("possibly", "probably", "definitely")
INTERVENTIONS = [
    ("smoking_cessation", "Stop smoking support"),
    ("weight_management", "Weight management, diet or physical activity"),
    ("blood_pressure", "Blood pressure follow-up"),
    ("lipids", "Lipid management or statin review"),
    ("diabetes", "Diabetes care or the diabetes prevention programme"),
    ("alcohol", "Alcohol brief intervention or referral"),
    ("medication_review", "Medication review"),
    ("other", "Other follow-up"),
]


def _person_in_scope(actor: Actor, person_id: int, roles: tuple[str, ...]) -> Person:
    try:
        person = visible_people(actor.user).get(pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("No such person.") from None
    if actor.user.role not in roles:
        raise PermissionError("Your role cannot record this.")
    return person


def _date(errors: dict[str, list[str]], field: str, value: Any, label: str, *, required: bool) -> date | None:
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(f"Enter the {label.lower()}.")
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            errors.setdefault(field, []).append(f"{label} {value!r} is not a date (use YYYY-MM-DD).")
            return None
    if value > timezone.localdate():
        errors.setdefault(field, []).append(f"{label} {value.isoformat()} is in the future.")
    return value


def episode_at(person: Person, on: date) -> Episode | None:
    """The person's episode of care running on ``on`` (the latest referred, if several)."""
    return (
        Episode.objects.filter(person=person, referred_on__lte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
        .order_by("-referred_on", "-pk").first()
    )


def safety_event_clean(data: dict[str, Any], *, person: Person) -> dict[str, Any]:
    """Validate a safety event; raises ValidationError naming each field, value and reason."""
    errors: dict[str, list[str]] = {}
    kinds = [k.value for k in SafetyEvent.Kind]
    kind = data.get("kind")
    if kind not in kinds:
        errors.setdefault("kind", []).append(f"Kind {kind!r} is not one of: {', '.join(kinds)}.")
    onset = _date(errors, "onset_on", data.get("onset_on"), "Onset date", required=True)
    ended = _date(errors, "ended_on", data.get("ended_on"), "End date", required=False)
    if onset and ended and ended < onset:
        errors.setdefault("ended_on", []).append(
            f"End date {ended.isoformat()} is before the onset date {onset.isoformat()}.")
    if onset and onset < person.date_of_birth:
        errors.setdefault("onset_on", []).append(f"Onset date {onset.isoformat()} is before the date of birth.")
    cleaned: dict[str, Any] = {"kind": kind, "onset_on": onset, "ended_on": ended,
                               "description": str(data.get("description") or "").strip()[:5000]}
    for name in SERIOUSNESS:
        cleaned[name] = bool(data.get(name))
    relatedness = data.get("relatedness") or ""
    allowed = [r.value for r in SafetyEvent.Relatedness]
    if relatedness and relatedness not in allowed:
        errors.setdefault("relatedness", []).append(
            f"Relatedness {relatedness!r} is not one of: {', '.join(allowed)}.")
    expected = data.get("expected")
    if isinstance(expected, str):
        expected = {"yes": True, "true": True, "no": False, "false": False}.get(expected.lower())
    outcome = data.get("outcome") or SafetyEvent.Outcome.UNKNOWN
    outcomes = [o.value for o in SafetyEvent.Outcome]
    if outcome not in outcomes:
        errors.setdefault("outcome", []).append(f"Outcome {outcome!r} is not one of: {', '.join(outcomes)}.")
    if kind == SafetyEvent.Kind.SAE:
        if not any(cleaned[name] for name in SERIOUSNESS):
            errors.setdefault("seriousness", []).append(
                "Select at least one seriousness criterion: a serious adverse event meets one or more.")
        if not relatedness:
            errors.setdefault("relatedness", []).append("Select how related the event is to PARTNERS care.")
        if expected is None:
            errors.setdefault("expected", []).append("Select whether the event was expected.")
    if cleaned["resulted_in_death"] and outcome != SafetyEvent.Outcome.FATAL:
        errors.setdefault("outcome", []).append("The event resulted in death: the outcome must be 'fatal'.")
    if outcome == SafetyEvent.Outcome.FATAL and kind == SafetyEvent.Kind.SAE and not cleaned["resulted_in_death"]:
        errors.setdefault("resulted_in_death", []).append("The outcome is fatal: select 'Resulted in death'.")
    if outcome == SafetyEvent.Outcome.ONGOING and ended:
        errors.setdefault("outcome", []).append("The event has an end date, so it cannot be ongoing.")
    if errors:
        raise ValidationError(errors)
    cleaned.update(relatedness=relatedness, expected=expected, outcome=outcome)
    return cleaned


@transaction.atomic
def safety_event_record(*, actor: Actor, person_id: int, data: dict[str, Any]) -> SafetyEvent:
    """Record an admission, crisis episode or serious adverse event for a person in the actor's scope."""
    person = _person_in_scope(actor, person_id, SAFETY_WRITERS)
    cleaned = safety_event_clean(data, person=person)
    event = SafetyEvent.objects.create(person=person, episode=episode_at(person, cleaned["onset_on"]),
                                       reported_by=actor.user, **cleaned)
    audit_record(actor=actor, action=Action.CREATE, person_id=person.pk, object_type="safety_event",
                 object_id=event.pk, detail={"kind": event.kind})
    return event


@transaction.atomic
def safety_event_review(*, actor: Actor, event_id: int, note: str = "") -> SafetyEvent:
    """A supervisor marks a safety event as reviewed (it leaves their 'new safety events' list)."""
    if actor.user.role != Role.SUPERVISOR:
        raise PermissionError("Only a supervisor reviews safety events.")
    try:
        event = SafetyEvent.objects.select_for_update().get(pk=event_id, person__in=visible_people(actor.user))
    except (SafetyEvent.DoesNotExist, ValueError, TypeError):
        raise Http404("No such safety event.") from None
    if event.reviewed_at is None:
        event.reviewed_at = timezone.now()
        event.reviewed_by = actor.user
        event.review_note = (note or "").strip()[:2000]
        event.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
        audit_record(actor=actor, action=Action.UPDATE, person_id=event.person_id, object_type="safety_event",
                     object_id=event.pk, detail={"reviewed": True})
    return event


# Physical health ---------------------------------------------------------------------------------------

# field -> (label, lowest, highest): plausible ranges for adults; outside them is a typing error.
RANGES: dict[str, tuple[str, Decimal, Decimal]] = {
    "weight_kg": ("Weight", Decimal(20), Decimal(400)),
    "height_cm": ("Height", Decimal(100), Decimal(250)),
    "systolic_bp": ("Systolic blood pressure", Decimal(60), Decimal(260)),
    "diastolic_bp": ("Diastolic blood pressure", Decimal(30), Decimal(160)),
    "total_cholesterol": ("Total cholesterol", Decimal("1.0"), Decimal("20.0")),
    "hdl_cholesterol": ("HDL cholesterol", Decimal("0.1"), Decimal("5.0")),
    "hba1c": ("HbA1c", Decimal(15), Decimal(200)),
    "glucose": ("Fasting glucose", Decimal("1.0"), Decimal("40.0")),
    "alcohol_units_per_week": ("Alcohol", Decimal(0), Decimal(300)),
}
WHOLE = {"systolic_bp", "diastolic_bp", "hba1c", "alcohol_units_per_week"}


def health_check_clean(data: dict[str, Any], *, person: Person) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    checked = _date(errors, "checked_on", data.get("checked_on"), "Date of the check", required=True)
    if checked and checked < person.date_of_birth:
        errors.setdefault("checked_on", []).append(f"Date of the check {checked.isoformat()} is before the date "
                                                   "of birth.")
    cleaned["checked_on"] = checked
    for name, (label, low, high) in RANGES.items():
        value = data.get(name)
        if value in (None, ""):
            cleaned[name] = None
            continue
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            errors.setdefault(name, []).append(f"{label} {value!r} is not a number.")
            continue
        if not low <= number <= high:
            errors.setdefault(name, []).append(f"{label} {number} is outside {low} to {high}.")
            continue
        if name in WHOLE and number != number.to_integral_value():
            errors.setdefault(name, []).append(f"{label} {number} must be a whole number.")
            continue
        cleaned[name] = int(number) if name in WHOLE else number.quantize(Decimal("0.1"))
    sys_bp, dia_bp = cleaned.get("systolic_bp"), cleaned.get("diastolic_bp")
    if (sys_bp is None) != (dia_bp is None) and "systolic_bp" not in errors and "diastolic_bp" not in errors:
        errors.setdefault("diastolic_bp" if dia_bp is None else "systolic_bp", []).append(
            "Enter both blood pressure readings, or neither.")
    elif sys_bp is not None and dia_bp is not None and dia_bp >= sys_bp:
        errors.setdefault("diastolic_bp", []).append(
            f"Diastolic blood pressure {dia_bp} must be lower than systolic {sys_bp}.")
    smoking = data.get("smoking") or HealthCheck.Smoking.NOT_RECORDED
    allowed = [s.value for s in HealthCheck.Smoking]
    if smoking not in allowed:
        errors.setdefault("smoking", []).append(f"Smoking status {smoking!r} is not one of: {', '.join(allowed)}.")
    interventions = list(data.get("interventions") or [])
    codes = [c for c, _ in INTERVENTIONS]
    unknown = [i for i in interventions if i not in codes]
    if unknown:
        errors.setdefault("interventions", []).append(
            f"Intervention {unknown[0]!r} is not one of: {', '.join(codes)}.")
    if errors:
        raise ValidationError(errors)
    cleaned.update(smoking=smoking, interventions=interventions, notes=str(data.get("notes") or "").strip()[:5000],
                   bmi=bmi(cleaned.get("weight_kg"), cleaned.get("height_cm")))
    return cleaned


@transaction.atomic
def health_check_record(*, actor: Actor, person_id: int, data: dict[str, Any]) -> HealthCheck:
    """Record an SMI physical health check; BMI is computed from weight and height."""
    person = _person_in_scope(actor, person_id, HEALTH_WRITERS)
    cleaned = health_check_clean(data, person=person)
    check = HealthCheck.objects.create(person=person, recorded_by=actor.user, **cleaned)
    audit_record(actor=actor, action=Action.CREATE, person_id=person.pk, object_type="health_check",
                 object_id=check.pk)
    return check


@transaction.atomic
def long_term_condition_add(*, actor: Actor, person_id: int, condition: str, snomed_code: str = "",
                            recorded_on: date | None = None) -> LongTermCondition:
    person = _person_in_scope(actor, person_id, HEALTH_WRITERS)
    errors: dict[str, list[str]] = {}
    condition = (condition or "").strip()
    if not condition:
        errors["condition"] = ["Enter the condition."]
    snomed_code = (snomed_code or "").strip()
    if snomed_code and not (snomed_code.isdigit() and 6 <= len(snomed_code) <= 18):
        errors["snomed_code"] = [f"SNOMED CT code {snomed_code!r} must be 6 to 18 digits."]
    if recorded_on and recorded_on > timezone.localdate():
        errors["recorded_on"] = [f"Date recorded {recorded_on.isoformat()} is in the future."]
    if errors:
        raise ValidationError(errors)
    record = LongTermCondition.objects.create(person=person, condition=condition[:100], snomed_code=snomed_code,
                                              recorded_on=recorded_on)
    audit_record(actor=actor, action=Action.CREATE, person_id=person.pk, object_type="long_term_condition",
                 object_id=record.pk)
    return record


@transaction.atomic
def medication_add(*, actor: Actor, person_id: int, group: str, name: str = "", started_on: date | None = None,
                   stopped_on: date | None = None) -> Medication:
    person = _person_in_scope(actor, person_id, HEALTH_WRITERS)
    errors: dict[str, list[str]] = {}
    groups = [g.value for g in MedicationGroup]
    if group not in groups:
        errors["group"] = [f"Medication group {group!r} is not one of: {', '.join(groups)}."]
    today = timezone.localdate()
    for field, value in (("started_on", started_on), ("stopped_on", stopped_on)):
        if value and value > today:
            errors.setdefault(field, []).append(f"{value.isoformat()} is in the future.")
    if started_on and stopped_on and stopped_on < started_on:
        errors.setdefault("stopped_on", []).append(
            f"Stopped {stopped_on.isoformat()} is before started {started_on.isoformat()}.")
    if errors:
        raise ValidationError(errors)
    record = Medication.objects.create(person=person, group=group, name=(name or "").strip()[:100],
                                       started_on=started_on, stopped_on=stopped_on)
    audit_record(actor=actor, action=Action.CREATE, person_id=person.pk, object_type="medication",
                 object_id=record.pk)
    return record
