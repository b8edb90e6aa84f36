"""Done when: every FHIR resource the platform emits parses with fhir.resources (R4B) and round-trips
(export, import into an empty database, export again: identical)."""

from __future__ import annotations

import difflib
import json

from django.core.management import call_command
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from partners.conftest import make_person
from partners.interop.fhir import codes
from partners.interop.tests.factories import full_history


def populate(world):
    """Several people at practice A with full histories (and one with none at all)."""
    p1 = world.people["p1"]
    p1.preferred_name, p1.interpreter_needed, p1.preferred_language, p1.interpreter_language = "Addie", True, "pl", "pl"
    p1.communication_needs, p1.phone, p1.address = ["easy_read"], "07700 900123", "1 Mill Lane"
    p1.snomed_code = "13746004"
    p1.save()
    full_history(p1, world.users["cp1"], seed=0)
    p5 = make_person(world.practice_a, nhs_number="9990000026", given="Eve", family="Okafor", ethnicity="N",
                     sex="male", diagnosis_group="schizophrenia", snomed_code="58214004", email="eve@example.com")
    full_history(p5, world.users["cp2"], seed=1)
    p6 = make_person(world.practice_a, nhs_number=None, given="Fay", family="Nowak", ethnicity="C",
                     usual_care_setting="secondary")
    full_history(p6, world.users["cp1"], seed=2)
    return [p1, p5, p6, world.people["p3"]]


def diff(first: bytes, second: bytes) -> str:
    a = json.dumps(json.loads(first), indent=1).splitlines()
    b = json.dumps(json.loads(second), indent=1).splitlines()
    return "\n".join(list(difflib.unified_diff(a, b, lineterm=""))[:60])


def everything(client: Client, patient_id: str) -> bytes:
    response = client.get(f"/fhir/R4/Patient/{patient_id}/$everything")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    return response.content


def patient_ids(client: Client, people) -> list[str]:
    """Each person's Patient id (assigned on first export)."""
    from partners.interop.selectors import fhir_ids

    return [fhir_ids("Patient", [p.pk])[p.pk] for p in people]


def test_every_resource_parses_with_fhir_resources_r4b_and_carries_uk_core_identifiers(world, api_client):
    people = populate(world)
    client = api_client(world.users["practice_a"])
    for pid in patient_ids(client, people):
        bundle = Bundle.model_validate_json(everything(client, pid))
        types = set()
        for entry in bundle.entry or []:
            assert entry.resource is not None
            data = json.loads(entry.resource.model_dump_json(exclude_none=True))
            kind = data["resourceType"]
            types.add(kind)
            model = get_fhir_model_class(kind).model_validate(data)  # parses on its own, as the R4B model
            if kind in codes.PROFILES:
                assert data["meta"]["profile"] == [codes.PROFILES[kind]]
            if kind == "Goal":
                assert "meta" not in data  # Goal has no UK Core profile: base R4
            if kind == "Patient" and data.get("identifier"):
                nhs = data["identifier"][0]
                assert nhs["system"] == "https://fhir.nhs.uk/Id/nhs-number"
                assert nhs["extension"][0]["url"] == codes.NHS_NUMBER_VERIFICATION
            assert model.id  # type: ignore[attr-defined]
        if pid == patient_ids(client, people[:1])[0]:
            assert types >= {"Patient", "Organization", "Practitioner", "Condition", "EpisodeOfCare", "CareTeam",
                             "CarePlan", "Goal", "Observation", "Encounter", "QuestionnaireResponse",
                             "ServiceRequest", "Flag", "HealthcareService"}


def test_export_import_into_an_empty_database_and_export_again_gives_identical_bytes(world, api_client):
    people = populate(world)
    exporter = api_client(world.users["practice_a"])
    ids = patient_ids(exporter, people)
    first = {pid: everything(exporter, pid) for pid in ids}
    diagnosis = json.loads(first[ids[0]])
    assert any(e["resource"]["resourceType"] == "Condition" and e["resource"]["code"]["coding"][0]["code"] == "13746004"
               for e in diagnosis["entry"])

    from django.db import connection

    if connection.vendor == "postgresql":  # fire the deferred foreign key checks so the tables can be truncated
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)  # an empty database
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    from partners.accounts.models import Role, User
    from partners.accounts.services import api_token_create
    from partners.organisations.models import Organisation
    from partners.registry.models import Person

    assert not Person.objects.exists() and not Organisation.objects.exists()
    admin = User.objects.create(username="importer", role=Role.ADMINISTRATOR)
    importer = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=admin, name='import')}")
    for body in first.values():
        response = importer.post("/fhir/R4/", data=body, content_type="application/fhir+json")
        assert response.status_code == 201, response.content
        statuses = {e["response"]["status"] for e in json.loads(response.content)["entry"]}
        assert "201 Created" in statuses
    assert Person.objects.count() == len(people)

    practice = Organisation.objects.get(ods_code="XT0001")
    staff = User.objects.create(username="staff", role=Role.PRACTICE_STAFF, organisation=practice)
    again = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=staff, name='export')}")
    for pid, body in first.items():
        second = everything(again, pid)
        assert second == body, diff(body, second)


def test_importing_the_same_export_twice_changes_nothing(world, api_client):
    people = populate(world)
    client = api_client(world.users["practice_a"])
    pid = patient_ids(client, people[:1])[0]
    body = everything(client, pid)
    from partners.care.models import Contact, Goal

    before = (Goal.objects.count(), Contact.objects.count())
    admin = world.users["admin"]
    from partners.audit.actor import Actor
    from partners.audit.services import break_glass_start

    break_glass_start(actor=Actor(user=admin), person_id=people[0].pk, reason="Testing a re-import of the record")
    response = api_client(admin).post("/fhir/R4/", data=body, content_type="application/fhir+json")
    assert response.status_code == 200, response.content
    assert {e["response"]["status"] for e in json.loads(response.content)["entry"]} == {"200 OK"}
    assert (Goal.objects.count(), Contact.objects.count()) == before
    assert everything(client, pid) == body
