"""Platform records -> FHIR R4 resources (``fhir.resources`` R4B models), UK Core profiles where they apply.

Every function builds the resource as JSON-shaped data and validates it with the ``fhir.resources``
model, so whatever the platform emits parses. :mod:`.parse` is the exact inverse for everything that
is not derived (CareTeam and Flag are derived from the records and ignored on import). Pure: no Django.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.careteam import CareTeam
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.goal import Goal
from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.servicerequest import ServiceRequest

from partners.common.identifiers import ETHNIC_CATEGORIES
from partners.interop.fhir import codes as C
from partners.interop.fhir.records import (
    ContactRec,
    EpisodeRec,
    FlagRec,
    GoalRatingRec,
    GoalRec,
    HealthCheckRec,
    OrganisationRec,
    PatientRec,
    PersonRecords,
    PractitionerRec,
    QuestionnaireRec,
    ReferralRec,
    ServiceRec,
)

PHASE_STATUS = {"invited": "planned", "engaging": "active", "active": "active", "stepped_down": "active",
                "transition": "active", "ended": "finished"}
GOAL_LIFECYCLE = {"active": "active", "achieved": "completed", "changed": "cancelled", "dropped": "cancelled"}
GOAL_ACHIEVEMENT = {"active": "in-progress", "achieved": "achieved", "changed": "not-achieved",
                    "dropped": "not-achieved"}
REFERRAL_STATUS = {"sent": "active", "accepted": "active", "no_response": "active", "declined": "revoked",
                   "withdrawn": "revoked", "completed": "completed"}
DIAGNOSIS_LABELS = {"schizophrenia": "Schizophrenia", "bipolar": "Bipolar disorder",
                    "other_psychosis": "Other psychosis"}


def ref(resource_type: str, rid: str, display: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"reference": f"{resource_type}/{rid}"}
    if display:
        out["display"] = display
    return out


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _concept(system: str, code: str, display: str | None = None, text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [_coding(system, code, display)]}
    if text:
        out["text"] = text
    return out


def _ext(url: str, **value: Any) -> dict[str, Any] | None:
    """An extension, or None when its value is empty (an extension must carry a value)."""
    if all(v in (None, "", []) for v in value.values()):
        return None
    return {"url": url, **value}


def _meta(name: str) -> dict[str, Any]:
    return {"profile": [C.PROFILES[name]]}


def _clean(data: Any) -> Any:
    """Drop empty values (None, "", [], {}) so resources carry only what is known."""
    if isinstance(data, dict):
        cleaned = {k: _clean(v) for k, v in data.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(data, list):
        cleaned_list = [_clean(v) for v in data]
        return [v for v in cleaned_list if v not in (None, "", [], {})]
    return data


def _build(model: type[Resource], data: dict[str, Any]) -> Any:
    return model.model_validate(_clean(data))


# --------------------------------------------------------------------------------------------------
# Reference data


def organisation(rec: OrganisationRec, canon: C.Canon) -> Organization:
    return _build(Organization, {
        "resourceType": "Organization", "id": rec.id, "meta": _meta("Organization"),
        "identifier": [{"system": C.ODS_CODE, "value": rec.ods_code}] if rec.ods_code else [],
        "type": [_concept(canon.cs("organisation-kind"), rec.kind)],
        "name": rec.name,
    })


def practitioner(rec: PractitionerRec, canon: C.Canon) -> Practitioner:
    return _build(Practitioner, {
        "resourceType": "Practitioner", "id": rec.id, "meta": _meta("Practitioner"),
        "identifier": [{"system": canon.id_system("practitioner"), "value": rec.id}],
        "name": [{"family": rec.family, "given": [rec.given] if rec.given else []}],
    })


def healthcare_service(rec: ServiceRec, canon: C.Canon) -> HealthcareService:
    return _build(HealthcareService, {
        "resourceType": "HealthcareService", "id": rec.id,
        "identifier": [{"system": canon.id_system("service"), "value": rec.id}],
        "type": [_concept(canon.cs("service-kind"), rec.kind)],
        "name": rec.name,
    })


# --------------------------------------------------------------------------------------------------
# The person


def patient(rec: PatientRec, canon: C.Canon, practice: OrganisationRec | None = None) -> Patient:
    extensions: list[dict[str, Any] | None] = []
    if rec.ethnicity:
        extensions.append(_ext(C.ETHNIC_CATEGORY, valueCodeableConcept=_concept(
            C.ETHNIC_CATEGORY_CS, rec.ethnicity, ETHNIC_CATEGORIES.get(rec.ethnicity))))
    if rec.interpreter_needed:
        extensions.append(_ext(C.NHS_COMMUNICATION, extension=[
            _ext("language", valueCodeableConcept=_concept(C.BCP47, rec.interpreter_language or rec.language)),
            _ext("interpreterRequired", valueBoolean=True),
        ]))
    for need in rec.communication_needs:
        extensions.append(_ext(canon.ext("communication-need"),
                               valueCoding=_coding(canon.cs("communication-need"), need)))
    if rec.usual_care_setting:
        extensions.append(_ext(canon.ext("usual-care-setting"),
                               valueCoding=_coding(canon.cs("care-setting"), rec.usual_care_setting)))
    identifier = []
    if rec.nhs_number:
        identifier.append({
            "extension": [_ext(C.NHS_NUMBER_VERIFICATION, valueCodeableConcept=_concept(
                C.NHS_NUMBER_VERIFICATION_CS, *C.NOT_TRACED))],
            "system": C.NHS_NUMBER, "value": rec.nhs_number,
        })
    names = [{"use": "official", "family": rec.family, "given": [rec.given]}]
    if rec.preferred_name:
        names.append({"use": "usual", "given": [rec.preferred_name]})
    telecom = []
    if rec.phone:
        telecom.append({"system": "phone", "value": rec.phone})
    if rec.email:
        telecom.append({"system": "email", "value": rec.email})
    return _build(Patient, {
        "resourceType": "Patient", "id": rec.id, "meta": _meta("Patient"), "extension": extensions,
        "identifier": identifier, "name": names, "telecom": telecom, "gender": rec.sex,
        "birthDate": day(rec.birth_date), "deceasedDateTime": day(rec.death_date),
        "address": [{"text": rec.address, "postalCode": rec.postcode}] if (rec.address or rec.postcode) else [],
        "communication": [{"language": _concept(C.BCP47, rec.language), "preferred": True}] if rec.language else [],
        "generalPractitioner": [ref("Organization", rec.practice_id, practice.name if practice else None)],
    })


def condition(rec: PatientRec, canon: C.Canon) -> Condition:
    codings = []
    if rec.snomed_code:
        default = C.DIAGNOSIS_DEFAULT_SNOMED.get(rec.diagnosis_group)
        display = default[1] if default and default[0] == rec.snomed_code else None
        codings.append(_coding(C.SNOMED, rec.snomed_code, display))
    codings.append(_coding(canon.cs("diagnosis-group"), rec.diagnosis_group,
                           DIAGNOSIS_LABELS.get(rec.diagnosis_group)))
    return _build(Condition, {
        "resourceType": "Condition", "id": rec.id, "meta": _meta("Condition"),
        "clinicalStatus": _concept(C.CONDITION_CLINICAL, "active"),
        "category": [_concept(C.CONDITION_CATEGORY, "problem-list-item", "Problem List Item")],
        "code": {"coding": codings, "text": DIAGNOSIS_LABELS.get(rec.diagnosis_group)},
        "subject": ref("Patient", rec.id),
    })


def episode_of_care(rec: EpisodeRec, canon: C.Canon) -> EpisodeOfCare:
    status = PHASE_STATUS[rec.phase]
    if rec.phase == "ended" and rec.started_on is None:
        status = "cancelled"
    extensions = [
        _ext(canon.ext("episode-phase"), valueCoding=_coding(canon.cs("episode-phase"), rec.phase)),
        _ext(canon.ext("engaged-on"), valueDate=day(rec.started_on)),
        _ext(canon.ext("planned-end"), valueDate=day(rec.planned_end_on)),
        _ext(canon.ext("transition-from"), valueDate=day(rec.transition_from)),
        _ext(canon.ext("end-reason"), valueCoding=_coding(canon.cs("episode-end-reason"), rec.end_reason))
        if rec.end_reason else None,
        _ext(canon.ext("secondary-care-change"),
             valueCoding=_coding(canon.cs("secondary-care-change"), rec.secondary_care_change)),
        _ext(canon.ext("contact-interval-days"), valueInteger=rec.contact_interval_days),
        _ext(canon.ext("next-contact"), valueDate=day(rec.next_contact_on)),
        _ext(canon.ext("last-contact"), valueDate=day(rec.last_contact_on)),
    ]
    return _build(EpisodeOfCare, {
        "resourceType": "EpisodeOfCare", "id": rec.id, "meta": _meta("EpisodeOfCare"),
        "extension": extensions,
        "identifier": [{"system": canon.id_system("episode-of-care"), "value": rec.id}],
        "status": status,
        "type": [_concept(canon.cs("episode-type"), "partners", "PARTNERS collaborative care")],
        "patient": ref("Patient", rec.patient_id),
        "managingOrganization": ref("Organization", rec.practice_id),
        "period": {"start": day(rec.referred_on), "end": day(rec.ended_on)},
        "careManager": ref("Practitioner", rec.care_partner_id) if rec.care_partner_id else None,
        "team": [ref("CareTeam", rec.id)],
    })


def care_team(rec: EpisodeRec, canon: C.Canon) -> CareTeam:
    participants = []
    if rec.care_partner_id:
        participants.append({"role": [_concept(canon.cs("care-team-role"), "care-partner", "Care Partner")],
                             "member": ref("Practitioner", rec.care_partner_id)})
    participants.append({"role": [_concept(canon.cs("care-team-role"), "gp-practice", "GP practice")],
                         "member": ref("Organization", rec.practice_id)})
    return _build(CareTeam, {
        "resourceType": "CareTeam", "id": rec.id, "meta": _meta("CareTeam"),
        "status": "inactive" if rec.phase == "ended" else "active",
        "name": "PARTNERS care team",
        "subject": ref("Patient", rec.patient_id),
        "period": {"start": day(rec.referred_on), "end": day(rec.ended_on)},
        "participant": participants,
        "managingOrganization": [ref("Organization", rec.practice_id)],
    })


def care_plan(rec: EpisodeRec, canon: C.Canon) -> CarePlan:
    status = "completed" if rec.phase == "ended" else ("draft" if rec.phase == "invited" else "active")
    activity = []
    if rec.next_contact_on and rec.phase != "ended":
        activity.append({"detail": {
            "code": _concept(canon.cs("care-activity"), "proactive-contact", "Proactive contact"),
            "status": "scheduled",
            "scheduledPeriod": {"start": day(rec.next_contact_on)},
            "description": f"Next planned contact; contact every {rec.contact_interval_days} days",
        }})
    return _build(CarePlan, {
        "resourceType": "CarePlan", "id": rec.id, "meta": _meta("CarePlan"),
        "extension": [
            _ext(canon.ext("shared-understanding-situation"), valueString=rec.situation) if rec.situation else None,
            _ext(canon.ext("shared-understanding-strengths"), valueString=rec.strengths) if rec.strengths else None,
            _ext(canon.ext("shared-understanding-what-matters"), valueString=rec.what_matters)
            if rec.what_matters else None,
        ],
        "status": status, "intent": "plan",
        "category": [_concept(canon.cs("care-plan-category"), "partners", "PARTNERS care plan")],
        "title": "PARTNERS care plan",
        "description": rec.what_matters,
        "subject": ref("Patient", rec.patient_id),
        "period": {"start": day(rec.started_on or rec.referred_on), "end": day(rec.ended_on or rec.planned_end_on)},
        "careTeam": [ref("CareTeam", rec.id)],
        "goal": [ref("Goal", g) for g in rec.goal_ids],
        "activity": activity,
    })


def goal(rec: GoalRec, canon: C.Canon) -> Goal:
    notes = []
    if rec.steps:
        notes.append({"text": f"Steps: {rec.steps}"})
    if rec.who_helps:
        notes.append({"text": f"Who helps: {rec.who_helps}"})
    return _build(Goal, {
        "resourceType": "Goal", "id": rec.id,
        "extension": [
            _ext(canon.ext("goal-status"), valueCoding=_coding(canon.cs("goal-status"), rec.status)),
            _ext(canon.ext("episode-of-care"), valueReference=ref("EpisodeOfCare", rec.episode_id)),
            _ext(canon.ext("goal-steps"), valueString=rec.steps) if rec.steps else None,
            _ext(canon.ext("goal-who-helps"), valueString=rec.who_helps) if rec.who_helps else None,
        ],
        "identifier": [{"system": canon.id_system("goal"), "value": rec.id}],
        "lifecycleStatus": GOAL_LIFECYCLE[rec.status],
        "achievementStatus": _concept(C.GOAL_ACHIEVEMENT, GOAL_ACHIEVEMENT[rec.status]),
        "category": [_concept(canon.cs("life-area"), rec.life_area)],
        "description": {"text": rec.words},
        "subject": ref("Patient", rec.patient_id),
        "startDate": day(rec.agreed_on),
        "target": [{"dueDate": day(rec.review_on)}] if rec.review_on else [],
        "statusDate": day(rec.status_changed_on),
        "expressedBy": ref("Patient", rec.patient_id),
        "note": notes,
    })


def goal_rating(rec: GoalRatingRec, canon: C.Canon) -> Observation:
    return _build(Observation, {
        "resourceType": "Observation", "id": rec.id, "meta": _meta("Observation"),
        "status": "final",
        "category": [_concept(C.OBSERVATION_CATEGORY, "survey", "Survey")],
        "code": _concept(canon.cs("observation"), "goal-rating", "Goal-based outcome rating (0 to 10)"),
        "subject": ref("Patient", rec.patient_id),
        "focus": [ref("Goal", rec.goal_id)],
        "effectiveDateTime": day(rec.rated_on),
        "valueInteger": rec.rating,
        "method": _concept(canon.cs("goal-rating-kind"), rec.kind),
    })


def encounter(rec: ContactRec, canon: C.Canon) -> Encounter:
    klass = C.ENCOUNTER_CLASS.get((rec.mode, rec.place), C.VIRTUAL) if rec.mode == "face_to_face" else C.VIRTUAL
    types = [_concept(canon.cs("contact-mode"), rec.mode)]
    if rec.place:
        types.append(_concept(canon.cs("contact-place"), rec.place))
    return _build(Encounter, {
        "resourceType": "Encounter", "id": rec.id, "meta": _meta("Encounter"),
        "extension": [
            _ext(canon.ext("goals-discussed"), valueBoolean=rec.goals_discussed),
            *(_ext(canon.ext("goal"), valueReference=ref("Goal", g)) for g in rec.goal_ids),
            _ext(canon.ext("contact-notes"), valueString=rec.notes) if rec.notes else None,
            _ext(canon.ext("liaison-actions"), valueString=rec.liaison_actions) if rec.liaison_actions else None,
            _ext(canon.ext("next-contact"), valueDate=day(rec.next_contact_on)) if rec.next_contact_on else None,
        ],
        "identifier": [{"system": canon.id_system("contact"), "value": rec.id}],
        "status": "finished" if rec.reached else "cancelled",
        "class": _coding(C.ACT_CODE, *klass),
        "type": types,
        "subject": ref("Patient", rec.patient_id),
        "episodeOfCare": [ref("EpisodeOfCare", rec.episode_id)],
        "participant": [{"individual": ref("Practitioner", rec.care_partner_id)}],
        "period": {"start": day(rec.contact_on), "end": day(rec.contact_on)},
        "length": {"value": rec.minutes, "unit": "min", "system": C.UCUM, "code": "min"},
    })


def _answer(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, float | Decimal):
        return {"valueDecimal": Decimal(str(value))}
    return {"valueString": str(value)}


def questionnaire_response(rec: QuestionnaireRec, canon: C.Canon) -> QuestionnaireResponse:
    url = canon.questionnaire(rec.instrument)
    items = []
    for position, value in rec.items:
        item: dict[str, Any] = {"linkId": str(position)}
        if value is not None:
            item["answer"] = [_answer(value)]
        items.append(item)
    return _build(QuestionnaireResponse, {
        "resourceType": "QuestionnaireResponse", "id": rec.id, "meta": _meta("QuestionnaireResponse"),
        "language": rec.language,
        "extension": [
            _ext(canon.ext("questionnaire-point"), valueCoding=_coding(canon.cs("questionnaire-point"), rec.point)),
            _ext(canon.ext("collection-mode"), valueCoding=_coding(canon.cs("collection-mode"), rec.mode)),
            _ext(canon.ext("episode-of-care"), valueReference=ref("EpisodeOfCare", rec.episode_id))
            if rec.episode_id else None,
        ],
        "identifier": {"system": canon.id_system("questionnaire-response"), "value": rec.id},
        "questionnaire": f"{url}|{rec.instrument_version}" if rec.instrument_version else url,
        "status": "completed" if rec.status == "completed" else "in-progress",
        "subject": ref("Patient", rec.patient_id),
        "authored": day(rec.completed_on),
        "author": ref("Practitioner", rec.author_id) if rec.author_id else None,
        "source": ref("Patient", rec.patient_id) if rec.mode == "self" else None,
        "item": items,
    })


def _component_value(value: Any, canon: C.Canon) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, float | Decimal):
        return {"valueQuantity": {"value": Decimal(str(value))}}
    if isinstance(value, str):
        return {"valueString": value}
    return {"valueString": json.dumps(value, sort_keys=True, separators=(",", ":")),
            "extension": [_ext(canon.ext("json-value"), valueBoolean=True)]}


def has_score(rec: QuestionnaireRec) -> bool:
    """Scored (by a rule) or carrying a score: then the score Observation goes with the response."""
    return rec.score is not None or bool(rec.scoring_rule) or any(v is not None for v in rec.scores.values())


def score_observation(rec: QuestionnaireRec, canon: C.Canon) -> Observation:
    components = []
    for name in sorted(rec.scores):
        value = rec.scores[name]
        if value is None:
            continue
        value_part = _component_value(value, canon)
        components.append({**({"extension": value_part.pop("extension")} if "extension" in value_part else {}),
                           "code": _concept(canon.cs("score-component"), name), **value_part})
    return _build(Observation, {
        "resourceType": "Observation", "id": rec.id, "meta": _meta("Observation"),
        "extension": [
            _ext(canon.ext("missing-items"), valueInteger=rec.missing),
            _ext(canon.ext("prorated"), valueBoolean=rec.prorated),
            _ext(canon.ext("value-set"), valueString=rec.value_set) if rec.value_set else None,
        ],
        "status": "final",
        "category": [_concept(C.OBSERVATION_CATEGORY, "survey", "Survey")],
        "code": _concept(canon.cs("measure-score"), rec.instrument),
        "subject": ref("Patient", rec.patient_id),
        "effectiveDateTime": day(rec.completed_on),
        "valueQuantity": {"value": Decimal(str(rec.score))} if rec.score is not None else None,
        "dataAbsentReason": _concept("http://terminology.hl7.org/CodeSystem/data-absent-reason", "not-applicable")
        if rec.score is None else None,
        "method": {"text": rec.scoring_rule} if rec.scoring_rule else None,
        "derivedFrom": [ref("QuestionnaireResponse", rec.id)],
        "component": components,
    })


def _value_code(snomed: tuple[str, str] | None, loinc: tuple[str, str]) -> dict[str, Any]:
    codings = []
    if snomed:
        codings.append(_coding(C.SNOMED, *snomed))
    codings.append(_coding(C.LOINC, *loinc))
    return {"coding": codings}


def health_check(rec: HealthCheckRec, canon: C.Canon) -> list[Observation]:
    """The check as a panel Observation with one member Observation per value recorded."""
    members: list[dict[str, Any]] = []
    base = {"resourceType": "Observation", "meta": _meta("Observation"), "status": "final",
            "subject": ref("Patient", rec.patient_id), "effectiveDateTime": day(rec.checked_on)}
    for field, snomed, loinc, unit, category in C.HEALTH_CHECK_VALUES:
        value = getattr(rec, field)
        if value is None:
            continue
        members.append({**base, "id": f"{rec.id}-{field.replace('_', '-')}",
                        "category": [_concept(C.OBSERVATION_CATEGORY, category)],
                        "code": _value_code(snomed, loinc),
                        "valueQuantity": {"value": value, "unit": unit, "system": C.UCUM, "code": unit}})
    if rec.systolic_bp is not None or rec.diastolic_bp is not None:
        components = []
        for value, (snomed, loinc) in ((rec.systolic_bp, C.SYSTOLIC), (rec.diastolic_bp, C.DIASTOLIC)):
            if value is not None:
                components.append({"code": _value_code(snomed, loinc), "valueQuantity": {
                    "value": value, "unit": "mmHg", "system": C.UCUM, "code": "mm[Hg]"}})
        members.append({**base, "id": f"{rec.id}-bp", "category": [_concept(C.OBSERVATION_CATEGORY, "vital-signs")],
                        "code": _value_code(*C.BLOOD_PRESSURE), "component": components})
    if rec.smoking in C.SMOKING_SNOMED:
        members.append({**base, "id": f"{rec.id}-smoking",
                        "category": [_concept(C.OBSERVATION_CATEGORY, "social-history")],
                        "code": _concept(C.LOINC, *C.SMOKING_STATUS),
                        "valueCodeableConcept": _concept(C.SNOMED, *C.SMOKING_SNOMED[rec.smoking])})
    if rec.alcohol_units_per_week is not None:
        members.append({**base, "id": f"{rec.id}-alcohol",
                        "category": [_concept(C.OBSERVATION_CATEGORY, "social-history")],
                        "code": _concept(canon.cs("observation"), "alcohol-units-per-week",
                                         "Alcohol units per week"),
                        "valueQuantity": {"value": rec.alcohol_units_per_week, "unit": "units/week"}})
    panel = _build(Observation, {
        **base, "id": rec.id,
        "extension": [_ext(canon.ext("health-check-intervention"), valueString=i) for i in rec.interventions],
        "category": [_concept(C.OBSERVATION_CATEGORY, "exam", "Exam")],
        "code": _concept(canon.cs("observation"), "smi-physical-health-check", "Annual SMI physical health check"),
        "hasMember": [ref("Observation", m["id"]) for m in members],
        "note": [{"text": rec.notes}] if rec.notes else [],
    })
    return [panel, *(_build(Observation, m) for m in members)]


def service_request(rec: ReferralRec, canon: C.Canon, service: ServiceRec | None = None) -> ServiceRequest:
    return _build(ServiceRequest, {
        "resourceType": "ServiceRequest", "id": rec.id, "meta": _meta("ServiceRequest"),
        "extension": [
            _ext(canon.ext("referral-status"), valueCoding=_coding(canon.cs("referral-status"), rec.status)),
            _ext(canon.ext("episode-of-care"), valueReference=ref("EpisodeOfCare", rec.episode_id)),
            _ext(canon.ext("referral-outcome"), valueString=rec.outcome) if rec.outcome else None,
            _ext(canon.ext("referral-outcome-date"), valueDate=day(rec.outcome_on)) if rec.outcome_on else None,
        ],
        "identifier": [{"system": canon.id_system("referral"), "value": rec.id}],
        "status": REFERRAL_STATUS[rec.status], "intent": "order",
        "priority": "urgent" if rec.urgent else "routine",
        "subject": ref("Patient", rec.patient_id),
        "authoredOn": day(rec.referred_on),
        "performerType": _concept(canon.cs("service-kind"), service.kind) if service else None,
        "performer": [ref("HealthcareService", rec.service_id, service.name if service else None)],
        "reasonCode": [{"text": rec.reason}] if rec.reason else [],
    })


def flag(rec: FlagRec, canon: C.Canon) -> Flag:
    return _build(Flag, {
        "resourceType": "Flag", "id": rec.id, "meta": _meta("Flag"), "status": "active",
        "code": _concept(canon.cs("flag"), rec.code, text=rec.text),
        "subject": ref("Patient", rec.patient_id),
        "period": {"start": day(rec.start)} if rec.start else None,
    })


def derived_flags(records: PersonRecords, today: date) -> list[FlagRec]:
    """Flags for other systems: an overdue planned contact, an interpreter needed, communication needs."""
    out = []
    p = records.patient
    for e in records.episodes:
        if e.phase != "ended" and e.next_contact_on and e.next_contact_on < today:
            text = f"Planned PARTNERS contact overdue since {e.next_contact_on:%d %B %Y}"
            out.append(FlagRec(f"{e.id}-overdue", p.id, "contact-overdue", text, e.next_contact_on))
    if p.interpreter_needed:
        language = p.interpreter_language or p.language
        out.append(FlagRec(f"{p.id}-interpreter", p.id, "interpreter-needed",
                           f"Interpreter needed ({language})", None))
    for need in p.communication_needs:
        out.append(FlagRec(f"{p.id}-need-{need.replace('_', '-')}", p.id, "communication-need",
                           f"Communication need: {need.replace('_', ' ')}", None))
    return out


# --------------------------------------------------------------------------------------------------
# Everything for one person


def person_resources(records: PersonRecords, canon: C.Canon, today: date) -> list[Any]:
    """Every resource for one person, in a fixed order (the ``$everything`` Bundle's entries)."""
    orgs = {o.id: o for o in records.organisations}
    services = {s.id: s for s in records.services}
    p = records.patient
    out: list[Any] = [patient(p, canon, orgs.get(p.practice_id))]
    out += [organisation(o, canon) for o in records.organisations]
    out += [practitioner(pr, canon) for pr in records.practitioners]
    out += [healthcare_service(s, canon) for s in records.services]
    out.append(condition(p, canon))
    for e in records.episodes:
        out += [episode_of_care(e, canon), care_team(e, canon), care_plan(e, canon)]
    out += [goal(g, canon) for g in records.goals]
    out += [goal_rating(r, canon) for r in records.ratings]
    out += [encounter(c, canon) for c in records.contacts]
    for q in records.questionnaires:
        out.append(questionnaire_response(q, canon))
        if has_score(q):
            out.append(score_observation(q, canon))
    for h in records.health_checks:
        out += health_check(h, canon)
    out += [service_request(r, canon, services.get(r.service_id)) for r in records.referrals]
    out += [flag(f, canon) for f in derived_flags(records, today)]
    return out


def bundle(resources: list[Any], *, base_url: str, self_url: str, kind: str = "searchset") -> Bundle:
    entries = []
    for resource in resources:
        entry: dict[str, Any] = {"fullUrl": f"{base_url}/{resource.get_resource_type()}/{resource.id}",
                                 "resource": resource}
        if kind == "searchset":
            entry["search"] = {"mode": "match"}
        entries.append(entry)
    data: dict[str, Any] = {"resourceType": "Bundle", "type": kind, "link": [{"relation": "self", "url": self_url}],
                            "entry": entries}
    if kind == "searchset":
        data["total"] = len(entries)
    return Bundle.model_validate(data)


def to_json(resource: Any) -> bytes:
    """The canonical bytes the API sends (and the round-trip test compares)."""
    return resource.model_dump_json(exclude_none=True).encode()
