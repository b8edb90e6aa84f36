"""FHIR R4 at /fhir/R4/: read, search by patient, $everything, Bundle import, CapabilityStatement.

Bearer tokens as for /api/v1/ (``partners token create USERNAME``); ``application/fhir+json``; errors
are OperationOutcomes. Scope is the API's: anything outside the caller's scope answers 404 as if it did
not exist (a search simply finds nothing), and every read is audited with ``via="fhir"``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome

from partners.api.auth import BearerToken
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record
from partners.interop import selectors, services
from partners.interop.fhir import codes, export
from partners.interop.fhir.parse import FhirInputError, loads
from partners.registry.scope import visible_people

logger = logging.getLogger("partners.fhir")
FHIR_JSON = "application/fhir+json; charset=utf-8"
PERSON_TYPES = ("Patient", "Condition", "EpisodeOfCare", "CarePlan", "CareTeam", "Goal", "Encounter",
                "QuestionnaireResponse", "Observation", "Flag", "ServiceRequest")
DIRECTORY_TYPES = ("Organization", "Practitioner", "HealthcareService")
HEALTH_CHECK_SUFFIXES = ("-weight-kg", "-height-cm", "-total-cholesterol", "-hdl-cholesterol", "-hba1c", "-glucose",
                         "-bmi", "-bp", "-smoking", "-alcohol")


def _response(body: bytes, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type=FHIR_JSON)


def outcome(status: int, code: str, diagnostics: str, location: str = "") -> HttpResponse:
    issue: dict[str, Any] = {"severity": "error", "code": code, "diagnostics": diagnostics}
    if location:
        issue["expression"] = [location]
    resource = OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": [issue]})
    response = _response(export.to_json(resource), status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="fhir"'
    return response


View = Callable[..., HttpResponse]


def fhir_endpoint(*methods: str, auth: bool = True) -> Callable[[View], View]:
    """Token authentication, method check, and errors as OperationOutcomes."""

    def decorator(view: View) -> View:
        @csrf_exempt
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = outcome(405, "not-supported", f"{request.method} is not supported here.")
                response["Allow"] = ", ".join(methods)
                return response
            if auth:
                header = request.headers.get("Authorization", "")
                scheme, _, token = header.partition(" ")
                user = BearerToken().authenticate(request, token.strip()) if scheme.lower() == "bearer" else None
                if user is None:
                    return outcome(401, "login", "Authentication required: send Authorization: Bearer <token>.")
            try:
                return view(request, *args, **kwargs)
            except Http404:
                return outcome(404, "not-found", "Not found.")
            except FhirInputError as exc:
                return outcome(422 if exc.location.startswith(("Bundle.entry", "Patient", "Episode")) else 400,
                               "invalid" if "required" not in exc.message else "required", exc.message, exc.location)
            except services.ImportRefused as exc:
                return outcome(403, "forbidden", str(exc))
            except Exception:  # never a traceback to the caller
                logger.exception("FHIR error")
                return outcome(500, "exception", "Something went wrong on our side.")

        return wrapped

    return decorator


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, via="fhir", user=request.user)  # type: ignore[arg-type]


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir/R4").rstrip("/")


def _today() -> date:
    return timezone.localdate()


# -- who owns what ---------------------------------------------------------------------------------------

def _person_for_patient_id(request: HttpRequest, rid: str) -> Any:
    pk = selectors.object_pk("Patient", rid)
    person = visible_people(request.user).select_related("practice").filter(pk=pk).first() if pk else None  # type: ignore[arg-type]
    if person is None:
        raise Http404("No such patient.")
    return person


def _owner_pk(rtype: str, rid: str) -> int | None:
    """The person a resource belongs to, from its id (None when there is no such resource)."""
    from partners.care.models import Contact, Episode, Goal, GoalRating, Referral
    from partners.measures.models import QuestionnaireResponse
    from partners.safety.models import HealthCheck

    def via(kind: str, model: Any, field: str, fhir_id: str) -> int | None:
        pk = selectors.object_pk(kind, fhir_id)
        return model.objects.filter(pk=pk).values_list(field, flat=True).first() if pk else None

    if rtype in ("Patient", "Condition"):
        return selectors.object_pk("Patient", rid)
    if rtype in ("EpisodeOfCare", "CarePlan", "CareTeam"):
        return via("EpisodeOfCare", Episode, "person_id", rid)
    simple = {"Goal": ("Goal", Goal, "person_id"), "Encounter": ("Encounter", Contact, "person_id"),
              "QuestionnaireResponse": ("QuestionnaireResponse", QuestionnaireResponse, "person_id"),
              "ServiceRequest": ("ServiceRequest", Referral, "person_id")}
    if rtype in simple:
        kind, model, field = simple[rtype]
        return via(kind, model, field, rid)
    if rtype == "Observation":
        return (via("GoalRating", GoalRating, "goal__person_id", rid)
                or via("QuestionnaireResponse", QuestionnaireResponse, "person_id", rid)
                or via("HealthCheck", HealthCheck, "person_id", rid)
                or next((via("HealthCheck", HealthCheck, "person_id", rid.removesuffix(s))
                         for s in HEALTH_CHECK_SUFFIXES if rid.endswith(s)), None))
    if rtype == "Flag":
        if rid.endswith("-overdue"):
            return via("EpisodeOfCare", Episode, "person_id", rid.removesuffix("-overdue"))
        if rid.endswith("-interpreter"):
            return selectors.object_pk("Patient", rid.removesuffix("-interpreter"))
        if "-need-" in rid:
            return selectors.object_pk("Patient", rid.rsplit("-need-", 1)[0])
    return None


def _resources(person: Any, rtype: str | None = None) -> list[Any]:
    records = selectors.person_records(person)
    resources = export.person_resources(records, selectors.canon(), _today())
    if rtype is None:
        return resources
    return [r for r in resources if r.get_resource_type() == rtype]


# -- endpoints -------------------------------------------------------------------------------------------

@fhir_endpoint("GET", auth=False)
def metadata(request: HttpRequest) -> HttpResponse:
    canon = selectors.canon()
    resources = []
    for rtype in (*PERSON_TYPES, *DIRECTORY_TYPES):
        entry: dict[str, Any] = {"type": rtype, "interaction": [{"code": "read"}]}
        if rtype in codes.PROFILES:
            entry["profile"] = codes.PROFILES[rtype]
        if rtype in PERSON_TYPES:
            entry["interaction"].append({"code": "search-type"})
            entry["searchParam"] = [{"name": "patient", "type": "reference"}]
            if rtype == "Patient":
                entry["searchParam"] = [{"name": "_id", "type": "token"}, {"name": "identifier", "type": "token"}]
                entry["operation"] = [{"name": "everything",
                                       "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}]
        resources.append(entry)
    statement = CapabilityStatement.model_validate({
        "resourceType": "CapabilityStatement", "status": "active", "date": _today().isoformat(),
        "kind": "instance", "fhirVersion": "4.0.1", "format": ["application/fhir+json"],
        "description": f"PARTNERS platform FHIR R4 server. UK Core profiles ({codes.UKCORE_PACKAGE}) where they "
                       f"apply; local code systems and extensions under {canon.base}.",
        "implementation": {"description": "PARTNERS platform", "url": _base(request)},
        "rest": [{"mode": "server",
                  "security": {"description": "Authorization: Bearer <token> (partners token create USERNAME). "
                                              "Records outside the caller's scope answer 404."},
                  "resource": resources,
                  "interaction": [{"code": "transaction"}, {"code": "batch"}]}],
    })
    return _response(export.to_json(statement))


@fhir_endpoint("GET")
def read(request: HttpRequest, rtype: str, rid: str) -> HttpResponse:
    if rtype in DIRECTORY_TYPES:
        return _response(export.to_json(_directory(rtype, rid)))
    if rtype not in PERSON_TYPES:
        return outcome(404, "not-supported", f"{rtype} is not a resource type this server holds.")
    owner = _owner_pk(rtype, rid)
    person = visible_people(request.user).filter(pk=owner).first() if owner else None  # type: ignore[arg-type]
    if person is None:
        raise Http404
    match = next((r for r in _resources(person, rtype) if r.id == rid), None)
    if match is None:
        raise Http404
    audit_record(actor=_actor(request), action=Action.VIEW, person_id=person.pk, object_type=f"fhir:{rtype}",
                 object_id=rid)
    return _response(export.to_json(match))


def _directory(rtype: str, rid: str) -> Any:
    from partners.accounts.models import User
    from partners.care.models import Service
    from partners.interop.fhir.records import OrganisationRec, PractitionerRec, ServiceRec
    from partners.organisations.models import Organisation

    canon = selectors.canon()
    pk = selectors.object_pk(rtype, rid)
    if rtype == "Organization":
        org = Organisation.objects.filter(pk=pk).first() if pk else None
        if org is None:
            raise Http404
        return export.organisation(OrganisationRec(rid, org.ods_code or "", org.name, org.kind), canon)
    if rtype == "Practitioner":
        user = User.objects.filter(pk=pk).first() if pk else None
        if user is None:
            raise Http404
        return export.practitioner(PractitionerRec(rid, user.first_name, user.last_name), canon)
    service = Service.objects.filter(pk=pk).first() if pk else None
    if service is None:
        raise Http404
    return export.healthcare_service(ServiceRec(rid, service.name, service.kind), canon)


@fhir_endpoint("GET")
def search(request: HttpRequest, rtype: str) -> HttpResponse:
    if rtype not in PERSON_TYPES:
        return outcome(400, "not-supported", f"Search is supported for {', '.join(PERSON_TYPES)} by patient.")
    people: list[Any] = []
    params = request.GET
    patient = params.get("patient") or params.get("subject") or (params.get("_id") if rtype == "Patient" else None)
    identifier = params.get("identifier") if rtype == "Patient" else None
    visible = visible_people(request.user).select_related("practice")  # type: ignore[arg-type]
    if patient:
        pk = selectors.object_pk("Patient", patient.removeprefix("Patient/"))
        people = list(visible.filter(pk=pk)) if pk else []
    elif identifier:
        system, _, value = identifier.rpartition("|")
        if system not in ("", codes.NHS_NUMBER):
            return outcome(400, "not-supported", f"Patients are found by NHS number ({codes.NHS_NUMBER}|<number>).")
        people = list(visible.filter(nhs_number=value.replace(" ", ""))) if value else []
    else:
        return outcome(400, "required", "Search by patient (?patient=<id>), or for Patient by "
                                        f"identifier={codes.NHS_NUMBER}|<NHS number>.")
    resources = []
    for person in people:
        found = _resources(person, rtype)
        resources += found
        audit_record(actor=_actor(request), action=Action.SEARCH, person_id=person.pk, object_type=f"fhir:{rtype}",
                     detail={"results": len(found), "query": request.GET.urlencode()[:200]})
    bundle = export.bundle(resources, base_url=_base(request), self_url=request.build_absolute_uri())
    return _response(export.to_json(bundle))


@fhir_endpoint("GET")
def everything(request: HttpRequest, rid: str) -> HttpResponse:
    person = _person_for_patient_id(request, rid)
    resources = _resources(person)
    audit_record(actor=_actor(request), action=Action.EXPORT, person_id=person.pk, object_type="fhir:$everything",
                 object_id=rid, detail={"resources": len(resources)})
    bundle = export.bundle(resources, base_url=_base(request), self_url=request.build_absolute_uri())
    return _response(export.to_json(bundle))


@fhir_endpoint("POST")
def transaction(request: HttpRequest) -> HttpResponse:
    body = loads(request.body)
    result = services.import_or_error(actor=_actor(request), bundle=body)
    kind = "batch-response" if isinstance(body, dict) and body.get("type") == "batch" else "transaction-response"
    response_bundle = {
        "resourceType": "Bundle", "type": kind,
        "entry": [{"response": {"status": status, "location": f"{rtype}/{rid}"}} for rtype, rid, status in
                  result.entries],
    }
    from fhir.resources.R4B.bundle import Bundle

    created = any(status.startswith("201") for _, _, status in result.entries)
    return _response(export.to_json(Bundle.model_validate(response_bundle)), 201 if created else 200)


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return outcome(404, "not-found", "No such FHIR endpoint.")
