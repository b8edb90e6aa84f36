from __future__ import annotations

import json

from partners.common.models import IdempotencyRecord
from partners.registry.models import Person

BODY = {
    "nhs_number": "9990000026", "given_name": "Erin", "family_name": "Hughes", "date_of_birth": "1980-02-29",
    "practice_ods": "XT0001", "diagnosis_group": "bipolar", "usual_care_setting": "primary",
}


def post(client, body, key):
    return client.post("/api/v1/service-users", json.dumps(body), content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY=key)


def test_the_same_idempotency_key_twice_creates_one_record_and_replays_the_answer(world, api_client):
    client = api_client(world.users["admin"])
    first = post(client, BODY, "key-0001")
    second = post(client, BODY, "key-0001")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Person.objects.filter(nhs_number="9990000026").count() == 1


def test_reusing_a_key_for_a_different_request_is_refused(world, api_client):
    client = api_client(world.users["admin"])
    post(client, BODY, "key-0002")
    response = post(client, {**BODY, "given_name": "Other"}, "key-0002")
    assert response.status_code == 422
    assert "different request" in response.json()["detail"]


def test_different_callers_may_use_the_same_key_independently(world, api_client):
    post(api_client(world.users["admin"]), BODY, "shared-key")
    response = post(api_client(world.users["practice_a"]), {**BODY, "nhs_number": "9434765919"}, "shared-key")
    # practice_a's request is its own: it runs (and is refused on its merits: that NHS number exists)
    assert response.status_code == 422
    assert "already recorded" in str(response.json()["detail"])


def test_a_refused_request_is_replayed_as_refused_without_running_again(world, api_client):
    client = api_client(world.users["admin"])
    bad = {**BODY, "practice_ods": "NOPE1"}
    assert post(client, bad, "key-0003").status_code == 422
    replay = post(client, bad, "key-0003")
    assert replay.status_code == 422 and replay["Idempotent-Replayed"] == "true"


def test_a_web_form_submitted_twice_with_its_key_creates_one_person(world, login_as):
    client = login_as(world.users["practice_a"])
    form = {**BODY, "sex": "female", "ethnicity": "A", "preferred_contact_method": "telephone",
            "preferred_language": "en", "idempotency_key": "form-key-1"}
    first = client.post("/people/new/", form)
    second = client.post("/people/new/", form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Person.objects.filter(nhs_number="9990000026").count() == 1
    assert IdempotencyRecord.objects.filter(key="form-key-1").count() == 1


def test_without_a_key_requests_are_not_deduplicated(world, api_client):
    client = api_client(world.users["admin"])
    client.post("/api/v1/service-users", BODY, content_type="application/json")
    response = client.post("/api/v1/service-users", BODY, content_type="application/json")
    assert response.status_code == 422  # ran again, and the duplicate NHS number was refused
