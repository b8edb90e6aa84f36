"""Headless Chromium: every role signs in, lands on its first screen, and axe-core finds nothing serious."""

from __future__ import annotations

import pytest

from partners.conftest import PASSWORD, axe_violations, browser_sign_in

pytestmark = pytest.mark.browser

HOMES = [
    ("cp1", "/caseload/", "My caseload"),
    ("sup1", "/supervision/", "Caseload review"),
    ("practice_a", "/practice/", "Our patients with SMI"),
    ("leader", "/dashboard/", "Dashboard"),
    ("researcher", "/trials/", "Trials"),
    ("admin", "/organisation/", "Organisation"),
]


@pytest.mark.parametrize(("username", "path", "heading"), HOMES)
def test_each_role_signs_in_to_an_accessible_first_screen(transactional_db, world, live_server, page, username,
                                                         path, heading):
    browser_sign_in(page, live_server.url, username, PASSWORD)
    assert page.url == f"{live_server.url}{path}"
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert username in page.get_by_test_id("signed-in-user").inner_text().lower()
    assert axe_violations(page) == []


def test_the_sign_in_page_and_its_errors_are_accessible(transactional_db, world, live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    assert axe_violations(page) == []
    browser_sign_in(page, live_server.url, "cp1", "wrong-password")
    assert page.get_by_text("There is a problem").is_visible()
    assert axe_violations(page) == []


def test_a_care_partner_sees_only_their_own_caseload_and_can_open_a_person(transactional_db, world, live_server,
                                                                          page):
    browser_sign_in(page, live_server.url, "cp1", PASSWORD)
    rows = page.get_by_test_id("caseload").locator("tbody tr")
    assert rows.count() == 1
    assert "Ada Lovelace" in rows.first.inner_text()
    page.get_by_role("link", name="Ada Lovelace", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Ada Lovelace")
    assert axe_violations(page) == []
    response = page.goto(f"{live_server.url}/people/{world.people['p2'].pk}/")
    assert response.status == 404


def test_a_leader_can_open_no_individual_record(transactional_db, world, live_server, page):
    browser_sign_in(page, live_server.url, "leader", PASSWORD)
    for person in world.people.values():
        for url in (f"/people/{person.pk}/", f"/people/{person.pk}/access/", f"/people/{person.pk}/edit/"):
            assert page.goto(f"{live_server.url}{url}").status == 404
    assert page.goto(f"{live_server.url}/people/?q=a").status == 404
    assert page.goto(f"{live_server.url}/caseload/").status == 404


def test_the_person_form_shows_its_errors_accessibly(transactional_db, world, live_server, page):
    browser_sign_in(page, live_server.url, "practice_a", PASSWORD)
    page.goto(f"{live_server.url}/people/new/")
    assert axe_violations(page) == []
    page.get_by_label("NHS number").fill("943 476 5918")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".nhsuk-error-summary").inner_text()
    assert "fails the Modulus 11 check" in summary
    assert "Enter first name" in summary and "This field is required" not in summary
    page.locator(".nhsuk-error-summary a", has_text="Modulus 11").click()
    assert page.evaluate("document.activeElement.id") == "id_nhs_number"
    assert axe_violations(page) == []
