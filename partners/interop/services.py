"""Importing a FHIR Bundle (``POST /fhir/R4/``): all or nothing, scoped like the rest of the API, audited.

Accepts ``transaction`` and ``batch`` Bundles (entries with ``request`` PUT ``Type/id`` or POST with a
``urn:uuid:`` fullUrl) and ``collection``/``searchset`` Bundles (such as a ``$everything`` export). Each
record is matched by its FHIR id (``ResourceIdentity``), a Patient also by NHS number and an
Organization by ODS code: a match is updated, anything else is created and keeps the id it came with,
so exporting it again gives the same resource. Derived resources (CareTeam, Flag) are accepted and
ignored: the platform recomputes them.

Who may import: administrators, practice staff (people registered at their own practice) and Care
Partners; updates to an existing person need that person to be in the caller's scope, as any write.
A Practitioner the platform does not know becomes an inactive account that cannot sign in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from partners.accounts.models import Role, User
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record
from partners.interop.fhir import parse
from partners.interop.fhir.codes import Canon
from partners.interop.fhir.parse import FhirInputError
from partners.interop.models import ResourceIdentity
from partners.interop.selectors import canon as default_canon
from partners.registry.scope import visible_people

IMPORT_ROLES = (Role.ADMINISTRATOR, Role.PRACTICE_STAFF, Role.CARE_PARTNER)
BUNDLE_TYPES = ("transaction", "batch", "collection", "searchset")


class ImportRefused(Exception):
    """The caller may not import this (HTTP 403 with an OperationOutcome)."""


@dataclass
class Outcome:
    """What happened to each entry: ``(resource type, id, "201 Created" | "200 OK")`` in entry order."""

    entries: list[tuple[str, str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class _Entry:
    index: int
    kind: str
    rid: str
    data: dict[str, Any]


def _entries(bundle: Any) -> tuple[str, list[_Entry]]:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise FhirInputError("The body must be a FHIR Bundle (resourceType 'Bundle')", "Bundle")
    kind = bundle.get("type")
    if kind not in BUNDLE_TYPES:
        raise FhirInputError(f"Bundle.type {kind!r} cannot be imported: use one of {', '.join(BUNDLE_TYPES)}",
                             "Bundle.type")
    out: list[_Entry] = []
    for i, entry in enumerate(bundle.get("entry") or []):
        where = f"Bundle.entry[{i}]"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        model = parse.validate(resource, f"{where}.resource")
        assert isinstance(resource, dict)
        resource_type = model.get_resource_type()
        if resource_type not in parse.SUPPORTED:
            raise FhirInputError(f"{where}: {resource_type} resources are not imported", f"{where}.resource")
        request = entry.get("request") or {}
        method = (request.get("method") or "").upper()
        rid = resource.get("id")
        full_url = entry.get("fullUrl") or ""
        if kind in ("transaction", "batch"):
            if method not in ("PUT", "POST"):
                raise FhirInputError(f"{where}.request.method: only PUT and POST are accepted", f"{where}.request")
            url = request.get("url") or ""
            if method == "PUT" and url and url != f"{resource_type}/{rid}":
                raise FhirInputError(f"{where}.request.url {url!r} does not match {resource_type}/{rid}",
                                     f"{where}.request.url")
            if method == "POST" and full_url.startswith("urn:uuid:"):
                rid = full_url[len("urn:uuid:"):]
        if not rid:
            raise FhirInputError(f"{where}.resource: an id (or a urn:uuid fullUrl) is required", f"{where}.resource")
        data = dict(resource)
        data["id"] = rid
        out.append(_Entry(i, resource_type, rid, data))
    if not out:
        raise FhirInputError("The Bundle has no entries", "Bundle.entry")
    return kind, out


class _Ids:
    """FHIR id -> platform pk, from the identity table and from records created during this import."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, str], int] = {}

    def get(self, kind: str, rid: str) -> int | None:
        key = (kind, rid)
        if key not in self.known:
            row = ResourceIdentity.objects.filter(kind=kind, fhir_id=rid).values_list("object_pk", flat=True).first()
            if row is None:
                return None
            self.known[key] = int(row)
        return self.known[key]

    def need(self, kind: str, rid: str, where: str) -> int:
        pk = self.get(kind, rid)
        if pk is None:
            raise FhirInputError(f"{where}: {kind}/{rid} is neither in the Bundle nor on this platform", where)
        return pk

    def bind(self, kind: str, rid: str, pk: int) -> None:
        ResourceIdentity.objects.get_or_create(kind=kind, object_pk=pk, defaults={"fhir_id": rid})
        self.known[(kind, rid)] = pk


def _check(instance: models.Model, where: str, values: dict[str, Any] | None = None) -> None:
    """Field validation (choices, lengths, dates) of the fields the resource set."""
    exclude = None
    if values is not None:
        given = {name.removesuffix("_id") for name in values}
        exclude = [f.name for f in instance._meta.fields if f.name not in given]
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        first_field, messages = next(iter(exc.message_dict.items()))
        raise FhirInputError(f"{where}: {first_field}: {messages[0]}", where) from None


def _upsert(model: type[models.Model], pk: int | None, values: dict[str, Any], where: str) -> tuple[Any, bool]:
    instance = model._default_manager.filter(pk=pk).first() if pk is not None else None
    created = instance is None
    if instance is None:
        instance = model(**values)
    else:
        for name, value in values.items():
            setattr(instance, name, value)
    _check(instance, where, values)
    instance.save()
    return instance, created


@transaction.atomic
def bundle_import(*, actor: Actor, bundle: Any, canon: Canon | None = None) -> Outcome:
    """Import every entry or nothing (raises FhirInputError or ImportRefused, rolling everything back)."""
    from partners.care.models import Contact, Episode, Goal, GoalRating, Referral, Service, SharedUnderstanding
    from partners.measures.models import ItemResponse, QuestionnaireResponse
    from partners.organisations.models import Organisation
    from partners.registry.models import Person
    from partners.safety.models import HealthCheck

    canon = canon or default_canon()
    user = actor.user
    if user.role not in IMPORT_ROLES:
        raise ImportRefused("Your role cannot import records.")
    _, entries = _entries(bundle)
    by_kind: dict[str, list[_Entry]] = defaultdict(list)
    for entry in entries:
        by_kind[entry.kind].append(entry)
    result: dict[tuple[str, str], str] = {}
    values: dict[str, Any]
    ids = _Ids()
    outcome = Outcome()

    def done(entry: _Entry, created: bool) -> None:
        result[(entry.kind, entry.rid)] = "201 Created" if created else "200 OK"
        outcome.counts[entry.kind] += 1

    # -- reference data ------------------------------------------------------------------------------
    for entry in by_kind["Organization"]:
        rec_o = parse.organisation(entry.data, canon)
        pk = ids.get("Organization", rec_o.id)
        if pk is None and rec_o.ods_code:
            pk = Organisation.objects.filter(ods_code=rec_o.ods_code).values_list("pk", flat=True).first()
        created = pk is None
        if pk is None:
            kind = rec_o.kind if rec_o.kind in Organisation.Kind.values else Organisation.Kind.OTHER
            org = Organisation(kind=kind, name=rec_o.name, ods_code=rec_o.ods_code or None)
            _check(org, f"Organization/{rec_o.id}")
            org.save()
            pk = org.pk
        ids.bind("Organization", rec_o.id, pk)  # an existing organisation is matched, never changed
        done(entry, created)
    for entry in by_kind["Practitioner"]:
        rec_p = parse.practitioner(entry.data, canon)
        pk = ids.get("Practitioner", rec_p.id)
        created = pk is None
        if pk is None:
            account = User(username=f"fhir-{rec_p.id}"[:150], first_name=rec_p.given[:150],
                           last_name=rec_p.family[:150], role=Role.CARE_PARTNER, is_active=False,
                           password=make_password(None), job_title="Imported practitioner (no sign-in)")
            account.save()
            pk = account.pk
            audit_record(actor=actor, action=Action.CREATE, object_type="account", object_id=pk,
                         detail={"imported_practitioner": rec_p.id, "active": False})
        ids.bind("Practitioner", rec_p.id, pk)
        done(entry, created)
    for entry in by_kind["HealthcareService"]:
        rec_s = parse.healthcare_service(entry.data, canon)
        pk = ids.get("HealthcareService", rec_s.id)
        kind = rec_s.kind if rec_s.kind in Service.Kind.values else Service.Kind.OTHER
        service, created = _upsert(Service, pk, {"name": rec_s.name, "kind": kind}, f"HealthcareService/{rec_s.id}")
        ids.bind("HealthcareService", rec_s.id, service.pk)
        done(entry, created)

    # -- people --------------------------------------------------------------------------------------
    conditions = {}
    for entry in by_kind["Condition"]:
        subject = parse.ref_id(entry.data.get("subject"), "Patient", "Condition.subject")
        conditions[subject] = entry.data
    visible = visible_people(user)
    person_pks: dict[str, int] = {}
    for entry in by_kind["Patient"]:
        where = f"Patient/{entry.rid}"
        rec = parse.patient(entry.data, canon, conditions.get(entry.rid))  # a PatientRec
        practice_pk = ids.need("Organization", rec.practice_id, f"{where}.generalPractitioner")
        pk = ids.get("Patient", rec.id)
        if pk is None and rec.nhs_number:
            pk = Person.objects.filter(nhs_number=rec.nhs_number).values_list("pk", flat=True).first()
        if pk is not None and not visible.filter(pk=pk).exists():
            raise FhirInputError(f"{where}: this person is already recorded and is not in your care "
                                 "(ask their practice or Care Partner)", where)
        if pk is None and user.role == Role.PRACTICE_STAFF and practice_pk != user.organisation_id:
            raise ImportRefused(f"{where}: you can only import people registered at your practice.")
        values = {
            "nhs_number": rec.nhs_number or None, "given_name": rec.given, "family_name": rec.family,
            "preferred_name": rec.preferred_name, "date_of_birth": rec.birth_date, "date_of_death": rec.death_date,
            "sex": rec.sex, "ethnicity": rec.ethnicity, "postcode": rec.postcode, "address": rec.address,
            "phone": rec.phone, "email": rec.email, "practice_id": practice_pk,
            "preferred_language": rec.language, "interpreter_needed": rec.interpreter_needed,
            "interpreter_language": rec.interpreter_language, "communication_needs": rec.communication_needs,
            "usual_care_setting": rec.usual_care_setting or "primary",
            "diagnosis_group": rec.diagnosis_group or "other_psychosis", "snomed_code": rec.snomed_code,
        }
        person, created = _upsert(Person, pk, values, where)
        ids.bind("Patient", rec.id, person.pk)
        person_pks[rec.id] = person.pk
        done(entry, created)
    for entry in by_kind["Condition"]:
        subject = parse.ref_id(entry.data.get("subject"), "Patient", "Condition.subject")
        if subject not in person_pks:
            raise FhirInputError(f"Condition/{entry.rid}: its Patient/{subject} is not in the Bundle",
                                 "Condition.subject")
        done(entry, False)

    def person_of(rid: str, where: str) -> int:
        pk = person_pks.get(rid) or ids.get("Patient", rid)
        if pk is None or not (rid in person_pks or visible.filter(pk=pk).exists()):
            raise FhirInputError(f"{where}: Patient/{rid} is neither in the Bundle nor in your care", where)
        return pk

    # -- episodes, goals, ratings, contacts ------------------------------------------------------------
    plans = {entry.rid: entry.data for entry in by_kind["CarePlan"]}
    goal_entries = [(e, parse.goal(e.data, canon)) for e in by_kind["Goal"]]
    goal_ids_by_episode: dict[str, list[str]] = defaultdict(list)
    for _, g in goal_entries:
        goal_ids_by_episode[g.episode_id].append(g.id)
    for entry in by_kind["EpisodeOfCare"]:
        where = f"EpisodeOfCare/{entry.rid}"
        rec_e = parse.episode_of_care(entry.data, canon, plans.get(entry.rid), goal_ids_by_episode[entry.rid])
        values = {
            "person_id": person_of(rec_e.patient_id, f"{where}.patient"),
            "practice_id": ids.need("Organization", rec_e.practice_id, f"{where}.managingOrganization"),
            "care_partner_id": ids.need("Practitioner", rec_e.care_partner_id, f"{where}.careManager")
            if rec_e.care_partner_id else None,
            "phase": rec_e.phase, "referred_on": rec_e.referred_on, "started_on": rec_e.started_on,
            "planned_end_on": rec_e.planned_end_on, "transition_from": rec_e.transition_from,
            "ended_on": rec_e.ended_on, "end_reason": rec_e.end_reason,
            "secondary_care_change": rec_e.secondary_care_change,
            "contact_interval_days": rec_e.contact_interval_days, "next_contact_on": rec_e.next_contact_on,
            "last_contact_on": rec_e.last_contact_on,
        }
        if rec_e.ended_on and rec_e.ended_on < rec_e.referred_on:
            raise FhirInputError(f"{where}.period: the episode cannot end before it starts", f"{where}.period")
        episode, created = _upsert(Episode, ids.get("EpisodeOfCare", rec_e.id), values, where)
        ids.bind("EpisodeOfCare", rec_e.id, episode.pk)
        if rec_e.situation or rec_e.strengths or rec_e.what_matters:
            SharedUnderstanding.objects.update_or_create(episode=episode, defaults={
                "situation": rec_e.situation, "strengths": rec_e.strengths, "what_matters": rec_e.what_matters})
        else:
            SharedUnderstanding.objects.filter(episode=episode).delete()
        done(entry, created)
    for entry in by_kind["CarePlan"] + by_kind["CareTeam"] + by_kind["Flag"]:
        done(entry, False)  # derived from the episode and the person: recomputed, not stored
    for entry, g in goal_entries:
        where = f"Goal/{g.id}"
        values = {
            "person_id": person_of(g.patient_id, f"{where}.subject"),
            "episode_id": ids.need("EpisodeOfCare", g.episode_id, f"{where}.extension(episode-of-care)"),
            "life_area": g.life_area, "words": g.words, "steps": g.steps, "who_helps": g.who_helps,
            "agreed_on": g.agreed_on, "review_on": g.review_on, "status": g.status,
            "status_changed_on": g.status_changed_on,
        }
        goal_obj, created = _upsert(Goal, ids.get("Goal", g.id), values, where)
        ids.bind("Goal", g.id, goal_obj.pk)
        done(entry, created)

    observations = by_kind["Observation"]
    kinds = {e.rid: parse.observation_kind(e.data, canon) for e in observations}
    for entry in observations:
        if kinds[entry.rid] != "goal-rating":
            continue
        r = parse.goal_rating(entry.data, canon)
        where = f"Observation/{r.id}"
        person_of(r.patient_id, f"{where}.subject")
        values = {"goal_id": ids.need("Goal", r.goal_id, f"{where}.focus"), "rated_on": r.rated_on,
                  "rating": r.rating, "kind": r.kind}
        rating, created = _upsert(GoalRating, ids.get("GoalRating", r.id), values, where)
        ids.bind("GoalRating", r.id, rating.pk)
        done(entry, created)
    for entry in by_kind["Encounter"]:
        c = parse.encounter(entry.data, canon)
        where = f"Encounter/{c.id}"
        values = {
            "person_id": person_of(c.patient_id, f"{where}.subject"),
            "episode_id": ids.need("EpisodeOfCare", c.episode_id, f"{where}.episodeOfCare"),
            "care_partner_id": ids.need("Practitioner", c.care_partner_id, f"{where}.participant"),
            "contact_on": c.contact_on, "mode": c.mode, "place": c.place, "minutes": c.minutes,
            "reached": c.reached, "goals_discussed": c.goals_discussed, "notes": c.notes,
            "liaison_actions": c.liaison_actions, "next_contact_on": c.next_contact_on,
        }
        contact, created = _upsert(Contact, ids.get("Encounter", c.id), values, where)
        contact.goals.set([ids.need("Goal", g, f"{where}.extension(goal)") for g in c.goal_ids])
        ids.bind("Encounter", c.id, contact.pk)
        done(entry, created)

    # -- questionnaires and their scores ------------------------------------------------------------------
    scores = {}
    for entry in observations:
        if kinds[entry.rid] == "score":
            derived = entry.data.get("derivedFrom") or [None]
            source = parse.ref_id(derived[0], "QuestionnaireResponse", f"Observation/{entry.rid}.derivedFrom")
            scores[source] = entry
    for entry in by_kind["QuestionnaireResponse"]:
        score_entry = scores.pop(entry.rid, None)
        q = parse.questionnaire_response(entry.data, canon, score_entry.data if score_entry else None)
        where = f"QuestionnaireResponse/{q.id}"
        values = {
            "person_id": person_of(q.patient_id, f"{where}.subject"),
            "episode_id": ids.need("EpisodeOfCare", q.episode_id, f"{where}.extension(episode-of-care)")
            if q.episode_id else None,
            "instrument": q.instrument, "instrument_version": q.instrument_version, "point": q.point,
            "status": q.status, "mode": q.mode, "language": q.language, "completed_on": q.completed_on,
            "entered_by_id": ids.need("Practitioner", q.author_id, f"{where}.author") if q.author_id else None,
            "score": q.score, "scores": q.scores, "missing": q.missing, "prorated": q.prorated,
            "value_set": q.value_set, "scoring_rule": q.scoring_rule,
        }
        response, created = _upsert(QuestionnaireResponse, ids.get("QuestionnaireResponse", q.id), values, where)
        response.items.all().delete()
        positions = [p for p, _ in q.items]
        if len(set(positions)) != len(positions):
            raise FhirInputError(f"{where}.item: an item number appears twice", f"{where}.item")
        ItemResponse.objects.bulk_create([ItemResponse(response=response, position=p, value=v) for p, v in q.items])
        ids.bind("QuestionnaireResponse", q.id, response.pk)
        done(entry, created)
        if score_entry is not None:
            done(score_entry, created)
    if scores:
        orphan = next(iter(scores.values()))
        raise FhirInputError(f"Observation/{orphan.rid}: its QuestionnaireResponse is not in the Bundle",
                             "Observation.derivedFrom")

    # -- physical health checks ------------------------------------------------------------------------
    members = {e.rid: e for e in observations if kinds[e.rid] == "health-check-member"}
    used: set[str] = set()
    for entry in observations:
        if kinds[entry.rid] != "health-check":
            continue
        member_ids = [parse.ref_id(m, "Observation", f"Observation/{entry.rid}.hasMember")
                      for m in entry.data.get("hasMember") or []]
        missing = [m for m in member_ids if m not in members]
        if missing:
            raise FhirInputError(f"Observation/{entry.rid}.hasMember: Observation/{missing[0]} is not in the Bundle",
                                 "Observation.hasMember")
        h = parse.health_check(entry.data, [members[m].data for m in member_ids], canon)
        where = f"Observation/{h.id}"
        values = {f.name: getattr(h, f.name) for f in fields(h) if f.name not in ("id", "patient_id")}
        values["person_id"] = person_of(h.patient_id, f"{where}.subject")
        check, created = _upsert(HealthCheck, ids.get("HealthCheck", h.id), values, where)
        ids.bind("HealthCheck", h.id, check.pk)
        done(entry, created)
        for m in member_ids:
            used.add(m)
            done(members[m], created)
    unused = [m for m in members if m not in used]
    if unused:
        raise FhirInputError(f"Observation/{unused[0]}: only goal ratings, questionnaire scores and physical health "
                             "check values are imported", "Observation")

    # -- referrals ---------------------------------------------------------------------------------------
    for entry in by_kind["ServiceRequest"]:
        sr = parse.service_request(entry.data, canon)
        where = f"ServiceRequest/{sr.id}"
        values = {
            "person_id": person_of(sr.patient_id, f"{where}.subject"),
            "episode_id": ids.need("EpisodeOfCare", sr.episode_id, f"{where}.extension(episode-of-care)"),
            "service_id": ids.need("HealthcareService", sr.service_id, f"{where}.performer"),
            "referred_on": sr.referred_on, "reason": sr.reason, "urgent": sr.urgent, "status": sr.status,
            "outcome": sr.outcome, "outcome_on": sr.outcome_on,
        }
        referral, created = _upsert(Referral, ids.get("ServiceRequest", sr.id), values, where)
        ids.bind("ServiceRequest", sr.id, referral.pk)
        done(entry, created)

    for rid, pk in person_pks.items():
        audit_record(actor=actor, action=Action.CREATE if result.get(("Patient", rid)) == "201 Created"
                     else Action.UPDATE, person_id=pk, object_type="fhir_import", object_id=rid,
                     detail={k: v for k, v in outcome.counts.items()})
    outcome.entries = [(e.kind, e.rid, result.get((e.kind, e.rid), "200 OK")) for e in entries]
    return outcome


def import_or_error(*, actor: Actor, bundle: Any, canon: Canon | None = None) -> Outcome:
    """``bundle_import``, turning database constraint failures into input errors."""
    try:
        return bundle_import(actor=actor, bundle=bundle, canon=canon)
    except IntegrityError as exc:
        raise FhirInputError(f"The records conflict with what is already recorded: {exc}", "Bundle") from None
