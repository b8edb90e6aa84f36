"""Done when (issue 3): a Care Partner sends a MANSA link, the person opens it on a phone-sized viewport,
completes it, and the score appears on the Care Partner's view; the same link cannot be used twice; axe-core
finds no serious violations on the form."""

from __future__ import annotations

import re

import pytest

from partners.conftest import PASSWORD, axe_violations, browser_sign_in
from partners.measures.engine import score
from partners.measures.models import QuestionnaireResponse

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ANSWERS = [5, 4, 3, 6, 5, 4, 6, 5, None, 4, 3, 5, True, True, False, False]  # item 9 skipped


def test_a_mansa_link_is_sent_completed_on_a_phone_scored_and_then_dead(transactional_db, world, live_server, page,
                                                                       browser, notify_server, settings):
    settings.PARTNERS_PUBLIC_BASE_URL = live_server.url
    person = world.people["p1"]
    person.phone, person.sms_opt_in = "07700 900456", True
    person.save()

    # The Care Partner sends the link from the person's page.
    browser_sign_in(page, live_server.url, "cp1", PASSWORD)
    page.goto(f"{live_server.url}/people/{person.pk}/")
    page.get_by_role("button", name="Send a questionnaire").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Send a questionnaire"
    page.get_by_label("Manchester Short Assessment of Quality of Life (MANSA)").check()
    page.get_by_label("Text message to 07700 900456").check()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send the link").click()
    assert "A MANSA link was sent by text message" in page.get_by_role("main").inner_text()
    assert len(notify_server.received) == 1 and notify_server.received[0]["phone_number"] == "07700 900456"
    link = notify_server.received[0]["personalisation"]["link"]
    assert re.fullmatch(rf"{re.escape(live_server.url)}/q/[A-Za-z0-9_-]{{43}}/", link)

    # The person opens it on a phone: no account, nothing of their record.
    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                locale="en-GB", timezone_id="Europe/London")
    phone.set_default_timeout(15_000)
    mobile = phone.new_page()
    assert mobile.goto(link).status == 200
    assert "Lovelace" not in mobile.content() and "Ada" not in mobile.content()
    assert axe_violations(mobile) == []
    mobile.get_by_role("button", name="Start now").click()
    for number, value in enumerate(ANSWERS, start=1):
        assert mobile.get_by_test_id("progress").inner_text() == f"Question {number} of 16"
        assert mobile.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert axe_violations(mobile) == [], f"question {number}"
        if number == 3:  # pause and come back later through the same link
            mobile.goto(link)
            assert "You have answered 2 of 16" in mobile.get_by_role("main").inner_text()
            mobile.get_by_role("button", name="Continue").click()
            assert mobile.get_by_test_id("progress").inner_text() == "Question 3 of 16"
        if value is None:
            mobile.get_by_role("button", name="Skip this question").click()
            continue
        label = {True: "Yes", False: "No"}.get(value) if isinstance(value, bool) else str(value)
        mobile.get_by_label(label, exact=False).first.check() if isinstance(value, bool) else \
            mobile.locator(f"input[name=answer][value='{value}']").check()
        mobile.get_by_role("button", name=re.compile("^Save and (continue|review)$")).click()

    assert mobile.get_by_role("heading", level=1).inner_text() == "Check your answers before sending them"
    assert "You have not answered 1 question" in mobile.get_by_role("main").inner_text()
    assert axe_violations(mobile) == []
    mobile.get_by_role("button", name="Send my answers").click()
    assert mobile.get_by_test_id("thank-you").is_visible()
    assert "Lovelace" not in mobile.content() and "MANSA" not in mobile.get_by_role("main").inner_text()
    assert axe_violations(mobile) == []

    # The score appears on the Care Partner's view of the person.
    expected = score("mansa", ANSWERS)
    stored = QuestionnaireResponse.objects.get(status="completed")
    assert stored.mode == "self" and stored.score == pytest.approx(expected.score) and stored.prorated
    page.goto(f"{live_server.url}/people/{person.pk}/")
    shown = f"{expected.score:.2f}".rstrip("0").rstrip(".")
    assert f"MANSA: latest {shown}" in page.get_by_test_id("questionnaires-card").inner_text()
    assert page.get_by_test_id("chart-mansa").is_visible()
    assert axe_violations(page) == []

    # The same link cannot be used twice.
    again = mobile.goto(link)
    assert again.status == 410
    assert mobile.get_by_role("heading", level=1).inner_text() == "This link cannot be used"
    assert QuestionnaireResponse.objects.filter(status="completed").count() == 1
    phone.close()
