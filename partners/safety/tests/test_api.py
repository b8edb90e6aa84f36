"""/api/v1/service-users/{id}/safety-events: list and create, scoped, idempotent, with clear errors."""

from __future__ import annotations

import json
from datetime import timedelta

from django.utils import timezone

from partners.care.models import Contact
from partners.safety.models import SafetyEvent


def url(person) -> str:
    return f"/api/v1/service-users/{person.pk}/safety-events"


def admission(**extra):
    body = {"kind": "admission", "onset_on": (timezone.localdate() - timedelta(days=12)).isoformat(),
            "ended_on": (timezone.localdate() - timedelta(days=2)).isoformat(), "outcome": "resolved"}
    body.update(extra)
    return body


def test_a_care_partner_creates_and_lists_a_safety_event_with_days_and_treated(world, api_client):
    person = world.people["p1"]
    Contact.objects.create(episode=world.episodes["p1"], person=person, care_partner=world.users["cp1"],
                           contact_on=timezone.localdate() - timedelta(days=30), mode="telephone", minutes=20)
    client = api_client(world.users["cp1"])
    created = client.post(url(person), admission(), content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["kind"] == "admission" and body["days"] == 10 and body["treated"] is True
    assert body["episode_id"] == world.episodes["p1"].pk and body["reported_by"] == "cp1"
    assert body["serious"] is False and body["reviewed_at"] is None
    listed = client.get(url(person)).json()
    assert [e["id"] for e in listed] == [body["id"]]


def test_a_serious_adverse_event_carries_its_seriousness_relatedness_and_expectedness(world, api_client):
    client = api_client(world.users["sup1"])
    response = client.post(url(world.people["p1"]), {
        "kind": "sae", "onset_on": timezone.localdate().isoformat(), "seriousness": {"life_threatening": True},
        "relatedness": "possibly", "expected": False, "outcome": "ongoing"}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["seriousness"]["life_threatening"] is True and body["serious"] is True
    assert body["related_and_unexpected"] is True and body["treated"] is False


def test_the_same_idempotency_key_twice_creates_one_event(world, api_client):
    client = api_client(world.users["cp1"])
    first = client.post(url(world.people["p1"]), admission(), content_type="application/json",
                        headers={"Idempotency-Key": "safety-1"})
    again = client.post(url(world.people["p1"]), admission(), content_type="application/json",
                        headers={"Idempotency-Key": "safety-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    assert SafetyEvent.objects.count() == 1


def test_bad_input_is_a_422_naming_each_field(world, api_client):
    response = api_client(world.users["cp1"]).post(url(world.people["p1"]), {
        "kind": "sae", "onset_on": timezone.localdate().isoformat(), "outcome": "ongoing"},
        content_type="application/json")
    assert response.status_code == 422
    fields = {d["loc"][-1]: d["msg"] for d in response.json()["detail"]}
    assert set(fields) == {"seriousness", "relatedness", "expected"}
    bad_date = api_client(world.users["cp1"]).post(url(world.people["p1"]), admission(onset_on="12/01/2026"),
                                                   content_type="application/json")
    assert bad_date.status_code == 422 and "onset_on" in json.dumps(bad_date.json())
    assert SafetyEvent.objects.count() == 0


def test_anyone_who_cannot_see_the_person_gets_404_for_list_and_create(world, api_client):
    for username in ("cp1", "sup1", "leader", "researcher"):
        client = api_client(world.users[username])
        assert client.get(url(world.people["p2"])).status_code == 404
        assert client.post(url(world.people["p2"]), admission(), content_type="application/json").status_code == 404
    assert api_client(world.users["leader"]).get(url(world.people["p1"])).status_code == 404


def test_practice_staff_may_record_an_event_for_their_own_patient(world, api_client):
    response = api_client(world.users["practice_a"]).post(url(world.people["p3"]), admission(),
                                                          content_type="application/json")
    assert response.status_code == 201 and response.json()["episode_id"] is None


def test_the_openapi_document_describes_the_safety_event_routes(world, api_client):
    schema = api_client(world.users["cp1"]).get("/api/v1/openapi.json").json()
    paths = schema["paths"]["/api/v1/service-users/{person_id}/safety-events"]
    assert set(paths) == {"get", "post"}
    assert any(p["name"] == "Idempotency-Key" for p in paths["post"]["parameters"])
