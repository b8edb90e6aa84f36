"""The plain records the FHIR mapping reads and writes: one dataclass per platform record, no Django.

Ids are FHIR logical ids (stable across export and import: see docs/interop.md), and references between
records use those ids. Dates are ``datetime.date``; decimals are ``Decimal``; free text is ``str``
(empty when absent), optional values ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass
class OrganisationRec:
    id: str
    ods_code: str
    name: str
    kind: str  # practice, trust, vcso, ...


@dataclass
class PractitionerRec:
    id: str
    given: str
    family: str


@dataclass
class ServiceRec:
    id: str
    name: str
    kind: str


@dataclass
class PatientRec:
    id: str
    nhs_number: str | None
    given: str
    family: str
    preferred_name: str
    birth_date: date
    death_date: date | None
    sex: str
    ethnicity: str
    postcode: str
    address: str
    phone: str
    email: str
    practice_id: str
    language: str
    interpreter_needed: bool
    interpreter_language: str
    communication_needs: list[str]
    usual_care_setting: str
    diagnosis_group: str
    snomed_code: str


@dataclass
class EpisodeRec:
    id: str
    patient_id: str
    practice_id: str
    care_partner_id: str | None
    phase: str
    referred_on: date
    started_on: date | None
    planned_end_on: date | None
    transition_from: date | None
    ended_on: date | None
    end_reason: str
    secondary_care_change: str
    contact_interval_days: int
    next_contact_on: date | None
    last_contact_on: date | None
    situation: str = ""
    strengths: str = ""
    what_matters: str = ""
    goal_ids: list[str] = field(default_factory=list)


@dataclass
class GoalRec:
    id: str
    patient_id: str
    episode_id: str
    life_area: str
    words: str
    steps: str
    who_helps: str
    agreed_on: date
    review_on: date | None
    status: str
    status_changed_on: date | None


@dataclass
class GoalRatingRec:
    id: str
    goal_id: str
    patient_id: str
    rated_on: date
    rating: int
    kind: str


@dataclass
class ContactRec:
    id: str
    patient_id: str
    episode_id: str
    care_partner_id: str
    contact_on: date
    mode: str
    place: str
    minutes: int
    reached: bool
    goals_discussed: bool
    goal_ids: list[str]
    notes: str
    liaison_actions: str
    next_contact_on: date | None


@dataclass
class QuestionnaireRec:
    id: str
    patient_id: str
    episode_id: str | None
    instrument: str
    instrument_version: str
    point: str
    status: str
    mode: str
    language: str
    completed_on: date | None
    author_id: str | None
    score: float | None
    scores: dict[str, Any]
    missing: int
    prorated: bool
    value_set: str
    scoring_rule: str
    items: list[tuple[int, Any]]


@dataclass
class HealthCheckRec:
    id: str
    patient_id: str
    checked_on: date
    weight_kg: Decimal | None
    height_cm: Decimal | None
    bmi: Decimal | None
    systolic_bp: int | None
    diastolic_bp: int | None
    total_cholesterol: Decimal | None
    hdl_cholesterol: Decimal | None
    hba1c: int | None
    glucose: Decimal | None
    smoking: str
    alcohol_units_per_week: int | None
    interventions: list[str]
    notes: str


@dataclass
class ReferralRec:
    id: str
    patient_id: str
    episode_id: str
    service_id: str
    referred_on: date
    reason: str
    urgent: bool
    status: str
    outcome: str
    outcome_on: date | None


@dataclass
class FlagRec:
    id: str
    patient_id: str
    code: str
    text: str
    start: date | None


@dataclass
class PersonRecords:
    """Everything exported for one person (``$everything``)."""

    patient: PatientRec
    organisations: list[OrganisationRec] = field(default_factory=list)
    practitioners: list[PractitionerRec] = field(default_factory=list)
    services: list[ServiceRec] = field(default_factory=list)
    episodes: list[EpisodeRec] = field(default_factory=list)
    goals: list[GoalRec] = field(default_factory=list)
    ratings: list[GoalRatingRec] = field(default_factory=list)
    contacts: list[ContactRec] = field(default_factory=list)
    questionnaires: list[QuestionnaireRec] = field(default_factory=list)
    health_checks: list[HealthCheckRec] = field(default_factory=list)
    referrals: list[ReferralRec] = field(default_factory=list)
    flags: list[FlagRec] = field(default_factory=list)
