"""The care API: goals and contacts beneath a service user (list and create), Idempotency-Key, scope."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from partners.care.models import Contact, Goal, Referral


def today():
    return timezone.localdate()


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body, default=str), content_type="application/json", **headers)


def contact_body(**overrides):
    body = {"contact_on": today().isoformat(), "mode": "telephone", "minutes": 15,
            "next_contact_on": (today() + timedelta(days=14)).isoformat(), "notes": "Checked in"}
    body.update(overrides)
    return body


@pytest.fixture
def cp1_api(world, api_client):
    return api_client(world.users["cp1"])


def test_a_goal_is_created_and_listed_with_its_rating_at_agreement(world, cp1_api):
    url = f"/api/v1/service-users/{world.people['p1'].pk}/goals"
    response = post(cp1_api, url, {"life_area": "social", "words": "See my brother at Christmas", "rating": 4})
    assert response.status_code == 201, response.content
    goal = response.json()
    assert goal["words"] == "See my brother at Christmas" and goal["ratings"] == [
        {"rated_on": today().isoformat(), "rating": 4, "kind": "agreement"}]
    listed = cp1_api.get(url).json()
    assert [g["id"] for g in listed] == [goal["id"]]


def test_a_goal_review_adds_a_rating(world, cp1_api):
    base = f"/api/v1/service-users/{world.people['p1'].pk}/goals"
    goal = post(cp1_api, base, {"life_area": "money", "words": "Open a bank account", "rating": 1}).json()
    response = post(cp1_api, f"{base}/{goal['id']}/reviews", {"rating": 9, "status": "achieved"})
    assert response.status_code == 201
    assert [r["rating"] for r in response.json()["ratings"]] == [1, 9] and response.json()["status"] == "achieved"


def test_a_contact_is_created_and_listed(world, cp1_api):
    url = f"/api/v1/service-users/{world.people['p1'].pk}/contacts"
    response = post(cp1_api, url, contact_body())
    assert response.status_code == 201, response.content
    assert response.json()["minutes"] == 15 and response.json()["care_partner_id"] == world.users["cp1"].pk
    assert [c["id"] for c in cp1_api.get(url).json()] == [response.json()["id"]]


def test_the_same_idempotency_key_twice_creates_one_contact_and_replays_the_answer(world, cp1_api):
    url = f"/api/v1/service-users/{world.people['p1'].pk}/contacts"
    first = post(cp1_api, url, contact_body(), HTTP_IDEMPOTENCY_KEY="contact-abc-1")
    second = post(cp1_api, url, contact_body(), HTTP_IDEMPOTENCY_KEY="contact-abc-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert Contact.objects.count() == 1
    third = post(cp1_api, url, contact_body(), HTTP_IDEMPOTENCY_KEY="contact-abc-2")
    assert third.status_code == 201 and Contact.objects.count() == 2


def test_a_reused_key_with_a_different_body_is_refused(world, cp1_api):
    url = f"/api/v1/service-users/{world.people['p1'].pk}/contacts"
    post(cp1_api, url, contact_body(), HTTP_IDEMPOTENCY_KEY="k1")
    response = post(cp1_api, url, contact_body(minutes=40), HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 422 and Contact.objects.count() == 1


def test_the_same_key_creates_one_goal(world, cp1_api):
    url = f"/api/v1/service-users/{world.people['p1'].pk}/goals"
    body = {"life_area": "leisure", "words": "Go fishing", "rating": 2}
    post(cp1_api, url, body, HTTP_IDEMPOTENCY_KEY="goal-1")
    post(cp1_api, url, body, HTTP_IDEMPOTENCY_KEY="goal-1")
    assert Goal.objects.count() == 1


@pytest.mark.parametrize(("overrides", "message"), [
    ({"minutes": -1}, "Minutes cannot be negative (-1)."),
    ({"contact_on": "2999-01-01"}, "is in the future"),
    ({"goal_ids": [987654]}, "Goal 987654 is not one of this person's goals in this episode."),
])
def test_bad_contacts_answer_422_with_the_same_messages_as_the_form(world, cp1_api, overrides, message):
    response = post(cp1_api, f"/api/v1/service-users/{world.people['p1'].pk}/contacts", contact_body(**overrides))
    assert response.status_code == 422
    assert any(message in e["msg"] for e in response.json()["detail"]), response.json()
    assert not Contact.objects.exists()


def test_a_malformed_body_answers_422_not_500(world, cp1_api):
    response = post(cp1_api, f"/api/v1/service-users/{world.people['p1'].pk}/contacts",
                    {"contact_on": "yesterday", "mode": "telephone"})
    assert response.status_code == 422


@pytest.mark.parametrize("path", ["goals", "contacts", "episodes", "rhythm", "referrals"])
def test_anything_outside_the_callers_scope_answers_404(world, api_client, path):
    p2 = world.people["p2"].pk
    for user in ("cp1", "leader", "researcher"):
        client = api_client(world.users[user])
        assert client.get(f"/api/v1/service-users/{p2}/{path}").status_code == 404
    assert post(api_client(world.users["cp1"]), f"/api/v1/service-users/{p2}/contacts",
                contact_body()).status_code == 404


def test_practice_staff_see_goals_and_referrals_but_not_contact_notes(world, api_client):
    client = api_client(world.users["practice_a"])
    p1 = world.people["p1"].pk
    assert client.get(f"/api/v1/service-users/{p1}/goals").status_code == 200
    assert client.get(f"/api/v1/service-users/{p1}/referrals").status_code == 200
    assert client.get(f"/api/v1/service-users/{p1}/contacts").status_code == 404


def test_the_episode_shows_its_phase_rhythm_and_contact_status(world, cp1_api):
    episodes = cp1_api.get(f"/api/v1/service-users/{world.people['p1'].pk}/episodes").json()
    assert episodes[0]["phase"] == "active" and episodes[0]["contact_rhythm"] == "Fortnightly"
    assert episodes[0]["contact_status"] == "due"


def test_practice_staff_refer_a_person_through_the_api(world, api_client):
    response = post(api_client(world.users["practice_a"]), f"/api/v1/service-users/{world.people['p3'].pk}/episodes",
                    {"care_partner_id": world.users["cp2"].pk, "source": "Dr Example"})
    assert response.status_code == 201 and response.json()["phase"] == "invited"
    assert response.json()["care_partner_id"] == world.users["cp2"].pk


def test_rhythm_changes_and_urgent_referrals_through_the_api(world, cp1_api, directory):
    base = f"/api/v1/service-users/{world.people['p1'].pk}"
    down = post(cp1_api, f"{base}/rhythm", {"interval_days": 28, "agreed_with": "Ada", "reason": "Settled"})
    assert down.status_code == 201 and down.json()["direction"] == "step_down"
    urgent = post(cp1_api, f"{base}/rhythm/urgent", {"service_id": directory["crisis"].pk, "reason": "Unsafe"})
    assert urgent.status_code == 201 and urgent.json()["urgent"]
    assert [c["direction"] for c in cp1_api.get(f"{base}/rhythm").json()] == ["urgent", "step_down"]
    referral = urgent.json()["id"]
    patched = cp1_api.patch(f"{base}/referrals/{referral}", data=json.dumps({"status": "accepted"}),
                            content_type="application/json")
    assert patched.status_code == 200 and Referral.objects.get(pk=referral).status == "accepted"


def test_the_directory_is_listed_filtered_and_added_to(world, cp1_api, directory):
    assert len(cp1_api.get("/api/v1/services").json()) == 4
    assert [s["name"] for s in cp1_api.get("/api/v1/services?kind=crisis").json()] == [
        "Crisis and Home Treatment Team"]
    created = post(cp1_api, "/api/v1/services", {"name": "Moorland Peer Support", "kind": "peer_support"})
    assert created.status_code == 201
    refused = post(cp1_api, "/api/v1/services", {"name": "X", "kind": "magic"})
    assert refused.status_code == 422


def test_the_openapi_document_describes_goal_and_contact_bodies_and_the_idempotency_header(world, client):
    schema = client.get("/api/v1/openapi.json").json()
    post_contacts = schema["paths"]["/api/v1/service-users/{person_id}/contacts"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in post_contacts["parameters"])
    assert "ContactIn" in json.dumps(post_contacts["requestBody"])
    assert "GoalIn" in json.dumps(schema["paths"]["/api/v1/service-users/{person_id}/goals"]["post"]["requestBody"])
