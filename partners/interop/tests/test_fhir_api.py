"""FHIR R4 under /fhir/R4/: read, search by patient, $everything, import, metadata; scope, audit, errors."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from partners.audit.models import AuditEvent
from partners.interop.selectors import fhir_ids
from partners.interop.tests.factories import full_history


@pytest.fixture
def history(world):
    full_history(world.people["p1"], world.users["cp1"])
    return world


def pid(person) -> str:
    return fhir_ids("Patient", [person.pk])[person.pk]


def body(response) -> dict:
    assert response["Content-Type"].startswith("application/fhir+json"), response["Content-Type"]
    return json.loads(response.content)


def test_the_capability_statement_lists_the_resources_and_everything_operation(client):
    data = body(client.get("/fhir/R4/metadata"))
    assert data["resourceType"] == "CapabilityStatement" and data["fhirVersion"] == "4.0.1"
    types = {r["type"] for r in data["rest"][0]["resource"]}
    assert {"Patient", "EpisodeOfCare", "CarePlan", "Goal", "Encounter", "QuestionnaireResponse", "Observation",
            "Flag", "CareTeam", "ServiceRequest"} <= types


def test_without_a_token_every_endpoint_answers_401_with_an_operation_outcome(history, client):
    response = client.get(f"/fhir/R4/Patient/{pid(history.people['p1'])}")
    assert response.status_code == 401
    assert body(response)["resourceType"] == "OperationOutcome"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert Client(HTTP_AUTHORIZATION="Bearer not-a-token").get("/fhir/R4/Goal?patient=x").status_code == 401


def test_a_care_partner_reads_and_searches_their_persons_record_and_every_read_is_audited(history, api_client):
    client = api_client(history.users["cp1"])
    p1 = history.people["p1"]
    patient = body(client.get(f"/fhir/R4/Patient/{pid(p1)}"))
    assert patient["identifier"][0]["value"] == "9434765919"
    goals = body(client.get(f"/fhir/R4/Goal?patient={pid(p1)}"))
    assert goals["type"] == "searchset" and goals["total"] == 2
    goal_id = goals["entry"][0]["resource"]["id"]
    assert body(client.get(f"/fhir/R4/Goal/{goal_id}"))["description"]["text"]
    observations = body(client.get(f"/fhir/R4/Observation?patient=Patient/{pid(p1)}"))
    kinds = {c["code"] for e in observations["entry"] for c in e["resource"]["code"]["coding"]}
    assert {"goal-rating", "mansa", "smi-physical-health-check", "39156-5"} <= kinds
    for entry in observations["entry"]:  # every id found by search reads back
        rid = entry["resource"]["id"]
        assert client.get(f"/fhir/R4/Observation/{rid}").status_code == 200
    flags = body(client.get(f"/fhir/R4/Flag?patient={pid(p1)}"))
    flag_id = flags["entry"][0]["resource"]["id"] if flags["entry"] else None
    if flag_id:
        assert client.get(f"/fhir/R4/Flag/{flag_id}").status_code == 200
    plan = body(client.get(f"/fhir/R4/CarePlan?patient={pid(p1)}"))["entry"][0]["resource"]
    assert client.get(f"/fhir/R4/CarePlan/{plan['id']}").status_code == 200
    events = AuditEvent.objects.filter(person_id=p1.pk, via="fhir")
    assert events.filter(action="view", object_type="fhir:Patient").exists()
    assert events.filter(action="search", object_type="fhir:Goal").exists()
    assert events.filter(action="view", object_type="fhir:Observation").count() == len(observations["entry"])


def test_a_patient_is_found_by_nhs_number(history, api_client):
    client = api_client(history.users["practice_a"])
    found = body(client.get("/fhir/R4/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919"))
    assert found["total"] == 1 and found["entry"][0]["resource"]["id"] == pid(history.people["p1"])
    other_practice = body(client.get("/fhir/R4/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018"))
    assert other_practice["total"] == 0


def test_everything_is_a_bundle_of_the_whole_record_and_is_audited_as_an_export(history, api_client):
    p1 = history.people["p1"]
    data = body(api_client(history.users["sup1"]).get(f"/fhir/R4/Patient/{pid(p1)}/$everything"))
    assert data["resourceType"] == "Bundle" and data["total"] == len(data["entry"]) > 20
    assert AuditEvent.objects.filter(person_id=p1.pk, action="export", via="fhir").exists()


def test_records_outside_the_callers_scope_answer_404_and_searches_find_nothing(history, api_client):
    p1 = history.people["p1"]
    outsider = api_client(history.users["cp3"])  # p1 is cp1's, and cp3 is supervised by sup2
    goal = body(api_client(history.users["cp1"]).get(f"/fhir/R4/Goal?patient={pid(p1)}"))["entry"][0]["resource"]
    for url in (f"/fhir/R4/Patient/{pid(p1)}", f"/fhir/R4/Goal/{goal['id']}", f"/fhir/R4/Patient/{pid(p1)}/$everything",
                "/fhir/R4/Patient/no-such-id", "/fhir/R4/Encounter/no-such-id"):
        response = outsider.get(url)
        assert response.status_code == 404, url
        assert body(response)["resourceType"] == "OperationOutcome"
    assert body(outsider.get(f"/fhir/R4/Encounter?patient={pid(p1)}"))["total"] == 0


def test_a_system_leader_gets_nothing_identifiable_from_fhir(history, api_client):
    p1 = history.people["p1"]
    leader = api_client(history.users["leader"])
    assert leader.get(f"/fhir/R4/Patient/{pid(p1)}").status_code == 404
    assert leader.get(f"/fhir/R4/Patient/{pid(p1)}/$everything").status_code == 404
    assert body(leader.get("/fhir/R4/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919"))["total"] == 0
    for rtype in ("Goal", "Encounter", "Observation", "CarePlan", "EpisodeOfCare", "QuestionnaireResponse", "Flag",
                  "CareTeam", "ServiceRequest", "Condition"):
        assert body(leader.get(f"/fhir/R4/{rtype}?patient={pid(p1)}"))["total"] == 0
    assert leader.post("/fhir/R4/", data=json.dumps({"resourceType": "Bundle", "type": "collection", "entry": []}),
                       content_type="application/fhir+json").status_code == 403


def test_a_search_needs_a_patient_and_unknown_types_are_refused(history, api_client):
    client = api_client(history.users["cp1"])
    assert client.get("/fhir/R4/Goal").status_code == 400
    assert client.get("/fhir/R4/Medication/1").status_code == 404
    assert client.get("/fhir/R4/Binary?patient=x").status_code == 400
    assert client.delete(f"/fhir/R4/Patient/{pid(history.people['p1'])}").status_code == 405


ODS = "https://fhir.nhs.uk/Id/ods-organization-code"


def _small_bundle(practice_ods: str, nhs: str, patient_id: str = "new-patient-1") -> dict:
    return {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": {"resourceType": "Organization", "id": "org-1", "name": "Practice A",
                      "identifier": [{"system": ODS, "value": practice_ods}]},
         "request": {"method": "PUT", "url": "Organization/org-1"}},
        {"resource": {"resourceType": "Patient", "id": patient_id, "name": [{"family": "Imported", "given": ["Ivy"]}],
                      "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
                      "gender": "female", "birthDate": "1980-02-03",
                      "generalPractitioner": [{"reference": "Organization/org-1"}]},
         "request": {"method": "PUT", "url": f"Patient/{patient_id}"}},
    ]}


def test_an_import_with_an_idempotency_key_creates_one_person_however_often_it_is_sent(world, api_client):
    from partners.registry.models import Person

    client = api_client(world.users["practice_a"])
    payload = json.dumps(_small_bundle("XT0001", "9990000034"))
    first = client.post("/fhir/R4/", data=payload, content_type="application/fhir+json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/fhir/R4/", data=payload, content_type="application/fhir+json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.content == first.content
    assert Person.objects.filter(nhs_number="9990000034").count() == 1
    person = Person.objects.get(nhs_number="9990000034")
    assert person.practice == world.practice_a and person.diagnosis_group == "other_psychosis"
    assert AuditEvent.objects.filter(person_id=person.pk, action="create", via="fhir").exists()


def test_practice_staff_cannot_import_people_registered_elsewhere(world, api_client):
    client = api_client(world.users["practice_a"])
    response = client.post("/fhir/R4/", data=json.dumps(_small_bundle("XT0002", "9990000042")),
                           content_type="application/fhir+json")
    assert response.status_code == 403
    assert body(response)["issue"][0]["code"] == "forbidden"


def test_an_import_that_would_overwrite_someone_outside_scope_is_refused(world, api_client):
    # p2 (practice B, NHS 9990000018) is not practice A's patient: matching by NHS number must not reach them.
    client = api_client(world.users["practice_a"])
    response = client.post("/fhir/R4/", data=json.dumps(_small_bundle("XT0001", "9990000018")),
                           content_type="application/fhir+json")
    assert response.status_code in (400, 422)
    world.people["p2"].refresh_from_db()
    assert world.people["p2"].family_name == "Okri"


@pytest.mark.parametrize(("payload", "message"), [
    ("not json", "not JSON"),
    (json.dumps({"resourceType": "Patient"}), "must be a FHIR Bundle"),
    (json.dumps({"resourceType": "Bundle", "type": "history", "entry": []}), "Bundle.type"),
    (json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "x", "gender": "sometimes"}}]}), "gender"),
    (json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "x", "birthDate": "1980-01-01",
                      "generalPractitioner": [{"reference": "Organization/missing"}]}}]}), "Organization/missing"),
])
def test_bad_bundles_are_refused_with_an_operation_outcome_that_says_why(world, api_client, payload, message):
    from partners.registry.models import Person

    before = Person.objects.count()
    response = api_client(world.users["admin"]).post("/fhir/R4/", data=payload, content_type="application/fhir+json")
    assert response.status_code in (400, 422)
    outcome = body(response)
    assert outcome["resourceType"] == "OperationOutcome"
    assert message in outcome["issue"][0]["diagnostics"]
    assert Person.objects.count() == before


def test_reading_a_person_takes_a_constant_number_of_queries_whatever_the_history(
        world, api_client, django_assert_max_num_queries):
    p1 = world.people["p1"]
    full_history(p1, world.users["cp1"])
    client = api_client(world.users["cp1"])
    client.get(f"/fhir/R4/Patient/{pid(p1)}/$everything")  # ids assigned on the first export
    with django_assert_max_num_queries(40):
        client.get(f"/fhir/R4/Patient/{pid(p1)}/$everything")
    from datetime import date

    for n in range(3):
        full_history(p1, world.users["cp1"], seed=n + 3, start=date(2024, 1 + n, 1))
    client.get(f"/fhir/R4/Patient/{pid(p1)}/$everything")
    with django_assert_max_num_queries(40):
        response = client.get(f"/fhir/R4/Patient/{pid(p1)}/$everything")
    assert body(response)["total"] > 80
