"""Reads for FHIR: a person's records as plain records (scoped and audited by the callers in views).

A constant number of queries per person whatever the length of their history.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from partners.interop.fhir.codes import Canon
from partners.interop.fhir.records import (
    ContactRec,
    EpisodeRec,
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
from partners.interop.models import ResourceIdentity


def canon() -> Canon:
    base = getattr(settings, "PARTNERS_FHIR_CANONICAL_BASE", "") or (
        settings.PARTNERS_PUBLIC_BASE_URL.rstrip("/") + "/fhir")
    return Canon(base.rstrip("/"))


def fhir_ids(kind: str, pks: Iterable[int]) -> dict[int, str]:
    """The FHIR id of each record of ``kind``, assigning random ones to records exported for the first time."""
    wanted = sorted(set(pks))
    if not wanted:
        return {}
    found = dict(ResourceIdentity.objects.filter(kind=kind, object_pk__in=wanted).values_list("object_pk", "fhir_id"))
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        rows = [ResourceIdentity(kind=kind, object_pk=pk, fhir_id=str(uuid.uuid4())) for pk in missing]
        try:
            with transaction.atomic():
                ResourceIdentity.objects.bulk_create(rows, ignore_conflicts=True)
        except IntegrityError:  # pragma: no cover - a concurrent export assigned them first
            pass
        found.update(ResourceIdentity.objects.filter(kind=kind, object_pk__in=missing)
                     .values_list("object_pk", "fhir_id"))
    return found


def object_pk(kind: str, fhir_id: str) -> int | None:
    row = ResourceIdentity.objects.filter(kind=kind, fhir_id=fhir_id).values_list("object_pk", flat=True).first()
    return int(row) if row is not None else None


def _sorted(records: list[Any], key: str) -> list[Any]:
    return sorted(records, key=lambda r: (getattr(r, key) or date.min, r.id))


def person_records(person: Any) -> PersonRecords:
    """Everything the FHIR export holds for one person (the caller has checked scope)."""
    from partners.accounts.models import User
    from partners.care.models import Contact, Episode, Goal, GoalRating, Referral, SharedUnderstanding
    from partners.measures.models import QuestionnaireResponse
    from partners.organisations.models import Organisation
    from partners.safety.models import HealthCheck

    episodes = list(Episode.objects.filter(person=person).order_by("pk"))
    understanding = {u.episode_id: u for u in SharedUnderstanding.objects.filter(episode__person=person)}
    goals = list(Goal.objects.filter(person=person).order_by("pk"))
    ratings = list(GoalRating.objects.filter(goal__person=person).order_by("pk"))
    contacts = list(Contact.objects.filter(person=person).prefetch_related("goals").order_by("pk"))
    responses = list(QuestionnaireResponse.objects.filter(person=person).prefetch_related("items").order_by("pk"))
    checks = list(HealthCheck.objects.filter(person=person).order_by("pk"))
    referrals = list(Referral.objects.filter(person=person).select_related("service").order_by("pk"))

    user_pks = {e.care_partner_id for e in episodes if e.care_partner_id}
    user_pks |= {c.care_partner_id for c in contacts}
    user_pks |= {q.entered_by_id for q in responses if q.entered_by_id}
    users = {u.pk: u for u in User.objects.filter(pk__in=user_pks)}
    org_pks = {person.practice_id, *(e.practice_id for e in episodes)}
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=org_pks)}
    services = {r.service_id: r.service for r in referrals}

    ids = {
        "Patient": fhir_ids("Patient", [person.pk]),
        "Organization": fhir_ids("Organization", orgs),
        "Practitioner": fhir_ids("Practitioner", users),
        "HealthcareService": fhir_ids("HealthcareService", services),
        "EpisodeOfCare": fhir_ids("EpisodeOfCare", [e.pk for e in episodes]),
        "Goal": fhir_ids("Goal", [g.pk for g in goals]),
        "GoalRating": fhir_ids("GoalRating", [r.pk for r in ratings]),
        "Encounter": fhir_ids("Encounter", [c.pk for c in contacts]),
        "QuestionnaireResponse": fhir_ids("QuestionnaireResponse", [q.pk for q in responses]),
        "HealthCheck": fhir_ids("HealthCheck", [h.pk for h in checks]),
        "ServiceRequest": fhir_ids("ServiceRequest", [r.pk for r in referrals]),
    }
    pid = ids["Patient"][person.pk]
    org_id, user_id, ep_id, goal_id = ids["Organization"], ids["Practitioner"], ids["EpisodeOfCare"], ids["Goal"]
    goals_by_episode: dict[int, list[str]] = {}
    for g in goals:
        goals_by_episode.setdefault(g.episode_id, []).append(goal_id[g.pk])

    records = PersonRecords(patient=PatientRec(
        id=pid, nhs_number=person.nhs_number, given=person.given_name, family=person.family_name,
        preferred_name=person.preferred_name, birth_date=person.date_of_birth, death_date=person.date_of_death,
        sex=person.sex, ethnicity=person.ethnicity, postcode=person.postcode, address=person.address,
        phone=person.phone, email=person.email, practice_id=org_id[person.practice_id],
        language=person.preferred_language, interpreter_needed=person.interpreter_needed,
        interpreter_language=person.interpreter_language, communication_needs=list(person.communication_needs or []),
        usual_care_setting=person.usual_care_setting, diagnosis_group=person.diagnosis_group,
        snomed_code=person.snomed_code,
    ))
    records.organisations = sorted(
        (OrganisationRec(org_id[o.pk], o.ods_code or "", o.name, o.kind) for o in orgs.values()), key=lambda r: r.id)
    records.practitioners = sorted(
        (PractitionerRec(user_id[u.pk], u.first_name, u.last_name) for u in users.values()), key=lambda r: r.id)
    records.services = sorted(
        (ServiceRec(ids["HealthcareService"][s.pk], s.name, s.kind) for s in services.values()), key=lambda r: r.id)
    for e in episodes:
        u = understanding.get(e.pk)
        records.episodes.append(EpisodeRec(
            id=ep_id[e.pk], patient_id=pid, practice_id=org_id[e.practice_id],
            care_partner_id=user_id.get(e.care_partner_id) if e.care_partner_id else None, phase=e.phase,
            referred_on=e.referred_on, started_on=e.started_on, planned_end_on=e.planned_end_on,
            transition_from=e.transition_from, ended_on=e.ended_on, end_reason=e.end_reason,
            secondary_care_change=e.secondary_care_change, contact_interval_days=e.contact_interval_days,
            next_contact_on=e.next_contact_on, last_contact_on=e.last_contact_on,
            situation=u.situation if u else "", strengths=u.strengths if u else "",
            what_matters=u.what_matters if u else "", goal_ids=sorted(goals_by_episode.get(e.pk, [])),
        ))
    records.episodes = _sorted(records.episodes, "referred_on")
    records.goals = _sorted([GoalRec(
        id=goal_id[g.pk], patient_id=pid, episode_id=ep_id[g.episode_id], life_area=g.life_area, words=g.words,
        steps=g.steps, who_helps=g.who_helps, agreed_on=g.agreed_on, review_on=g.review_on, status=g.status,
        status_changed_on=g.status_changed_on) for g in goals], "agreed_on")
    records.ratings = _sorted([GoalRatingRec(
        id=ids["GoalRating"][r.pk], goal_id=goal_id[r.goal_id], patient_id=pid, rated_on=r.rated_on, rating=r.rating,
        kind=r.kind) for r in ratings], "rated_on")
    records.contacts = _sorted([ContactRec(
        id=ids["Encounter"][c.pk], patient_id=pid, episode_id=ep_id[c.episode_id],
        care_partner_id=user_id[c.care_partner_id], contact_on=c.contact_on, mode=c.mode, place=c.place,
        minutes=c.minutes, reached=c.reached, goals_discussed=c.goals_discussed,
        goal_ids=sorted(goal_id[g.pk] for g in c.goals.all()), notes=c.notes, liaison_actions=c.liaison_actions,
        next_contact_on=c.next_contact_on) for c in contacts], "contact_on")
    records.questionnaires = _sorted([QuestionnaireRec(
        id=ids["QuestionnaireResponse"][q.pk], patient_id=pid,
        episode_id=ep_id.get(q.episode_id) if q.episode_id else None, instrument=q.instrument,
        instrument_version=q.instrument_version, point=q.point, status=q.status, mode=q.mode, language=q.language,
        completed_on=q.completed_on, author_id=user_id.get(q.entered_by_id) if q.entered_by_id else None,
        score=q.score, scores=dict(q.scores or {}), missing=q.missing, prorated=q.prorated, value_set=q.value_set,
        scoring_rule=q.scoring_rule,
        items=[(i.position, i.value) for i in sorted(q.items.all(), key=lambda i: i.position)],
    ) for q in responses], "completed_on")
    records.health_checks = _sorted([HealthCheckRec(
        id=ids["HealthCheck"][h.pk], patient_id=pid, checked_on=h.checked_on, weight_kg=h.weight_kg,
        height_cm=h.height_cm, bmi=h.bmi, systolic_bp=h.systolic_bp, diastolic_bp=h.diastolic_bp,
        total_cholesterol=h.total_cholesterol, hdl_cholesterol=h.hdl_cholesterol, hba1c=h.hba1c, glucose=h.glucose,
        smoking=h.smoking, alcohol_units_per_week=h.alcohol_units_per_week, interventions=list(h.interventions or []),
        notes=h.notes) for h in checks], "checked_on")
    records.referrals = _sorted([ReferralRec(
        id=ids["ServiceRequest"][r.pk], patient_id=pid, episode_id=ep_id[r.episode_id],
        service_id=ids["HealthcareService"][r.service_id], referred_on=r.referred_on, reason=r.reason,
        urgent=r.urgent, status=r.status, outcome=r.outcome, outcome_on=r.outcome_on) for r in referrals],
        "referred_on")
    return records
