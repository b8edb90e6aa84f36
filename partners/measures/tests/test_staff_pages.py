"""Staff entry forms, sending a link from the person page, one response, and the schedule page."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from partners.common.models import OutboundMessage
from partners.measures.engine import score
from partners.measures.models import ItemResponse, MeasurementPlan, QuestionnaireResponse, SelfCompletionLink
from partners.measures.tests.conftest import MANSA_FULL, must_match

pytestmark = pytest.mark.django_db


def mansa_form(values, **extra):
    from partners.measures.presentation import encode

    data = {"completed_on": timezone.localdate().isoformat(), "point": "review", "mode": "staff", "language": "en",
            "idempotency_key": "k-" + "".join(str(v) for v in values)}
    data.update({f"item_{n}": encode(v) for n, v in enumerate(values, start=1)})
    data.update(extra)
    return data


def test_a_care_partner_enters_a_mansa_item_by_item_and_sees_the_score(world, login_as):
    client = login_as(world.users["cp1"])
    p1 = world.people["p1"]
    page = client.get(f"/people/{p1.pk}/questionnaires/new/mansa/")
    assert page.status_code == 200 and "Life as a whole" in page.content.decode()
    response = client.post(f"/people/{p1.pk}/questionnaires/new/mansa/", mansa_form(MANSA_FULL))
    assert response.status_code == 302
    stored = QuestionnaireResponse.objects.get()
    assert stored.score == pytest.approx(score("mansa", MANSA_FULL).score) and stored.mode == "staff"
    assert stored.entered_by == world.users["cp1"] and stored.episode == world.episodes["p1"]
    assert [i.value for i in ItemResponse.objects.order_by("position")] == MANSA_FULL
    followed = client.get(response["Location"]).content.decode()
    assert "MANSA saved: 4.5." in followed


def test_a_double_submitted_entry_form_stores_one_response(world, login_as):
    client = login_as(world.users["cp1"])
    url = f"/people/{world.people['p1'].pk}/questionnaires/new/mansa/"
    client.post(url, mansa_form(MANSA_FULL))
    client.post(url, mansa_form(MANSA_FULL))
    assert QuestionnaireResponse.objects.count() == 1


def test_interpreter_assisted_completion_is_recorded_as_such(world, login_as):
    client = login_as(world.users["cp1"])
    client.post(f"/people/{world.people['p1'].pk}/questionnaires/new/mansa/",
                mansa_form(MANSA_FULL, mode="interpreter", language="pl"))
    stored = QuestionnaireResponse.objects.get()
    assert stored.mode == "interpreter" and stored.language == "pl"


def test_the_entry_form_shows_the_engines_message_against_the_item(world, login_as):
    from partners.measures.models import InstrumentSetting

    InstrumentSetting.objects.create(instrument="eq-5d-5l", enabled=True, licence_confirmed=True,
                                     changed_at=timezone.now())
    client = login_as(world.users["cp1"])
    data = {"completed_on": "2026-01-10", "point": "ad_hoc", "mode": "staff", "language": "en",
            "item_1": "1", "item_2": "2", "item_3": "1", "item_4": "1", "item_5": "1", "item_6": "140"}
    response = client.post(f"/people/{world.people['p1'].pk}/questionnaires/new/eq-5d-5l/", data)
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "item 6 (health today (VAS)): 140 is not allowed; allowed: whole numbers 0 to 100" in page
    assert must_match(r'id="id_item_6_error"', page)
    assert not QuestionnaireResponse.objects.exists()


def test_unanswered_items_are_stored_as_missing_and_the_rule_applied(world, login_as):
    client = login_as(world.users["cp1"])
    values = [*MANSA_FULL]
    values[8] = None
    client.post(f"/people/{world.people['p1'].pk}/questionnaires/new/mansa/", mansa_form(values))
    stored = QuestionnaireResponse.objects.get()
    assert stored.missing == 1 and stored.prorated and stored.score == pytest.approx(score("mansa", values).score)
    assert ItemResponse.objects.get(response=stored, position=9).value is None


def test_practice_staff_can_enter_a_questionnaire_for_their_patient_without_an_episode(world, login_as):
    client = login_as(world.users["practice_a"])
    p3 = world.people["p3"]
    client.post(f"/people/{p3.pk}/questionnaires/new/phq9/", {
        "completed_on": "2026-03-01", "point": "ad_hoc", "mode": "staff", "language": "en",
        **{f"item_{n}": "1" for n in range(1, 10)}})
    stored = QuestionnaireResponse.objects.get()
    assert stored.person == p3 and stored.episode is None and stored.score == 9


def test_a_baseline_needs_an_episode(world, login_as):
    client = login_as(world.users["practice_a"])
    response = client.post(f"/people/{world.people['p3'].pk}/questionnaires/new/gad7/", {
        "completed_on": "2026-03-01", "point": "baseline", "mode": "staff", "language": "en",
        **{f"item_{n}": "1" for n in range(1, 8)}})
    assert "no episode of PARTNERS care" in response.content.decode()


def test_supervisors_and_leaders_cannot_open_the_entry_forms(world, login_as):
    p1 = world.people["p1"]
    for user in ("sup1", "leader"):
        client = login_as(world.users[user])
        assert client.get(f"/people/{p1.pk}/questionnaires/new/mansa/").status_code == 404
        assert client.get(f"/people/{p1.pk}/questionnaires/send/").status_code == 404


def test_the_send_page_sends_a_link_and_returns_to_the_person(world, login_as, reachable, notify_server, settings):
    settings.PARTNERS_PUBLIC_BASE_URL = "https://partners.example.nhs.uk"
    client = login_as(world.users["cp1"])
    page = client.get(f"/people/{reachable.pk}/questionnaires/send/").content.decode()
    assert "Text message to 07700 900123" in page
    response = client.post(f"/people/{reachable.pk}/questionnaires/send/", {
        "instrument": "mansa", "point": "review", "channel": "sms", "language": "en", "idempotency_key": "x1"})
    assert response.status_code == 302
    assert notify_server.received[0]["personalisation"]["link"].startswith("https://partners.example.nhs.uk/q/")
    followed = client.get(response["Location"]).content.decode()
    assert "A MANSA link was sent by text message" in followed
    assert "Links sent, not yet completed" in followed
    again = client.post(f"/people/{reachable.pk}/questionnaires/send/", {
        "instrument": "mansa", "point": "review", "channel": "sms", "language": "en", "idempotency_key": "x1"})
    assert again.status_code == 302 and len(notify_server.received) == 1


def test_in_the_demo_without_notify_the_link_is_shown_once_to_try_it(world, login_as, reachable, settings):
    settings.NOTIFY_API_KEY = ""
    settings.PARTNERS_ALLOW_DEMO_ACCOUNTS = True
    client = login_as(world.users["cp1"])
    response = client.post(f"/people/{reachable.pk}/questionnaires/send/", {
        "instrument": "mansa", "point": "review", "channel": "sms", "language": "en"})
    page = response.content.decode()
    assert response.status_code == 200 and "Demonstration only" in page
    url = must_match(r'data-testid="demo-link">([^<]+)<', page).group(1)
    assert client.get(url[url.index("/q/"):]).status_code == 200
    assert OutboundMessage.objects.get().status == OutboundMessage.Status.RECORDED


def test_the_send_form_explains_a_missing_agreement(world, login_as, notify_server):
    client = login_as(world.users["cp1"])
    response = client.post(f"/people/{world.people['p1'].pk}/questionnaires/send/", {
        "instrument": "mansa", "point": "review", "channel": "sms", "language": "en"})
    assert "has not agreed to text messages" in response.content.decode()
    assert not SelfCompletionLink.objects.exists()


def test_a_care_partner_can_cancel_a_link(world, login_as, reachable, notify_server):
    client = login_as(world.users["cp1"])
    client.post(f"/people/{reachable.pk}/questionnaires/send/", {
        "instrument": "mansa", "point": "review", "channel": "sms", "language": "en"})
    link = SelfCompletionLink.objects.get()
    response = client.post(f"/people/{reachable.pk}/questionnaires/links/{link.pk}/cancel/")
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.cancelled_at is not None
    assert login_as(world.users["cp3"]).post(
        f"/people/{reachable.pk}/questionnaires/links/{link.pk}/cancel/").status_code == 404


def test_one_response_shows_every_answer_and_how_it_was_scored(world, login_as, cp1_actor):
    from partners.measures.services import questionnaire_response_create

    stored = questionnaire_response_create(actor=cp1_actor, person_id=world.people["p1"].pk, instrument="mansa",
                                           responses=MANSA_FULL, completed_on=date(2026, 2, 3))
    page = login_as(world.users["sup1"]).get(f"/people/{world.people['p1'].pk}/questionnaires/{stored.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "3 February 2026" in html
    assert "7 - couldn&#x27;t be better" in html and "mansa-mean-of-12-satisfaction-items" in html
    other = login_as(world.users["cp3"]).get(f"/people/{world.people['p1'].pk}/questionnaires/{stored.pk}/")
    assert other.status_code == 404


def test_a_care_partner_sets_the_episodes_schedule(world, login_as):
    client = login_as(world.users["cp1"])
    p1 = world.people["p1"]
    response = client.post(f"/people/{p1.pk}/questionnaires/schedule/", {
        "instruments": ["mansa", "phq9"], "review_interval_months": "6", "window_days": "21",
        "collect_at_end": "on"})
    assert response.status_code == 302
    plan = MeasurementPlan.objects.get()
    assert plan.episode == world.episodes["p1"] and plan.instruments == ["mansa", "phq9"]
    assert plan.review_interval_months == 6 and plan.window_days == 21
    bad = client.post(f"/people/{p1.pk}/questionnaires/schedule/", {
        "instruments": ["eq-5d-5l"], "review_interval_months": "0", "window_days": "21"})
    assert bad.status_code == 200 and "There is a problem" in bad.content.decode()
