"""/api/v1/service-users/{id}/questionnaire-responses: list and create, scored by the engine, idempotent."""

from __future__ import annotations

import json

import pytest

from partners.audit.models import AuditEvent
from partners.measures.engine import score
from partners.measures.models import ItemResponse, QuestionnaireResponse
from partners.measures.tests.conftest import MANSA_FULL


def post(client, person_id, body, **headers):
    return client.post(f"/api/v1/service-users/{person_id}/questionnaire-responses", data=json.dumps(body),
                       content_type="application/json", **headers)


def test_a_care_partner_records_a_mansa_and_the_server_scores_it(world, api_client):
    client = api_client(world.users["cp1"])
    p1 = world.people["p1"]
    response = post(client, p1.pk, {"instrument": "mansa", "responses": MANSA_FULL, "completed_on": "2026-01-05",
                                    "point": "baseline"})
    assert response.status_code == 201, response.content
    body = response.json()
    expected = score("mansa", MANSA_FULL)
    assert body["score"] == pytest.approx(expected.score)
    assert body["scores"] == {"objective": [True, False, False, False]}
    assert body["missing"] == 0 and body["prorated"] is False and body["scoring_rule"] == expected.rule
    assert body["responses"] == MANSA_FULL and body["point"] == "baseline" and body["entered_by"] == "cp1"
    assert body["episode_id"] == world.episodes["p1"].pk
    stored = QuestionnaireResponse.objects.get(pk=body["id"])
    assert [i.value for i in ItemResponse.objects.filter(response=stored).order_by("position")] == MANSA_FULL
    assert AuditEvent.objects.filter(object_type="questionnaire_response", via="api", user_id=world.users["cp1"].pk
                                     ).exists()


def test_the_same_idempotency_key_twice_creates_one_response(world, api_client):
    client = api_client(world.users["cp1"])
    body = {"instrument": "phq9", "responses": [1, 2, 1, 0, 1, 2, 1, 0, 0], "completed_on": "2026-02-01"}
    first = post(client, world.people["p1"].pk, body, HTTP_IDEMPOTENCY_KEY="abc-123")
    second = post(client, world.people["p1"].pk, body, HTTP_IDEMPOTENCY_KEY="abc-123")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json() and second["Idempotent-Replayed"] == "true"
    assert QuestionnaireResponse.objects.count() == 1
    third = post(client, world.people["p1"].pk, body, HTTP_IDEMPOTENCY_KEY="another-key")
    assert third.status_code == 201 and QuestionnaireResponse.objects.count() == 2


def test_a_response_outside_the_allowed_set_is_refused_naming_the_item(world, api_client):
    client = api_client(world.users["cp1"])
    bad = [*MANSA_FULL]
    bad[2], bad[13] = 9, 1
    response = post(client, world.people["p1"].pk, {"instrument": "mansa", "responses": bad})
    assert response.status_code == 422
    messages = {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}
    assert "item 3 (finances): 9 is not allowed; allowed: whole numbers 1 to 7" in messages[("body", "responses[3]")]
    assert "item 14" in messages[("body", "responses[14]")] and "true or false" in messages[("body", "responses[14]")]
    assert not QuestionnaireResponse.objects.exists()


def test_the_wrong_number_of_responses_names_the_count_expected(world, api_client):
    response = post(api_client(world.users["cp1"]), world.people["p1"].pk, {"instrument": "gad7", "responses": [1]})
    assert response.status_code == 422
    assert "expected 7 responses" in response.json()["detail"][0]["msg"]


def test_an_unknown_instrument_or_a_future_date_is_refused(world, api_client):
    client = api_client(world.users["cp1"])
    response = post(client, world.people["p1"].pk, {"instrument": "nope", "responses": [1],
                                                    "completed_on": "2999-01-01"})
    fields = {e["loc"][1] for e in response.json()["detail"]}
    assert response.status_code == 422 and fields == {"instrument", "completed_on"}


def test_an_instrument_not_enabled_is_refused(world, api_client):
    response = post(api_client(world.users["cp1"]), world.people["p1"].pk,
                    {"instrument": "eq-5d-5l", "responses": [1, 1, 1, 1, 1]})
    assert response.status_code == 422 and "not enabled for your organisation" in response.json()["detail"][0]["msg"]


def test_someone_outside_the_callers_scope_answers_404(world, api_client):
    client = api_client(world.users["cp1"])
    p2 = world.people["p2"]
    assert post(client, p2.pk, {"instrument": "mansa", "responses": MANSA_FULL}).status_code == 404
    assert client.get(f"/api/v1/service-users/{p2.pk}/questionnaire-responses").status_code == 404
    leader = api_client(world.users["leader"])
    assert leader.get(f"/api/v1/service-users/{world.people['p1'].pk}/questionnaire-responses").status_code == 404


def test_the_list_gives_completed_responses_newest_first_and_filters_by_instrument(world, api_client):
    client = api_client(world.users["cp1"])
    p1 = world.people["p1"]
    for day, instrument, responses in [("2026-01-05", "mansa", MANSA_FULL), ("2026-04-05", "mansa", MANSA_FULL),
                                       ("2026-03-01", "gad7", [0, 1, 2, 3, 0, 1, 2])]:
        assert post(client, p1.pk, {"instrument": instrument, "responses": responses,
                                    "completed_on": day}).status_code == 201
    QuestionnaireResponse.objects.create(person=p1, instrument="mansa", status="in_progress", mode="self")
    listed = client.get(f"/api/v1/service-users/{p1.pk}/questionnaire-responses").json()
    assert [r["completed_on"] for r in listed] == ["2026-04-05", "2026-03-01", "2026-01-05"]
    only = client.get(f"/api/v1/service-users/{p1.pk}/questionnaire-responses?instrument=gad7").json()
    assert [r["instrument"] for r in only] == ["gad7"] and only[0]["scores"] == {"severity": "mild"}
    supervisor = api_client(world.users["sup1"])
    assert len(supervisor.get(f"/api/v1/service-users/{p1.pk}/questionnaire-responses").json()) == 3


def test_the_openapi_document_describes_the_questionnaire_endpoints(world, api_client):
    doc = api_client(world.users["cp1"]).get("/api/v1/openapi.json").json()
    path = doc["paths"]["/api/v1/service-users/{person_id}/questionnaire-responses"]
    assert set(path) == {"get", "post"}
    assert any(p["name"] == "Idempotency-Key" for p in path["post"]["parameters"])
