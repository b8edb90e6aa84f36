"""Headless Chromium: a supervisor's caseload review end to end, and a safety event that reaches the
supervisor's open screen without a reload."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from partners.care.models import Contact, Episode
from partners.conftest import PASSWORD, axe_violations, browser_sign_in
from partners.supervision.models import SupervisionAction

pytestmark = pytest.mark.browser


def test_a_supervisor_reviews_a_caseload_records_a_session_and_sees_the_flag_clear_when_the_care_partner_acts(
        transactional_db, world, live_server, page):
    today = timezone.localdate()
    episode = world.episodes["p1"]
    Episode.objects.filter(pk=episode.pk).update(next_contact_on=today - timedelta(days=6),
                                                 last_contact_on=today - timedelta(days=20))
    browser_sign_in(page, live_server.url, "sup1", PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == "Caseload review"
    case = page.get_by_test_id(f"case-{world.people['p1'].pk}")
    expect(case).to_contain_text("Overdue contact")
    expect(case).to_contain_text("Next contact was planned for")
    assert axe_violations(page) == []

    case.get_by_role("link", name="Ada Lovelace", exact=True).click()
    card = page.get_by_test_id("supervision-card")
    expect(card).to_contain_text("Overdue contact")
    page.get_by_role("link", name="Record a supervision session about this case").click()
    assert page.get_by_role("checkbox", name=re.compile("Ada Lovelace")).is_checked()
    page.get_by_label("Action 1: what is to be done (optional)").fill("Phone Ada and plan the next visit")
    page.get_by_label("Action 1: who will do it").select_option(label="Cp1 Tester (Care Partner)")
    page.get_by_label("Action 1: due by").fill((today + timedelta(days=7)).isoformat())
    expect(page.get_by_label("Action 1: about which case (optional)")).to_have_value(str(episode.pk))
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save the session").click()
    expect(page.get_by_text("The supervision session with Cp1 Tester has been recorded.")).to_be_visible()
    expect(page.get_by_test_id("session").first).to_contain_text("Phone Ada and plan the next visit")
    assert SupervisionAction.objects.get().episode_id == episode.pk

    # The Care Partner acts: a contact that reaches Ada, with the next one planned.
    Contact.objects.create(episode=episode, person=world.people["p1"], care_partner=world.users["cp1"],
                           contact_on=today, mode="telephone", minutes=25, goals_discussed=True,
                           next_contact_on=today + timedelta(days=14))
    page.get_by_role("link", name="Back to caseload review").click()
    review = page.get_by_test_id("review-cp1")
    expect(review).to_contain_text("Phone Ada and plan the next visit")  # the open action, carried forward
    expect(review).not_to_contain_text("Overdue contact")

    page.get_by_role("link", name="Fidelity").click()
    expect(page.get_by_test_id("fidelity-care-partners")).to_contain_text("Cp1 Tester")
    assert axe_violations(page) == []


def test_a_safety_event_recorded_by_a_care_partner_appears_on_the_supervisors_screen_without_a_reload(
        transactional_db, world, live_server, page, browser, settings):
    settings.PARTNERS = {**settings.PARTNERS, "SUPERVISION": {"SAFETY_POLL_SECONDS": 1}}
    browser_sign_in(page, live_server.url, "sup1", PASSWORD)
    feed = page.get_by_test_id("safety-feed")
    expect(feed).to_contain_text("No new safety events")
    page.evaluate("window.partnersNotReloaded = true")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        cp_page = context.new_page()
        browser_sign_in(cp_page, live_server.url, "cp1", PASSWORD)
        cp_page.goto(f"{live_server.url}/people/{world.people['p1'].pk}/")
        cp_page.get_by_role("link", name="Record a safety event").click()
        cp_page.get_by_label("Crisis or home treatment episode").check()
        cp_page.get_by_label("Onset date").fill(timezone.localdate().isoformat())
        cp_page.get_by_role("button", name="Save").click()
        expect(cp_page.get_by_text("The safety event has been recorded.")).to_be_visible()
        expect(cp_page.get_by_test_id("supervision-card")).to_contain_text("Crisis or admission")
    finally:
        context.close()

    item = page.get_by_test_id("safety-event")
    expect(item).to_contain_text("Ada Lovelace", timeout=10_000)
    expect(item).to_contain_text("crisis or home treatment episode")
    assert page.evaluate("window.partnersNotReloaded === true")
    assert axe_violations(page) == []
    item.get_by_role("button", name=re.compile("Mark as reviewed")).click()
    expect(feed).to_contain_text("No new safety events")
    assert page.evaluate("window.partnersNotReloaded === true")
