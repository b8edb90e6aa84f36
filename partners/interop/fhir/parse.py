"""FHIR R4 resources -> platform records: the inverse of :mod:`.export` (and validation of what comes in).

Each resource is first validated with its ``fhir.resources`` R4B model (:func:`validate`); then the
functions here read the JSON data (numbers parsed as ``Decimal``, so decimals keep their digits). Bad
input raises :class:`FhirInputError` naming the element, never a traceback. Pure: no Django.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from partners.interop.fhir import codes as C
from partners.interop.fhir.records import (
    ContactRec,
    EpisodeRec,
    GoalRatingRec,
    GoalRec,
    HealthCheckRec,
    OrganisationRec,
    PatientRec,
    PractitionerRec,
    QuestionnaireRec,
    ReferralRec,
    ServiceRec,
)

SUPPORTED = ("Patient", "Organization", "Practitioner", "HealthcareService", "Condition", "EpisodeOfCare",
             "CareTeam", "CarePlan", "Goal", "Observation", "Encounter", "QuestionnaireResponse", "ServiceRequest",
             "Flag")


class FhirInputError(ValueError):
    """A resource the platform cannot accept; ``location`` is a FHIRPath-like location for OperationOutcome."""

    def __init__(self, message: str, location: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.location = location


def loads(body: bytes | str) -> Any:
    try:
        return json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FhirInputError(f"The body is not JSON: {exc}") from None


def validate(resource: Any, where: str) -> Any:
    """Validate one resource with its fhir.resources R4B model; returns the model."""
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        raise FhirInputError(f"{where}: not a FHIR resource (no resourceType)", where)
    kind = resource["resourceType"]
    try:
        model = get_fhir_model_class(kind)
    except (KeyError, ValueError):
        raise FhirInputError(f"{where}: unknown resource type {kind!r}", where) from None
    try:
        return model.model_validate(resource)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ()))
        raise FhirInputError(f"{where}: {kind}.{loc}: {first.get('msg', 'invalid')}", f"{kind}.{loc}") from None


# -- helpers ---------------------------------------------------------------------------------------------

def _ext_value(resource: dict[str, Any], url: str, key: str) -> Any:
    for ext in resource.get("extension", []) or []:
        if ext.get("url") == url:
            return ext.get(key)
    return None


def _ext_values(resource: dict[str, Any], url: str, key: str) -> list[Any]:
    return [e.get(key) for e in resource.get("extension", []) or [] if e.get("url") == url]


def _code(concept: dict[str, Any] | None, system: str) -> str | None:
    for coding in (concept or {}).get("coding", []) or []:
        if coding.get("system") == system:
            return coding.get("code")
    return None


def _local(resource: dict[str, Any], canon: C.Canon, name: str) -> str:
    coding = _ext_value(resource, canon.ext(name), "valueCoding") or {}
    return coding.get("code") or ""


def ref_id(reference: dict[str, Any] | None, kind: str, where: str) -> str:
    value = (reference or {}).get("reference") or ""
    prefix = f"{kind}/"
    if value.startswith(prefix) and len(value) > len(prefix):
        return value[len(prefix):].split("/_history")[0]
    if value.startswith("urn:uuid:"):
        return value[len("urn:uuid:"):]
    raise FhirInputError(f"{where}: expected a reference to a {kind}, not {value!r}", where)


def _optional_ref(reference: dict[str, Any] | None, kind: str, where: str) -> str | None:
    return ref_id(reference, kind, where) if reference else None


def _date(value: Any, where: str, required: bool = False) -> date | None:
    if value in (None, ""):
        if required:
            raise FhirInputError(f"{where}: a date is required", where)
        return None
    text = str(value)[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FhirInputError(f"{where}: {value!r} is not a date (YYYY-MM-DD)", where) from None


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _int(value: Any) -> int | None:
    return None if value is None else int(Decimal(str(value)))


def _required(value: Any, where: str) -> Any:
    if value in (None, ""):
        raise FhirInputError(f"{where} is required", where)
    return value


# -- reference data ----------------------------------------------------------------------------------------

def organisation(r: dict[str, Any], canon: C.Canon) -> OrganisationRec:
    ods = next((i.get("value") for i in r.get("identifier", []) or [] if i.get("system") == C.ODS_CODE), "") or ""
    kind = next((_code(t, canon.cs("organisation-kind")) for t in r.get("type", []) or []), None) or "other"
    return OrganisationRec(id=_required(r.get("id"), "Organization.id"), ods_code=ods,
                           name=_required(r.get("name"), "Organization.name"), kind=kind)


def practitioner(r: dict[str, Any], canon: C.Canon) -> PractitionerRec:
    name = (r.get("name") or [{}])[0]
    return PractitionerRec(id=_required(r.get("id"), "Practitioner.id"), given=" ".join(name.get("given") or []),
                           family=name.get("family") or "")


def healthcare_service(r: dict[str, Any], canon: C.Canon) -> ServiceRec:
    kind = next((_code(t, canon.cs("service-kind")) for t in r.get("type", []) or []), None) or "other"
    return ServiceRec(id=_required(r.get("id"), "HealthcareService.id"),
                      name=_required(r.get("name"), "HealthcareService.name"), kind=kind)


# -- the person --------------------------------------------------------------------------------------------

GENDERS = ("female", "male", "other", "unknown")


def patient(r: dict[str, Any], canon: C.Canon, condition: dict[str, Any] | None) -> PatientRec:
    gender = r.get("gender") or "unknown"
    if gender not in GENDERS:
        raise FhirInputError(f"Patient.gender: {gender!r} is not one of {', '.join(GENDERS)}", "Patient.gender")
    nhs = next((i.get("value") for i in r.get("identifier", []) or [] if i.get("system") == C.NHS_NUMBER), None)
    names = r.get("name") or []
    official = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    usual = next((n for n in names if n.get("use") == "usual"), None)
    telecom = r.get("telecom") or []
    address = (r.get("address") or [{}])[0]
    communication = (r.get("communication") or [{}])[0]
    language = _code(communication.get("language"), C.BCP47) or "en"
    interpreter_language = ""
    interpreter_needed = False
    for ext in r.get("extension", []) or []:
        if ext.get("url") == C.NHS_COMMUNICATION:
            parts = {e.get("url"): e for e in ext.get("extension", []) or []}
            if (parts.get("interpreterRequired") or {}).get("valueBoolean"):
                interpreter_needed = True
                interpreter_language = _code((parts.get("language") or {}).get("valueCodeableConcept"), C.BCP47) or ""
    ethnicity = _code(_ext_value(r, C.ETHNIC_CATEGORY, "valueCodeableConcept"), C.ETHNIC_CATEGORY_CS) or "Z"
    needs = [(c or {}).get("code") for c in _ext_values(r, canon.ext("communication-need"), "valueCoding")]
    gp = (r.get("generalPractitioner") or [None])[0]
    snomed, group = "", ""
    if condition is not None:
        snomed = _code(condition.get("code"), C.SNOMED) or ""
        group = _code(condition.get("code"), canon.cs("diagnosis-group")) or ""
    return PatientRec(
        id=_required(r.get("id"), "Patient.id"), nhs_number=nhs,
        given=" ".join(official.get("given") or []), family=official.get("family") or "",
        preferred_name=" ".join((usual or {}).get("given") or []),
        birth_date=_date(r.get("birthDate"), "Patient.birthDate", required=True),  # type: ignore[arg-type]
        death_date=_date(r.get("deceasedDateTime"), "Patient.deceasedDateTime"),
        sex=gender, ethnicity=ethnicity,
        postcode=address.get("postalCode") or "", address=address.get("text") or "",
        phone=next((t.get("value") for t in telecom if t.get("system") == "phone"), "") or "",
        email=next((t.get("value") for t in telecom if t.get("system") == "email"), "") or "",
        practice_id=ref_id(gp, "Organization", "Patient.generalPractitioner"),
        language=language, interpreter_needed=interpreter_needed,
        interpreter_language=interpreter_language if interpreter_language != language or interpreter_needed else "",
        communication_needs=[n for n in needs if n],
        usual_care_setting=_local(r, canon, "usual-care-setting"),
        diagnosis_group=group, snomed_code=snomed,
    )


def episode_of_care(r: dict[str, Any], canon: C.Canon, care_plan: dict[str, Any] | None,
                    goal_ids: list[str]) -> EpisodeRec:
    period = r.get("period") or {}
    interval = _ext_value(r, canon.ext("contact-interval-days"), "valueInteger")
    cp = care_plan or {}
    return EpisodeRec(
        id=_required(r.get("id"), "EpisodeOfCare.id"),
        patient_id=ref_id(r.get("patient"), "Patient", "EpisodeOfCare.patient"),
        practice_id=ref_id(r.get("managingOrganization"), "Organization", "EpisodeOfCare.managingOrganization"),
        care_partner_id=_optional_ref(r.get("careManager"), "Practitioner", "EpisodeOfCare.careManager"),
        phase=_local(r, canon, "episode-phase") or "invited",
        referred_on=_date(period.get("start"), "EpisodeOfCare.period.start", required=True),  # type: ignore[arg-type]
        started_on=_date(_ext_value(r, canon.ext("engaged-on"), "valueDate"), "EpisodeOfCare.extension"),
        planned_end_on=_date(_ext_value(r, canon.ext("planned-end"), "valueDate"), "EpisodeOfCare.extension"),
        transition_from=_date(_ext_value(r, canon.ext("transition-from"), "valueDate"), "EpisodeOfCare.extension"),
        ended_on=_date(period.get("end"), "EpisodeOfCare.period.end"),
        end_reason=_local(r, canon, "end-reason"),
        secondary_care_change=_local(r, canon, "secondary-care-change") or "not_applicable",
        contact_interval_days=int(interval) if interval is not None else 14,
        next_contact_on=_date(_ext_value(r, canon.ext("next-contact"), "valueDate"), "EpisodeOfCare.extension"),
        last_contact_on=_date(_ext_value(r, canon.ext("last-contact"), "valueDate"), "EpisodeOfCare.extension"),
        situation=_ext_value(cp, canon.ext("shared-understanding-situation"), "valueString") or "",
        strengths=_ext_value(cp, canon.ext("shared-understanding-strengths"), "valueString") or "",
        what_matters=_ext_value(cp, canon.ext("shared-understanding-what-matters"), "valueString") or "",
        goal_ids=goal_ids,
    )


def goal(r: dict[str, Any], canon: C.Canon) -> GoalRec:
    target = (r.get("target") or [{}])[0]
    category = (r.get("category") or [{}])[0]
    return GoalRec(
        id=_required(r.get("id"), "Goal.id"),
        patient_id=ref_id(r.get("subject"), "Patient", "Goal.subject"),
        episode_id=ref_id(_ext_value(r, canon.ext("episode-of-care"), "valueReference"), "EpisodeOfCare",
                          "Goal.extension(episode-of-care)"),
        life_area=_code(category, canon.cs("life-area")) or "other",
        words=_required((r.get("description") or {}).get("text"), "Goal.description.text"),
        steps=_ext_value(r, canon.ext("goal-steps"), "valueString") or "",
        who_helps=_ext_value(r, canon.ext("goal-who-helps"), "valueString") or "",
        agreed_on=_date(r.get("startDate"), "Goal.startDate", required=True),  # type: ignore[arg-type]
        review_on=_date(target.get("dueDate"), "Goal.target.dueDate"),
        status=_local(r, canon, "goal-status") or "active",
        status_changed_on=_date(r.get("statusDate"), "Goal.statusDate"),
    )


def goal_rating(r: dict[str, Any], canon: C.Canon) -> GoalRatingRec:
    rating = r.get("valueInteger")
    if rating is None or not 0 <= int(rating) <= 10:
        raise FhirInputError("Observation.valueInteger: a goal rating is a whole number from 0 to 10",
                             "Observation.valueInteger")
    return GoalRatingRec(
        id=_required(r.get("id"), "Observation.id"),
        goal_id=ref_id((r.get("focus") or [None])[0], "Goal", "Observation.focus"),
        patient_id=ref_id(r.get("subject"), "Patient", "Observation.subject"),
        rated_on=_date(r.get("effectiveDateTime"), "Observation.effectiveDateTime", required=True),  # type: ignore[arg-type]
        rating=int(rating),
        kind=_code(r.get("method"), canon.cs("goal-rating-kind")) or "review",
    )


def encounter(r: dict[str, Any], canon: C.Canon) -> ContactRec:
    types = r.get("type") or []
    mode = next((c for t in types if (c := _code(t, canon.cs("contact-mode")))), None)
    place = next((c for t in types if (c := _code(t, canon.cs("contact-place")))), "") or ""
    length = r.get("length") or {}
    participant = (r.get("participant") or [{}])[0]
    return ContactRec(
        id=_required(r.get("id"), "Encounter.id"),
        patient_id=ref_id(r.get("subject"), "Patient", "Encounter.subject"),
        episode_id=ref_id((r.get("episodeOfCare") or [None])[0], "EpisodeOfCare", "Encounter.episodeOfCare"),
        care_partner_id=ref_id(participant.get("individual"), "Practitioner", "Encounter.participant.individual"),
        contact_on=_date((r.get("period") or {}).get("start"), "Encounter.period.start", required=True),  # type: ignore[arg-type]
        mode=_required(mode, "Encounter.type (contact mode)"), place=place,
        minutes=_int(length.get("value")) or 0,
        reached=r.get("status") != "cancelled",
        goals_discussed=bool(_ext_value(r, canon.ext("goals-discussed"), "valueBoolean")),
        goal_ids=[ref_id(v, "Goal", "Encounter.extension(goal)")
                  for v in _ext_values(r, canon.ext("goal"), "valueReference")],
        notes=_ext_value(r, canon.ext("contact-notes"), "valueString") or "",
        liaison_actions=_ext_value(r, canon.ext("liaison-actions"), "valueString") or "",
        next_contact_on=_date(_ext_value(r, canon.ext("next-contact"), "valueDate"), "Encounter.extension"),
    )


def _answer_value(answer: dict[str, Any]) -> Any:
    if "valueBoolean" in answer:
        return bool(answer["valueBoolean"])
    if "valueInteger" in answer:
        return int(answer["valueInteger"])
    if "valueDecimal" in answer:
        return float(answer["valueDecimal"])
    if "valueString" in answer:
        return answer["valueString"]
    raise FhirInputError("QuestionnaireResponse.item.answer: only boolean, integer, decimal and string answers "
                         "are accepted", "QuestionnaireResponse.item.answer")


def _component_value(component: dict[str, Any], canon: C.Canon) -> Any:
    if _ext_value(component, canon.ext("json-value"), "valueBoolean"):
        return json.loads(component["valueString"])
    if "valueBoolean" in component:
        return bool(component["valueBoolean"])
    if "valueInteger" in component:
        return int(component["valueInteger"])
    if "valueQuantity" in component:
        return float(component["valueQuantity"]["value"])
    return component.get("valueString")


def questionnaire_response(r: dict[str, Any], canon: C.Canon, score: dict[str, Any] | None) -> QuestionnaireRec:
    url = _required(r.get("questionnaire"), "QuestionnaireResponse.questionnaire")
    canonical, _, version = url.partition("|")
    prefix = canon.questionnaire("")
    if not canonical.startswith(prefix):
        raise FhirInputError(f"QuestionnaireResponse.questionnaire: {url!r} is not one of this platform's "
                             f"questionnaires ({prefix}<instrument>)", "QuestionnaireResponse.questionnaire")
    items = []
    for i, item in enumerate(r.get("item") or []):
        try:
            position = int(item.get("linkId"))
        except (TypeError, ValueError):
            raise FhirInputError(f"QuestionnaireResponse.item[{i}].linkId: {item.get('linkId')!r} is not an item "
                                 "number", f"QuestionnaireResponse.item[{i}].linkId") from None
        answers = item.get("answer") or []
        items.append((position, _answer_value(answers[0]) if answers else None))
    s = score or {}
    scores = {}
    for component in s.get("component") or []:
        name = _code(component.get("code"), canon.cs("score-component"))
        if name:
            scores[name] = _component_value(component, canon)
    quantity = s.get("valueQuantity")
    return QuestionnaireRec(
        id=_required(r.get("id"), "QuestionnaireResponse.id"),
        patient_id=ref_id(r.get("subject"), "Patient", "QuestionnaireResponse.subject"),
        episode_id=_optional_ref(_ext_value(r, canon.ext("episode-of-care"), "valueReference"), "EpisodeOfCare",
                                 "QuestionnaireResponse.extension(episode-of-care)"),
        instrument=canonical[len(prefix):], instrument_version=version,
        point=_local(r, canon, "questionnaire-point") or "ad_hoc",
        status="completed" if r.get("status") == "completed" else "in_progress",
        mode=_local(r, canon, "collection-mode") or "staff",
        language=r.get("language") or "en",
        completed_on=_date(r.get("authored"), "QuestionnaireResponse.authored"),
        author_id=_optional_ref(r.get("author"), "Practitioner", "QuestionnaireResponse.author"),
        score=float(quantity["value"]) if quantity else None,
        scores=scores,
        missing=int(_ext_value(s, canon.ext("missing-items"), "valueInteger") or 0),
        prorated=bool(_ext_value(s, canon.ext("prorated"), "valueBoolean")),
        value_set=_ext_value(s, canon.ext("value-set"), "valueString") or "",
        scoring_rule=(s.get("method") or {}).get("text") or "",
        items=items,
    )


HEALTH_CHECK_BY_LOINC = {loinc[0]: field for field, _, loinc, _, _ in C.HEALTH_CHECK_VALUES}
SMOKING_BY_SNOMED = {code: key for key, (code, _) in C.SMOKING_SNOMED.items()}
DECIMAL_FIELDS = {"weight_kg", "height_cm", "bmi", "total_cholesterol", "hdl_cholesterol", "glucose"}


def health_check(panel: dict[str, Any], members: list[dict[str, Any]], canon: C.Canon) -> HealthCheckRec:
    values: dict[str, Any] = {}
    smoking = "not_recorded"
    alcohol = None
    for m in members:
        loinc = _code(m.get("code"), C.LOINC)
        if loinc in HEALTH_CHECK_BY_LOINC:
            field = HEALTH_CHECK_BY_LOINC[loinc]
            raw = (m.get("valueQuantity") or {}).get("value")
            values[field] = _decimal(raw) if field in DECIMAL_FIELDS else _int(raw)
        elif loinc == C.BLOOD_PRESSURE[1][0]:
            for component in m.get("component") or []:
                code = _code(component.get("code"), C.LOINC)
                raw = (component.get("valueQuantity") or {}).get("value")
                if code == C.SYSTOLIC[1][0]:
                    values["systolic_bp"] = _int(raw)
                elif code == C.DIASTOLIC[1][0]:
                    values["diastolic_bp"] = _int(raw)
        elif loinc == C.SMOKING_STATUS[0]:
            smoking = SMOKING_BY_SNOMED.get(_code(m.get("valueCodeableConcept"), C.SNOMED) or "", "not_recorded")
        elif _code(m.get("code"), canon.cs("observation")) == "alcohol-units-per-week":
            alcohol = _int((m.get("valueQuantity") or {}).get("value"))
    notes = (panel.get("note") or [{}])[0].get("text") or ""
    return HealthCheckRec(
        id=_required(panel.get("id"), "Observation.id"),
        patient_id=ref_id(panel.get("subject"), "Patient", "Observation.subject"),
        checked_on=_date(panel.get("effectiveDateTime"), "Observation.effectiveDateTime", required=True),  # type: ignore[arg-type]
        weight_kg=values.get("weight_kg"), height_cm=values.get("height_cm"), bmi=values.get("bmi"),
        systolic_bp=values.get("systolic_bp"), diastolic_bp=values.get("diastolic_bp"),
        total_cholesterol=values.get("total_cholesterol"), hdl_cholesterol=values.get("hdl_cholesterol"),
        hba1c=values.get("hba1c"), glucose=values.get("glucose"), smoking=smoking, alcohol_units_per_week=alcohol,
        interventions=[v for v in _ext_values(panel, canon.ext("health-check-intervention"), "valueString") if v],
        notes=notes,
    )


def service_request(r: dict[str, Any], canon: C.Canon) -> ReferralRec:
    reason = (r.get("reasonCode") or [{}])[0].get("text") or ""
    return ReferralRec(
        id=_required(r.get("id"), "ServiceRequest.id"),
        patient_id=ref_id(r.get("subject"), "Patient", "ServiceRequest.subject"),
        episode_id=ref_id(_ext_value(r, canon.ext("episode-of-care"), "valueReference"), "EpisodeOfCare",
                          "ServiceRequest.extension(episode-of-care)"),
        service_id=ref_id((r.get("performer") or [None])[0], "HealthcareService", "ServiceRequest.performer"),
        referred_on=_date(r.get("authoredOn"), "ServiceRequest.authoredOn", required=True),  # type: ignore[arg-type]
        reason=reason, urgent=r.get("priority") in ("urgent", "asap", "stat"),
        status=_local(r, canon, "referral-status") or {"completed": "completed", "revoked": "withdrawn"}.get(
            r.get("status") or "", "sent"),
        outcome=_ext_value(r, canon.ext("referral-outcome"), "valueString") or "",
        outcome_on=_date(_ext_value(r, canon.ext("referral-outcome-date"), "valueDate"), "ServiceRequest.extension"),
    )


def observation_kind(r: dict[str, Any], canon: C.Canon) -> str:
    """``goal-rating``, ``score``, ``health-check`` (the panel), ``health-check-member`` or ``other``."""
    local = _code(r.get("code"), canon.cs("observation"))
    if local == "goal-rating":
        return "goal-rating"
    if local == "smi-physical-health-check":
        return "health-check"
    if _code(r.get("code"), canon.cs("measure-score")):
        return "score"
    return "health-check-member"
