"""Headless Chromium walks a Care Partner through a whole episode, and a handover by the person's choice.

Time is controlled with time-machine. It replaces the clock functions of this Python process, and the
live server runs in a thread of this same process, so moving the clock in the test moves it for the
server too: ``timezone.localdate()`` (and so "overdue", the prefilled dates, the episode calendar) sees
the day the test chose. The browser's own clock is not used by the pages. Moving the clock forward by
weeks expires the session, as it would in life, so the Care Partner signs in again each new day.

The first test also measures logging a contact from the caseload on a tablet-sized screen (clicks and
seconds, median of the contacts logged) and writes them to ``var/ux/contact_logging.json`` for the note;
timings are reported, never asserted.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from partners.care import services
from partners.care.models import CarePartnerPost, Contact, Episode, Phase, Service
from partners.conftest import PASSWORD, actor_for, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LONDON = ZoneInfo("Europe/London")
TABLET = {"width": 768, "height": 1024}


def offline_fonts(page: Any) -> None:
    """The NHS.UK font comes from assets.nhs.uk; with no internet here, fail it at once rather than wait
    for DNS (a browser in a GP practice has it cached), so timings measure our pages, not a lookup."""
    page.route("https://assets.nhs.uk/**", lambda route: route.abort())


def sign_in_if_needed(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/caseload/")
    if "/accounts/login/" in page.url:
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(f"{base}/caseload/")


@dataclass
class ContactTiming:
    """Clicks (including focusing a text box) and seconds from "Log a contact" to the saved caseload."""

    runs: list[dict[str, Any]] = field(default_factory=list)

    def log(self, page: Any, base: str, name: str, *, goal: str | None, notes: str, mode: str | None = None,
            place: str | None = None, minutes: str = "20") -> None:
        clicks = 0
        started = time.perf_counter()
        page.get_by_role("link", name=f"Log a contact with {name}").click()
        clicks += 1
        if mode:
            page.get_by_label(mode, exact=True).check()
            clicks += 1
        if place:
            page.get_by_label(place, exact=True).check()
            clicks += 1
        page.get_by_label("Minutes").fill(minutes)
        clicks += 1
        if goal:
            page.get_by_label(goal).check()
            clicks += 1
        page.get_by_label("Notes").fill(notes)
        clicks += 1
        page.get_by_role("button", name="Save contact").click()
        clicks += 1
        page.wait_for_url(f"{base}/caseload/")
        page.get_by_text("Contact saved.").wait_for()
        self.runs.append({"clicks": clicks, "typed_characters": len(notes) + len(minutes),
                          "seconds": round(time.perf_counter() - started, 3)})

    def summary(self) -> dict[str, Any]:
        return {"contacts": len(self.runs), "median_clicks": statistics.median(r["clicks"] for r in self.runs),
                "median_seconds": round(statistics.median(r["seconds"] for r in self.runs), 3),
                "median_typed_characters": statistics.median(r["typed_characters"] for r in self.runs),
                "viewport": TABLET, "runs": self.runs}


def at_nine(day: date | None) -> datetime:
    assert day is not None
    return datetime.combine(day, datetime.min.time(), tzinfo=LONDON) + timedelta(hours=9)


def caseload_row(page: Any, name: str) -> Any:
    return page.get_by_test_id("caseload-row").filter(has_text=name)


def test_a_care_partner_takes_a_person_through_a_whole_episode(transactional_db, world, live_server, page,
                                                               time_machine):
    base = live_server.url
    day0 = datetime.combine(timezone.localdate(), datetime.min.time(), tzinfo=LONDON) + timedelta(hours=9)
    time_machine.move_to(day0, tick=True)
    today = timezone.localdate()
    crisis = Service.objects.create(name="Crisis and Home Treatment Team", kind=Service.Kind.CRISIS,
                                    phone="0300 555 0100")
    CarePartnerPost.objects.create(care_partner=world.users["cp1"], practice=world.practice_a,
                                   starts_on=today - timedelta(days=200))
    cleo = world.people["p3"]
    services.episode_refer(actor=actor_for(world.users["practice_a"]), person_id=cleo.pk, source="Dr Example")
    page.set_viewport_size(TABLET)
    offline_fonts(page)
    timing = ContactTiming()

    # Day 0: accept the referral, record the first contact, the shared understanding and two goals.
    sign_in_if_needed(page, base, "cp1")
    referrals = page.get_by_test_id("new-referrals")
    assert "Cleo Laine" in referrals.inner_text()
    assert axe_violations(page) == []
    referrals.get_by_role("button", name="Accept Cleo Laine").click()
    assert page.get_by_test_id("phase").inner_text() == "Engaging"
    page.get_by_test_id("log-contact").click()
    assert page.get_by_label("Date of contact").input_value() == today.isoformat()
    assert page.get_by_label("Next contact").input_value() == (today + timedelta(days=14)).isoformat()
    page.get_by_label("Minutes").fill("-5")
    page.get_by_role("button", name="Save contact").click()
    assert "Minutes cannot be negative (-5)." in page.locator(".nhsuk-error-summary").inner_text()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    page.get_by_label("GP practice").check()
    page.get_by_label("Minutes").fill("45")
    page.get_by_label("Notes").fill("First meeting at the surgery. Talked about what a Care Partner does.")
    page.get_by_role("button", name="Save contact").click()
    page.get_by_text("Contact saved.").wait_for()
    page.get_by_role("link", name="Record the shared understanding").click()
    page.get_by_label("Their situation").fill("Lives alone since her mum died; sees her sister on Sundays.")
    page.get_by_label("Their strengths").fill("Kind, determined, a good cook.")
    page.get_by_label("What matters to them").fill("Her sister, her garden, getting out more.")
    page.get_by_role("button", name="Save").click()
    for words, area, rating in [("Go to the allotment twice a week", "Leisure", "3"),
                                ("Sort out my benefits so I stop worrying", "Money", "2")]:
        page.get_by_role("link", name="Agree a goal").click()
        page.get_by_label("The goal, in their own words").fill(words)
        page.get_by_label("Area of life").select_option(label=area)
        page.locator("#id_rating").get_by_label(rating, exact=True).check()
        page.get_by_role("button", name="Save goal").click()
        page.get_by_text("Goal agreed.").wait_for()
    assert page.get_by_test_id("phase").inner_text() == "Active"
    assert page.get_by_test_id("goal").count() == 2
    assert axe_violations(page) == []

    # Days 14 and 28: contacts logged from the caseload with the quick form (timed).
    for days, mode, place, goal, notes in [
            (14, "Telephone", None, "Go to the allotment twice a week", "Went to the allotment once. Pleased."),
            (28, "Face to face", "Their home", "Sort out my benefits so I stop worrying",
             "Filled in the form together.")]:
        time_machine.move_to(day0 + timedelta(days=days), tick=True)
        sign_in_if_needed(page, base, "cp1")
        assert "Due" in caseload_row(page, "Cleo Laine").get_by_test_id("next-contact").inner_text()
        timing.log(page, base, "Cleo Laine", goal=goal, notes=notes, mode=mode, place=place)
    assert Contact.objects.filter(person=cleo).count() == 3
    # Step down to monthly by agreement.
    page.get_by_role("link", name="Cleo Laine", exact=True).click()
    page.get_by_role("link", name="Change how often").click()
    page.get_by_label("Monthly").check()
    page.get_by_label("Why").fill("Things are settled; Cleo would like monthly calls.")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_test_id("phase").inner_text() == "Stepped down"
    assert page.get_by_test_id("rhythm").inner_text() == "Monthly"
    next_contact = Episode.objects.get(person=cleo).next_contact_on
    page.goto(f"{base}/caseload/")
    assert "Overdue" not in caseload_row(page, "Cleo Laine").get_by_test_id("next-contact").inner_text()

    # The planned date passes: the overdue flag appears on the caseload and the person page.
    assert next_contact is not None
    time_machine.move_to(at_nine(next_contact + timedelta(days=1)), tick=True)
    sign_in_if_needed(page, base, "cp1")
    row = caseload_row(page, "Cleo Laine")
    assert "Overdue" in row.get_by_test_id("next-contact").inner_text()
    assert axe_violations(page) == []
    page.get_by_test_id("overdue-count").click()
    page.wait_for_url("**/caseload/?status=overdue")
    assert caseload_row(page, "Cleo Laine").count() == 1
    page.goto(f"{base}/caseload/")
    timing.log(page, base, "Cleo Laine", goal=None, notes="Texted: she has had a bad week.", mode="Text message")
    assert "Overdue" not in caseload_row(page, "Cleo Laine").get_by_test_id("next-contact").inner_text()

    # Things get harder: step up, then an urgent referral to the crisis team.
    page.get_by_role("link", name="Cleo Laine", exact=True).click()
    page.get_by_role("link", name="Change how often").click()
    page.get_by_label("Fortnightly").check()
    page.get_by_label("Why").fill("A harder few weeks; sleeping badly.")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_test_id("phase").inner_text() == "Active"
    page.get_by_role("link", name="Urgent referral").click()
    assert axe_violations(page) == []
    page.get_by_label("Refer urgently to").select_option(label=crisis.name)
    page.get_by_label("Why it is urgent").fill("Hearing voices again, frightened to be alone tonight.")
    page.get_by_role("button", name="Record urgent referral").click()
    assert "Crisis and Home Treatment Team" in page.get_by_test_id("referral").first.inner_text()
    assert page.get_by_test_id("rhythm").inner_text() == "Weekly"

    # Later: the planned transition, then the end of the episode.
    episode = Episode.objects.get(person=cleo)
    time_machine.move_to(at_nine(episode.transition_from), tick=True)
    sign_in_if_needed(page, base, "cp1")
    timing.log(page, base, "Cleo Laine", goal="Go to the allotment twice a week",
               notes="Planning the move back to the practice; allotment most weeks now.")
    page.get_by_role("link", name="Cleo Laine", exact=True).click()
    page.get_by_role("link", name="Move the episode on").click()
    page.get_by_label("Start the transition").check()
    page.get_by_role("button", name="Save").click()
    assert page.get_by_test_id("phase").inner_text() == "Transition"
    time_machine.move_to(at_nine(episode.planned_end_on), tick=True)
    sign_in_if_needed(page, base, "cp1")
    page.get_by_role("link", name="Cleo Laine", exact=True).click()
    page.get_by_role("link", name="Move the episode on").click()
    page.get_by_label("End the episode").check()
    page.get_by_label("If ending: why").select_option(label="Completed the episode")
    page.get_by_role("button", name="Save").click()
    assert "Episode ended" in page.get_by_test_id("episode-ended").inner_text()
    episode.refresh_from_db()
    assert episode.phase == Phase.ENDED and episode.end_reason == "completed"
    phases = list(episode.phase_changes.order_by("changed_on", "pk").values_list("to_phase", flat=True))
    assert phases == ["invited", "engaging", "active", "stepped_down", "active", "transition", "ended"]
    assert Contact.objects.filter(person=cleo).count() == 5
    page.goto(f"{base}/caseload/")
    assert caseload_row(page, "Cleo Laine").count() == 0

    out = Path(settings.VAR_DIR) / "ux"
    out.mkdir(parents=True, exist_ok=True)
    (out / "contact_logging.json").write_text(json.dumps(timing.summary(), indent=2) + "\n")


def test_a_person_asks_for_a_different_care_partner_and_the_new_one_sees_the_whole_history(
        transactional_db, world, live_server, page, browser):
    base = live_server.url
    offline_fonts(page)
    ada = world.people["p1"]
    actor = actor_for(world.users["cp1"])
    today = timezone.localdate()
    services.shared_understanding_save(actor=actor, person_id=ada.pk, situation="Works part time in a bakery",
                                       strengths="Loyal friend", what_matters="Keeping her job")
    goal = services.goal_agree(actor=actor, person_id=ada.pk, life_area="work", words="Keep my Saturday shifts",
                               rating=5)
    services.contact_record(actor=actor, person_id=ada.pk, contact_on=today, mode="video", minutes=25,
                            goal_ids=[goal.pk], notes="Talked through the rota with her manager",
                            next_contact_on=today + timedelta(days=14))

    sign_in_if_needed(page, base, "cp1")
    page.get_by_role("link", name="Ada Lovelace", exact=True).click()
    page.get_by_role("link", name="Hand over to another Care Partner").click()
    assert axe_violations(page) == []
    page.get_by_label("New Care Partner").select_option(label="Cp2 Tester")
    assert page.get_by_label("The person asked for a different Care Partner").is_checked()
    page.get_by_label("Handover note").fill("Ada would like someone she has not met through the CMHT.")
    page.get_by_role("button", name="Hand over").click()
    page.wait_for_url(f"{base}/caseload/")
    assert caseload_row(page, "Ada Lovelace").count() == 0
    assert page.goto(f"{base}/people/{ada.pk}/").status == 404

    other = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                timezone_id="Europe/London")
    page2 = other.new_page()
    offline_fonts(page2)
    try:
        sign_in_if_needed(page2, base, "cp2")
        page2.get_by_role("link", name="Ada Lovelace", exact=True).click()
        assert page2.get_by_test_id("care-partner").inner_text().startswith("Cp2 Tester")
        timeline = page2.get_by_test_id("timeline").inner_text()
        assert "Talked through the rota with her manager" in timeline and "By Cp1 Tester" in timeline
        assert "Handed over from Cp1 Tester to Cp2 Tester" in timeline
        assert "Keep my Saturday shifts" in page2.get_by_test_id("goals-card").inner_text()
        assert "Keeping her job" in page2.get_by_test_id("understanding-card").inner_text()
        assert page2.get_by_test_id("log-contact").is_visible()
        assert axe_violations(page2) == []
    finally:
        other.close()
