"""Headless Chromium: a researcher randomises a practice, reads the log and the balance report, produces the
reports and downloads a CSV; every page is axe-clean."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from partners.conftest import PASSWORD, axe_violations, browser_sign_in
from partners.trial import services
from partners.trial.models import AllocationLog
from partners.trial.tests.factories import actor, build_trial

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_researcher_randomises_a_practice_and_produces_the_reports(transactional_db, world, live_server, page,
                                                                      settings, tmp_path):
    settings.VAR_DIR = tmp_path
    tw = build_trial(world, n_practices=3, per_practice=2, allocate=2, followup=False, name="Browser trial")
    waiting = tw.practices[2]
    services.practice_baseline_complete(actor=actor(world.users["researcher"]), trial_practice_id=waiting.pk,
                                        on=timezone.localdate())
    browser_sign_in(page, live_server.url, "researcher", PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == "Trials"
    assert axe_violations(page) == []
    page.get_by_role("link", name="Browser trial").click()
    expect(page.get_by_test_id("consort")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_test_id("ready").get_by_role("link", name="Randomise this practice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Randomise Practice C")
    assert "South" in page.get_by_test_id("levels").inner_text()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Randomise").click()
    expect(page.get_by_test_id("allocation-result")).to_be_visible()
    log = AllocationLog.objects.get(trial_practice=waiting)
    assert page.get_by_test_id("allocation-result").inner_text().startswith(f"Allocated to {log.arm_label}")
    assert axe_violations(page) == []

    page.get_by_role("link", name="The allocation log").click()
    expect(page.get_by_test_id("allocation-log")).to_be_visible()
    row = page.get_by_test_id("allocation-log").locator("tbody tr").nth(2)
    assert "Practice C" in row.inner_text() and log.arm_label in row.inner_text() and "researcher" in row.inner_text()
    assert "Verified" in page.get_by_test_id("verification").inner_text()
    assert axe_violations(page) == []

    page.goto(f"{live_server.url}/trials/{tw.trial.pk}/balance/")
    balance = page.get_by_test_id("balance").inner_text()
    assert "South" in balance and "Practices per arm" in balance
    assert page.get_by_test_id("simulation-region").is_visible()
    assert axe_violations(page) == []

    page.goto(f"{live_server.url}/trials/{tw.trial.pk}/")
    page.get_by_role("button", name="Produce reports").click()
    runs = page.get_by_test_id("runs")
    expect(runs).to_be_visible()
    assert "Blinded" in runs.inner_text()
    with page.expect_download() as info:
        runs.get_by_role("link", name="recruitment.csv").click()
    text = info.value.path().read_text(encoding="utf-8")
    counts = {arm: AllocationLog.objects.filter(trial=tw.trial, arm=arm).count() for arm in ("intervention", "control")}
    assert text.startswith("Stage,Intervention,Control,Total")
    assert f"Randomised,{counts['intervention']},{counts['control']},3" in text
    assert axe_violations(page) == []

    # The practice page and the set-up form, with its error summary, are accessible too.
    page.get_by_test_id("practices").get_by_role("link", name="Practice A", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Practice A")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/trials/new/")
    page.get_by_role("button", name="Set up the trial").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert axe_violations(page) == []
