"""Headless Chromium: the case-finding lead uploads both extracts, runs linkage, accepts a pair in the
review queue, opens the gap worklist and invites a person; every page is checked with axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from partners.casefinding.models import CaseFindingResult, ClericalDecision, OutreachAttempt
from partners.conftest import PASSWORD, axe_violations, browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_upload_review_worklist_and_invite_in_the_browser(transactional_db, world, live_server, page: Any,
                                                          browser: Any, extract_files):
    base = live_server.url
    browser_sign_in(page, base, "admin", PASSWORD)
    page.goto(f"{base}/case-finding/")
    assert axe_violations(page) == []

    for label, kind in (("Practice SMI register", "register"), ("Secondary mental health care", "secondary")):
        page.goto(f"{base}/case-finding/imports/")
        page.get_by_label(label).check()
        page.get_by_label("Extract file").set_input_files(str(extract_files[kind]))
        page.get_by_role("button", name="Upload and check").click()
        page.wait_for_url(f"{base}/case-finding/imports/*/")
        assert "Imported:" in page.get_by_test_id("import-result").inner_text()
        assert axe_violations(page) == []

    page.goto(f"{base}/case-finding/run/")
    assert axe_violations(page) == []
    page.get_by_label("Match probability threshold").fill("0.99")
    page.get_by_role("button", name="Run linkage").click()
    page.wait_for_url(f"{base}/case-finding/", timeout=180_000)
    assert "In the gap" in page.get_by_test_id("latest-run").inner_text()

    page.goto(f"{base}/case-finding/review/")
    assert axe_violations(page) == []
    waiting_before = page.get_by_test_id("review-pair").count()
    assert waiting_before > 0
    page.get_by_test_id("review-pair").first.get_by_role("button", name="Same person").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_test_id("review-pair").count() == waiting_before - 1
    assert ClericalDecision.objects.filter(accept=True, decided_by=world.users["admin"]).count() == 1

    page.goto(f"{base}/case-finding/worklist/?show=eligible&practice={world.practice_a.pk}")
    assert "in the gap" in page.get_by_test_id("worklist-summary").inner_text()
    assert axe_violations(page) == []

    priya = CaseFindingResult.objects.get(register_row__family_name="Ravensworth")
    page.goto(f"{base}/case-finding/people/{priya.pk}/")
    assert "Eligible" in page.get_by_test_id("eligibility").inner_text()
    assert axe_violations(page) == []
    page.get_by_label("Letter (printed by the practice)").check()
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_load_state("domcontentloaded")
    assert "Invited" in page.get_by_test_id("outreach-status").inner_text()
    assert axe_violations(page) == []
    assert OutreachAttempt.objects.get().result == "letter to print"

    # The practice sees its own worklist and the gap and outreach status on "Our patients with SMI".
    from partners.conftest import make_person

    make_person(world.practice_a, nhs_number=priya.register_row.nhs_number, given="Priya", family="Ravensworth")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.route("https://assets.nhs.uk/**", lambda route: route.abort())
    practice = context.new_page()
    browser_sign_in(practice, base, "practice_a", PASSWORD)
    practice.goto(f"{base}/case-finding/worklist/")
    assert "Practice B" not in practice.get_by_test_id("worklist").inner_text()
    assert axe_violations(practice) == []
    practice.goto(f"{base}/practice/")
    assert "Invited (opt-out window)" in practice.get_by_test_id("practice-patients").inner_text()
    assert axe_violations(practice) == []
    context.close()
