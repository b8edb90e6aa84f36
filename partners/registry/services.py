"""Writes to people's records: validated in one place (used by the web forms and the API), audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record
from partners.common.identifiers import ETHNIC_CATEGORIES, LANGUAGE_TAG, normalise_nhs_number, normalise_postcode
from partners.organisations.models import Organisation
from partners.registry.models import CareSetting, CommunicationNeed, Consent, DiagnosisGroup, Person, Sex
from partners.registry.scope import visible_people

PERSON_FIELDS = (
    "nhs_number", "given_name", "family_name", "preferred_name", "date_of_birth", "sex", "ethnicity",
    "postcode", "lsoa", "address", "practice_ods", "registered_on", "diagnosis_group", "snomed_code",
    "usual_care_setting", "phone", "email", "preferred_contact_method", "sms_opt_in", "email_opt_in",
    "contact_notes", "preferred_language", "interpreter_needed", "interpreter_language", "communication_needs",
)
# A BCP 47 language tag, simply checked: en, pl, pa-IN, bsl (British Sign Language).
REQUIRED = ("given_name", "family_name", "date_of_birth", "practice_ods", "diagnosis_group", "usual_care_setting")


def _choice(errors: dict[str, list[str]], field: str, value: Any, choices: Any, label: str) -> Any:
    allowed = [c.value if hasattr(c, "value") else c for c in choices]
    if value not in allowed:
        errors.setdefault(field, []).append(f"{label} {value!r} is not one of: {', '.join(map(str, allowed))}.")
    return value


def person_clean(data: dict[str, Any], *, instance: Person | None = None, partial: bool = False) -> dict[str, Any]:
    """Validate and normalise person fields; raises ValidationError naming each field, value and reason.

    ``partial`` checks only the fields present (a form that has already reported the missing ones)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for field in REQUIRED:
        if instance is None and not partial and data.get(field) in (None, ""):
            errors.setdefault(field, []).append("This field is required.")
    for field, value in data.items():
        if field not in PERSON_FIELDS:
            continue
        if isinstance(value, str):
            value = value.strip()
        if field == "nhs_number":
            if value in (None, ""):
                cleaned[field] = None
            else:
                try:
                    cleaned[field] = normalise_nhs_number(value)
                except ValueError as exc:
                    errors.setdefault(field, []).append(f"{str(exc)[0].upper()}{str(exc)[1:]}.")
        elif field in ("date_of_birth", "registered_on"):
            if value in (None, ""):
                if field == "date_of_birth":
                    errors.setdefault(field, []).append("This field is required.")
                    continue
                cleaned[field] = None
                continue
            if isinstance(value, str):
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    errors.setdefault(field, []).append(f"{value!r} is not a date (use YYYY-MM-DD).")
                    continue
            if value > timezone.localdate():
                label = "Date of birth" if field == "date_of_birth" else "Registration date"
                errors.setdefault(field, []).append(f"{label} {value.isoformat()} is in the future.")
            elif field == "date_of_birth" and value.year < 1900:
                errors.setdefault(field, []).append(f"Date of birth {value.isoformat()} is before 1900.")
            cleaned[field] = value
        elif field == "postcode":
            if value in (None, ""):
                cleaned[field] = ""
            else:
                try:
                    cleaned[field] = normalise_postcode(value)
                except ValueError as exc:
                    errors.setdefault(field, []).append(f"Postcode {exc}.".replace("Postcode '", "'"))
        elif field == "practice_ods":
            code = (value or "").upper()
            practice = Organisation.objects.filter(ods_code=code, kind=Organisation.Kind.PRACTICE).first()
            if practice is None:
                errors.setdefault(field, []).append(f"No GP practice has the ODS code {value!r}.")
            cleaned["practice"] = practice
        elif field == "sex":
            cleaned[field] = _choice(errors, field, value, Sex, "Sex")
        elif field == "ethnicity":
            cleaned[field] = _choice(errors, field, value or "Z", list(ETHNIC_CATEGORIES), "Ethnic category")
        elif field == "diagnosis_group":
            cleaned[field] = _choice(errors, field, value, DiagnosisGroup, "Diagnosis group")
        elif field == "usual_care_setting":
            cleaned[field] = _choice(errors, field, value, CareSetting, "Usual care setting")
        elif field in ("preferred_language", "interpreter_language"):
            tag = (value or "").strip()
            if field == "preferred_language" and not tag:
                tag = "en"
            if tag and not LANGUAGE_TAG.match(tag):
                label = "Preferred language" if field == "preferred_language" else "Interpreter's language"
                errors.setdefault(field, []).append(
                    f"{label} {tag!r} is not a language code such as en, pl, ur or bsl.")
            cleaned[field] = tag
        elif field == "communication_needs":
            needs = list(value or [])
            for need in needs:
                _choice(errors, field, need, CommunicationNeed, "Communication need")
            cleaned[field] = needs
        elif field in ("given_name", "family_name"):
            if not value:
                errors.setdefault(field, []).append("This field is required.")
            cleaned[field] = value
        else:
            if value is None:  # an explicit null (API): blank text, but never NULL where the record cannot hold it
                model_field = Person._meta.get_field(field)
                if not model_field.null:
                    if model_field.get_internal_type() not in ("CharField", "TextField", "EmailField"):
                        errors.setdefault(field, []).append("This field cannot be empty.")
                        continue
                    value = ""
            cleaned[field] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _require_writer(actor: Actor, practice: Organisation | None) -> None:
    role = actor.user.role
    if role == Role.ADMINISTRATOR:
        return
    if role == Role.PRACTICE_STAFF and practice is not None and practice.pk == actor.user.organisation_id:
        return
    if role == Role.CARE_PARTNER:
        return
    raise ValidationError({"practice_ods": ["You cannot add people registered at this practice."]})


@transaction.atomic
def person_create(*, actor: Actor, data: dict[str, Any]) -> Person:
    cleaned = person_clean(data)
    _require_writer(actor, cleaned.get("practice"))
    cleaned.pop("practice_ods", None)
    if cleaned.get("nhs_number") and Person.objects.filter(nhs_number=cleaned["nhs_number"]).exists():
        raise ValidationError({"nhs_number": ["A person with this NHS number is already recorded."]})
    try:
        with transaction.atomic():
            person = Person.objects.create(**cleaned)
    except IntegrityError:
        raise ValidationError({"nhs_number": ["A person with this NHS number is already recorded."]}) from None
    audit_record(actor=actor, action=Action.CREATE, person_id=person.pk, object_type="person", object_id=person.pk)
    return person


@transaction.atomic
def person_update(*, actor: Actor, person_id: int, data: dict[str, Any]) -> Person:
    try:
        person = visible_people(actor.user).select_for_update().get(pk=person_id)
    except Person.DoesNotExist:
        raise Http404("No such person.") from None
    cleaned = person_clean(data, instance=person)
    if "practice" in cleaned:
        _require_writer(actor, cleaned["practice"])
    if cleaned.get("nhs_number") and Person.objects.filter(nhs_number=cleaned["nhs_number"]).exclude(
        pk=person.pk
    ).exists():
        raise ValidationError({"nhs_number": ["A person with this NHS number is already recorded."]})
    changed = []
    for field, value in cleaned.items():
        if getattr(person, field) != value:
            setattr(person, field, value)
            changed.append(field)
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, action=Action.UPDATE, person_id=person.pk, object_type="person",
                     object_id=person.pk, detail={"fields": sorted(changed)})
    return person


@transaction.atomic
def consent_record(*, actor: Actor, person_id: int, scope: str, status: str, recorded_on: date,
                   version: str = "", study: str = "", notes: str = "") -> Consent:
    try:
        person = visible_people(actor.user).get(pk=person_id)
    except Person.DoesNotExist:
        raise Http404("No such person.") from None
    errors: dict[str, list[str]] = {}
    _choice(errors, "scope", scope, Consent.Scope, "Consent scope")
    _choice(errors, "status", status, Consent.Status, "Consent status")
    if recorded_on > timezone.localdate():
        errors.setdefault("recorded_on", []).append(f"Consent date {recorded_on.isoformat()} is in the future.")
    if scope == Consent.Scope.RESEARCH and status == Consent.Status.GIVEN and not version:
        errors.setdefault("version", []).append("Research consent needs the consent form version.")
    if errors:
        raise ValidationError(errors)
    consent = Consent.objects.create(person=person, scope=scope, status=status, recorded_on=recorded_on,
                                     version=version, study=study, notes=notes, recorded_by=actor.user)
    audit_record(actor=actor, action=Action.CREATE, person_id=person.pk, object_type="consent", object_id=consent.pk)
    return consent
