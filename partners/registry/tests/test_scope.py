"""The role-by-endpoint matrix: every role against every person endpoint, in and out of scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from partners.care.models import CoverArrangement, Phase
from partners.registry.scope import visible_people

ROLES = ["cp1", "cp2", "cp3", "sup1", "sup2", "practice_a", "leader", "researcher", "admin"]
# Who may see whom: the legitimate relationship (care-model.md, nhs-standards.md).
VISIBLE = {
    "cp1": {"p1"},
    "cp2": set(),
    "cp3": {"p2"},
    "sup1": {"p1"},
    "sup2": {"p2"},
    "practice_a": {"p1", "p3"},
    "leader": set(),
    "researcher": set(),
    "admin": set(),
}
PERSON_URLS = ["/people/{id}/", "/people/{id}/access/", "/api/v1/service-users/{id}"]
EDIT_ROLES = {"cp1", "cp2", "cp3", "practice_a", "admin"}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_the_people_it_has_a_relationship_with(world, role):
    seen = {key for key, person in world.people.items() if person in visible_people(world.users[role])}
    assert seen == VISIBLE[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("person_key", ["p1", "p2", "p3", "p4"])
@pytest.mark.parametrize("url", PERSON_URLS)
def test_person_endpoints_answer_200_in_scope_and_404_out_of_scope(world, login_as, api_client, role, person_key,
                                                                    url):
    user = world.users[role]
    person = world.people[person_key]
    client = api_client(user) if url.startswith("/api/") else login_as(user)
    response = client.get(url.format(id=person.pk))
    expected = 200 if person_key in VISIBLE[role] else 404
    assert response.status_code == expected, (role, person_key, url, response.status_code)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("person_key", ["p1", "p2", "p3", "p4"])
def test_the_edit_form_opens_only_for_writers_in_scope(world, login_as, role, person_key):
    response = login_as(world.users[role]).get(f"/people/{world.people[person_key].pk}/edit/")
    expected = 200 if person_key in VISIBLE[role] and role in EDIT_ROLES else 404
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_the_api_list_returns_only_people_in_scope(world, api_client, role):
    response = api_client(world.users[role]).get("/api/v1/service-users")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()}
    assert ids == {world.people[k].pk for k in VISIBLE[role]}


HOME_PAGES = {
    "/caseload/": {"cp1", "cp2", "cp3"},
    "/supervision/": {"sup1", "sup2"},
    "/practice/": {"practice_a"},
    "/dashboard/": {"leader"},
    "/trials/": {"researcher"},
    "/organisation/": {"admin"},
    "/audit/": {"admin"},
    "/audit/break-glass/": {"admin"},
    "/audit/alerts/": {"admin"},
    "/people/?q=a": {"cp1", "cp2", "cp3", "sup1", "sup2", "practice_a", "admin"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", list(HOME_PAGES))
def test_role_pages_open_only_for_their_roles(world, login_as, role, url):
    response = login_as(world.users[role]).get(url)
    assert response.status_code == (200 if role in HOME_PAGES[url] else 404), (role, url)


def test_a_care_partner_covering_an_absent_colleague_sees_that_caseload_until_cover_ends(world):
    today = timezone.localdate()
    cover = CoverArrangement.objects.create(absent=world.users["cp1"], covering=world.users["cp2"],
                                            starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=7))
    assert world.people["p1"] in visible_people(world.users["cp2"])
    cover.ends_on = today - timedelta(days=1)
    cover.save()
    assert world.people["p1"] not in visible_people(world.users["cp2"])


def test_an_ended_episode_stays_visible_for_the_hand_back_then_drops_out_of_scope(world):
    episode = world.episodes["p1"]
    episode.phase = Phase.ENDED
    episode.ended_on = timezone.localdate() - timedelta(days=10)
    episode.save()
    assert world.people["p1"] in visible_people(world.users["cp1"])
    episode.referred_on = timezone.localdate() - timedelta(days=400)
    episode.ended_on = timezone.localdate() - timedelta(days=120)
    episode.save()
    assert world.people["p1"] not in visible_people(world.users["cp1"])


def test_an_inactive_account_sees_no_one(world):
    user = world.users["practice_a"]
    user.is_active = False
    user.save()
    assert not visible_people(user).exists()


def test_a_leader_gets_no_identifiable_record_from_the_api(world, api_client):
    client = api_client(world.users["leader"])
    assert client.get("/api/v1/service-users").json() == []
    for person in world.people.values():
        assert client.get(f"/api/v1/service-users/{person.pk}").status_code == 404
