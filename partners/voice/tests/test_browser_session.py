"""Headless Chromium, tablet-sized: a Care Partner and the person run a structured session end to end,
then the agreed actions are there to review on the next contact form. axe-core checks each screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from partners.conftest import PASSWORD, axe_violations, browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TABLET = {"width": 820, "height": 1180}
RATINGS = {"mental_health": 3, "physical_health": 4, "job": 2, "accommodation": 6, "leisure": 5, "friendships": 4,
           "partner_family": 6, "personal_safety": 6, "medication": 5, "practical_help": 3, "meetings": 7}


def _no_serious_violations(page: Any, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{where}: {violations}"


def _target_sizes(page: Any, selector: str) -> list[tuple[float, float]]:
    return page.eval_on_selector_all(selector, "els => els.map(e => { const r = e.getBoundingClientRect(); "
                                               "return [r.width, r.height]; })")


def test_a_structured_session_on_a_tablet_ends_with_actions_on_the_next_contact_form(
        transactional_db: Any, world: Any, live_server: Any, browser: Any) -> None:
    person = world.people["p1"]
    person.interpreter_needed, person.interpreter_language = True, "pl"
    person.save()
    context = browser.new_context(viewport=TABLET, locale="en-GB", timezone_id="Europe/London", has_touch=True)
    context.set_default_timeout(15_000)
    context.route("https://assets.nhs.uk/**", lambda route: route.abort())
    page = context.new_page()
    base = live_server.url
    browser_sign_in(page, base, "cp1", PASSWORD)

    page.goto(f"{base}/people/{person.pk}/contact/")
    assert "Interpreter needed: Polish" in page.get_by_test_id("access-needs").inner_text()
    page.get_by_test_id("start-structured-session").click()
    page.get_by_label("An interpreter is helping with this session").check()
    _no_serious_violations(page, "start")
    page.get_by_test_id("start-session").click()

    # Step 1: the ratings, 11 areas, each a row of large 1-7 radios.
    page.wait_for_url("**/ratings/")
    _no_serious_violations(page, "ratings")
    page.screenshot(path=str(Path(settings.VAR_DIR) / "ux" / "structured-session-ratings.png"))
    sizes = _target_sizes(page, ".voice-rating .nhsuk-radios__input")
    assert len(sizes) == 77 and all(w >= 24 and h >= 24 for w, h in sizes)  # WCAG 2.2 target size (minimum)
    page.get_by_role("button", name="Continue").click()  # nothing rated: every area says so
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    assert "Select how satisfied they are with mental health (1 to 7)." in summary.inner_text()
    for code, value in RATINGS.items():
        page.get_by_test_id(f"area-{code}").get_by_label(str(value), exact=True).check()
    page.locator("label[for=id_job_help]").click()  # tapping the label, as a finger would
    assert page.get_by_label("Wants more help with job situation (work or occupation)").is_checked()
    page.get_by_role("button", name="Continue").click()

    # Step 2: today's ratings against the last session, and the choice of up to 3.
    page.wait_for_url("**/choose/")
    _no_serious_violations(page, "choose")
    shots = Path(settings.VAR_DIR) / "ux"  # for the note: what the tablet shows (not asserted)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "structured-session-choose.png"), full_page=True)
    assert "first rating" in page.get_by_test_id("compare-job").inner_text()
    for label in ("Job situation (work or occupation)", "Leisure activities", "Friendships", "Medication"):
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    assert "Choose up to 3 areas to talk about (4 were chosen)." in page.locator(".nhsuk-error-summary").inner_text()
    page.get_by_label("Medication", exact=True).uncheck()
    page.get_by_label("Friendships", exact=True).uncheck()
    page.get_by_role("button", name="Continue").click()

    # Step 3: each chosen area through the four steps.
    for area, action in (("job", "Phone the volunteer centre on Monday"), ("leisure", "Walk to the park with Sam")):
        page.wait_for_url(f"**/talk/{area}/")
        _no_serious_violations(page, f"talk {area}")
        page.get_by_label("1. Understanding").fill("It has been a hard month but the mornings are better")
        page.get_by_label("2. Looking forward").fill("Something to do two days a week")
        page.get_by_label("3. Exploring options").fill("Volunteering, the allotment, the library")
        page.get_by_label("4. Agreeing actions").fill(action)
        page.get_by_label("A new goal").check()
        page.get_by_label("The new goal, in their own words").fill(f"Goal about {area}")
        page.get_by_test_id("talk-form").get_by_label("3", exact=True).check()
        page.get_by_role("button", name="Save and continue").click()

    page.wait_for_url("**/finish/")
    _no_serious_violations(page, "finish")
    assert page.get_by_test_id("life-mean").inner_text() == "4.50"
    page.get_by_test_id("complete-session").click()

    # The contact form: the agreed actions are there to review.
    page.wait_for_url(f"**/people/{person.pk}/contact/")
    actions = page.get_by_test_id("agreed-action").all_inner_texts()
    assert actions == ["Phone the volunteer centre on Monday", "Walk to the park with Sam"]
    assert "Interpreter needed: Polish" in page.get_by_test_id("access-needs").inner_text()
    _no_serious_violations(page, "contact form")
    context.close()
