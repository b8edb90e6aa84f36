"""Done when: leader1 opens the dashboard, filters to one PCN, switches a chart to its table view, downloads
CSV; axe-core finds no serious violations; and leader1 cannot open any person's record by any URL."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from partners.conftest import PASSWORD, axe_violations, browser_sign_in

pytestmark = pytest.mark.browser


def test_a_leader_filters_switches_a_chart_to_its_table_and_downloads_csv(transactional_db, busy, live_server, page):
    browser_sign_in(page, live_server.url, "leader", PASSWORD)
    assert page.url == f"{live_server.url}/dashboard/"
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard: Test ICS"
    assert axe_violations(page) == []

    page.get_by_label("PCN", exact=True).select_option(label="Test PCN")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard: Test PCN"
    assert "pcn=" in page.url
    assert page.get_by_test_id("tile-on_register").get_by_test_id("tile-value").inner_text() == "245"

    section = page.get_by_test_id("chart-register")
    table = section.get_by_test_id("table-register")
    assert not table.is_visible()
    section.get_by_role("tab", name="Table").click()
    assert table.is_visible()
    assert not section.locator("svg.partners-chart").is_visible()
    assert table.locator("tbody tr").count() >= 12  # one row per month of the period
    assert axe_violations(page) == []

    with page.expect_download() as download:
        page.get_by_test_id("downloads").get_by_role("link", name="Download as CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    tables = {r["table"] for r in rows}
    assert {r["area"] for r in rows} == {"Test PCN"} and "Summary for Test PCN" in tables
    assert any(t.startswith("By practice, ") for t in tables)

    page.get_by_role("link", name="Equity: who is reached").click()
    page.wait_for_url("**/dashboard/equity/**")
    # is_visible() does not wait, and the click only starts the navigation: wait for the callout itself.
    expect(page.get_by_test_id("under-represented")).to_be_visible()
    assert axe_violations(page) == []

    # every URL and API call is tried in test_leader_sees_nobody; here the browser tries the person pages
    person = busy.people["p1"]
    for url in (f"/people/{person.pk}/", f"/people/{person.pk}/access/", f"/fhir/R4/Patient/{person.pk}"):
        response = page.goto(f"{live_server.url}{url}")
        assert response.status in (401, 404)
        assert person.family_name not in page.content()
