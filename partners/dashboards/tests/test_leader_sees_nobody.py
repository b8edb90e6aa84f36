"""Done when: leader1 cannot open any person's record by any URL or API call (FHIR included)."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from partners.interop.selectors import fhir_ids
from partners.interop.tests.factories import full_history


def url_patterns(patterns=None, prefix: str = "") -> list[str]:
    out = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            out += url_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            out.append(prefix + str(entry.pattern))
    return out


def fill(pattern: str, person_pk: int) -> str | None:
    """A concrete URL for a pattern with an id in it (every int id set to the person's), or None."""
    if not re.search(r"<(?:int:|str:)?[a-z_]*id>|<int:[a-z_]+>|\(\?P<[a-z_]*id>", pattern):
        return None
    url = pattern.replace("(?P<rtype>[A-Z][A-Za-z]+)", "Patient")
    url = re.sub(r"\(\?P<([a-z_]+)>(?:[^()]|\([^)]*\))*?\)(?=/|\$|$)", str(person_pk), url)
    url = re.sub(r"<(?:int:|str:)?([a-z_]+)>", str(person_pk), url)
    url = re.sub(r"^\^|\$$", "", url).replace("\\", "")
    return "/" + url.lstrip("/")


@pytest.fixture
def records(world):
    full_history(world.people["p1"], world.users["cp1"])
    full_history(world.people["p2"], world.users["cp3"], seed=1)
    return world


def secrets(world) -> list[str]:
    """What would identify the world's people on a page: names and NHS numbers (as whole words)."""
    out = []
    for person in world.people.values():
        out += [person.family_name, f"{person.given_name} {person.family_name}"]
        if person.nhs_number:
            out += [person.nhs_number, f"{person.nhs_number[:3]} {person.nhs_number[3:6]} {person.nhs_number[6:]}"]
    return out


def reveals(text: str, secret: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", text) is not None


def test_every_url_with_an_id_in_it_shows_a_leader_nothing_of_anyone(records, login_as):
    client = login_as(records.users["leader"])
    patterns = [p for p in url_patterns() if fill(p, 1)]
    assert any("people/<int:person_id>" in p for p in patterns)  # the person pages are among them
    tried = 0
    for pattern in patterns:
        for person in records.people.values():
            url = fill(pattern, person.pk)
            for method in (client.get, client.post):
                response = method(url)
                tried += 1
                assert response.status_code in (302, 400, 401, 403, 404, 405), (url, response.status_code)
                text = response.content.decode(errors="replace")
                for secret in secrets(records):
                    assert not reveals(text, secret), (url, secret)
    assert tried >= 8 * len(patterns)


def test_the_api_gives_a_leader_no_identifiable_record(records, api_client):
    client = api_client(records.users["leader"])
    assert client.get("/api/v1/service-users").json() == []
    paths = [p for p in client.get("/api/v1/openapi.json").json()["paths"] if "{" in p]
    assert paths
    for path in paths:
        for person in records.people.values():
            url = "/api/v1" + re.sub(r"\{[^}]+\}", str(person.pk), path)
            response = client.get(url)
            assert response.status_code in (404, 405), (url, response.status_code)
            for secret in secrets(records):
                assert not reveals(response.content.decode(), secret)


def test_fhir_gives_a_leader_no_identifiable_record(records, api_client):
    client = api_client(records.users["leader"])
    for person in records.people.values():
        pid = fhir_ids("Patient", [person.pk])[person.pk]
        assert client.get(f"/fhir/R4/Patient/{pid}").status_code == 404
        assert client.get(f"/fhir/R4/Patient/{pid}/$everything").status_code == 404
        for rtype in ("Patient", "Goal", "Encounter", "Observation", "EpisodeOfCare", "CarePlan", "Flag"):
            bundle = client.get(f"/fhir/R4/{rtype}?patient={pid}").json()
            assert bundle["total"] == 0
        if person.nhs_number:
            found = client.get(f"/fhir/R4/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{person.nhs_number}")
            assert found.json()["total"] == 0
