"""Self-completion links: sent through GOV.UK Notify (the stand-in server), opened without an account, one
question per page, saved as the person goes, reviewed, submitted once; dead afterwards."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from partners.audit.models import AuditEvent
from partners.common.models import OutboundMessage
from partners.measures import services
from partners.measures.engine import score
from partners.measures.models import ItemResponse, QuestionnaireResponse, SelfCompletionLink
from partners.measures.tests.conftest import MANSA_FULL, must_match


def send_mansa(notify_server, reachable, cp1_actor, channel="sms"):
    sent = services.questionnaire_link_send(actor=cp1_actor, person_id=reachable.pk, instrument="mansa",
                                            channel=channel, point="review")
    message = notify_server.received[-1]
    token = must_match(r"/q/([A-Za-z0-9_-]+)/$", message["personalisation"]["link"]).group(1)
    return sent, token


def answer_all(client: Client, token: str, values) -> None:
    for number, value in enumerate(values, start=1):
        form = {"action": "skip"} if value is None else {"action": "answer", "answer": services_encode(value)}
        response = client.post(f"/q/{token}/{number}/", form)
        assert response.status_code == 302, response.content.decode()[:500]


def services_encode(value) -> str:
    from partners.measures.presentation import encode

    return encode(value)


def test_a_link_is_sent_by_sms_through_notify_and_only_its_hash_is_stored(db, world, reachable, cp1_actor,
                                                                           notify_server):
    sent, token = send_mansa(notify_server, reachable, cp1_actor)
    message = notify_server.received[0]
    assert message["phone_number"] == "07700 900123"
    assert message["personalisation"]["link"].startswith("http")
    assert len(token) >= 43
    link = SelfCompletionLink.objects.get()
    assert link.token_hash == services.hash_token(token) and token not in link.token_hash
    assert sent.delivered and link.message_id == OutboundMessage.objects.get().pk
    # the outbox keeps a record of the message but not the link itself
    record = OutboundMessage.objects.get()
    assert token not in str(record.personalisation) and record.status == OutboundMessage.Status.SENT
    assert link.response.status == QuestionnaireResponse.Status.IN_PROGRESS and link.response.mode == "self"
    assert (link.expires_at - link.created_at) == timedelta(days=14)
    event = AuditEvent.objects.get(object_type="questionnaire_link")
    assert event.username == "cp1" and event.via == "test" and event.person_id == reachable.pk


def test_a_link_goes_by_email_when_chosen(db, world, reachable, cp1_actor, notify_server):
    send_mansa(notify_server, reachable, cp1_actor, channel="email")
    assert notify_server.received[0]["email_address"] == "ada@example.com"


def test_no_link_is_sent_to_someone_who_has_not_agreed_to_text_messages(db, world, reachable, cp1_actor,
                                                                        notify_server):
    reachable.sms_opt_in = False
    reachable.save()
    with pytest.raises(services.ValidationError) as caught:
        services.questionnaire_link_send(actor=cp1_actor, person_id=reachable.pk, instrument="mansa", channel="sms")
    assert "has not agreed to text messages" in caught.value.message_dict["channel"][0]
    assert notify_server.received == [] and not SelfCompletionLink.objects.exists()


def test_when_notify_refuses_the_link_is_cancelled_and_the_failure_recorded_without_the_link(
        db, world, reachable, cp1_actor, notify_server):
    notify_server.fail_next.append((400, "phone_number Not a UK mobile number"))
    with pytest.raises(services.ValidationError, match="Not a UK mobile number"):
        services.questionnaire_link_send(actor=cp1_actor, person_id=reachable.pk, instrument="mansa", channel="sms")
    link = SelfCompletionLink.objects.get()
    assert link.cancelled_at is not None
    record = OutboundMessage.objects.get()
    assert record.status == OutboundMessage.Status.FAILED
    assert record.personalisation["link"] == services.REDACTED_LINK


def test_a_new_link_replaces_an_unused_one_for_the_same_questionnaire(db, world, reachable, cp1_actor,
                                                                      notify_server, client):
    _, first = send_mansa(notify_server, reachable, cp1_actor)
    _, second = send_mansa(notify_server, reachable, cp1_actor)
    assert client.get(f"/q/{first}/").status_code == 410
    assert client.get(f"/q/{second}/").status_code == 200


def test_someone_outside_the_care_partners_scope_cannot_be_sent_a_link(db, world, cp1_actor, notify_server):
    with pytest.raises(services.Http404):
        services.questionnaire_link_send(actor=cp1_actor, person_id=world.people["p2"].pk, instrument="mansa",
                                         channel="sms")


def test_the_person_answers_one_question_per_page_and_submits_once(db, world, reachable, cp1_actor, notify_server):
    _, token = send_mansa(notify_server, reachable, cp1_actor)
    person_client = Client()
    start = person_client.get(f"/q/{token}/")
    assert start.status_code == 200
    page = start.content.decode()
    assert "16 questions" in page and "Ada" not in page and "Lovelace" not in page
    assert start["Cache-Control"].startswith("max-age=0") or "no-store" in start["Cache-Control"]
    assert start["Referrer-Policy"] == "same-origin" and "noindex" in start["X-Robots-Tag"]
    first = person_client.get(f"/q/{token}/1/").content.decode()
    assert "Question 1 of 16" in first and "Life as a whole" in first
    answer_all(person_client, token, MANSA_FULL)
    response = QuestionnaireResponse.objects.get()
    assert ItemResponse.objects.filter(response=response).count() == 16
    review = person_client.get(f"/q/{token}/review/").content.decode()
    assert "Check your answers" in review and "7 - couldn&#x27;t be better" in review
    key = must_match(r'name="idempotency_key" value="([0-9a-f]+)"', review).group(1)
    done = person_client.post(f"/q/{token}/review/", {"idempotency_key": key})
    assert done.status_code == 302 and done["Location"] == "/q/thank-you/"
    again = person_client.post(f"/q/{token}/review/", {"idempotency_key": key})
    assert again.status_code == 302 and again["Location"] == "/q/thank-you/"
    response.refresh_from_db()
    assert QuestionnaireResponse.objects.count() == 1
    assert response.status == "completed" and response.completed_on == timezone.localdate()
    assert response.score == pytest.approx(score("mansa", MANSA_FULL).score)
    assert response.scores == {"objective": [True, False, False, False]}
    thanks = person_client.get("/q/thank-you/").content.decode()
    assert "Thank you" in thanks and "MANSA" not in thanks and "Ada" not in thanks
    # the link is dead now: the same page as any unknown link, and no data
    for path in (f"/q/{token}/", f"/q/{token}/1/", f"/q/{token}/review/"):
        dead = person_client.get(path)
        assert dead.status_code == 410 and "This link cannot be used" in dead.content.decode()
    assert person_client.post(f"/q/{token}/3/", {"action": "answer", "answer": "1"}).status_code == 410


def test_a_double_submit_without_the_key_still_records_one_response(db, world, reachable, cp1_actor, notify_server):
    _, token = send_mansa(notify_server, reachable, cp1_actor)
    person_client = Client()
    answer_all(person_client, token, MANSA_FULL)
    first = person_client.post(f"/q/{token}/review/")
    second = person_client.post(f"/q/{token}/review/")
    assert first["Location"] == second["Location"] == "/q/thank-you/"
    assert QuestionnaireResponse.objects.filter(status="completed").count() == 1
    assert AuditEvent.objects.filter(object_type="questionnaire_response", via="self").count() == 1


def test_the_person_can_stop_and_come_back_to_where_they_left_off(db, world, reachable, cp1_actor, notify_server):
    _, token = send_mansa(notify_server, reachable, cp1_actor)
    Client().post(f"/q/{token}/1/", {"action": "answer", "answer": "5"})
    Client().post(f"/q/{token}/2/", {"action": "skip"})
    later = Client()  # another visit, no cookies: the link is all they need
    page = later.get(f"/q/{token}/").content.decode()
    assert "You have answered 2 of 16" in page and f"/q/{token}/3/" in page
    assert 'value="5" checked' in later.get(f"/q/{token}/1/").content.decode()
    assert dict(ItemResponse.objects.values_list("position", "value")) == {1: 5, 2: None}


def test_an_answer_is_needed_or_an_explicit_skip(db, world, reachable, cp1_actor, notify_server):
    _, token = send_mansa(notify_server, reachable, cp1_actor)
    response = Client().post(f"/q/{token}/1/", {"action": "answer"})
    assert response.status_code == 200
    assert "Select an answer, or choose" in response.content.decode()
    assert not ItemResponse.objects.exists()


def test_an_answer_outside_the_scale_is_refused_with_what_is_allowed(db, world, reachable, cp1_actor,
                                                                    notify_server):
    _, token = send_mansa(notify_server, reachable, cp1_actor)
    response = Client().post(f"/q/{token}/1/", {"action": "answer", "answer": "9"})
    assert "Enter a whole number from 1 to 7" in response.content.decode()
    response = Client().post(f"/q/{token}/13/", {"action": "answer", "answer": "1"})
    assert "Select yes or no" in response.content.decode()
    assert not ItemResponse.objects.exists()


def test_an_expired_link_shows_the_same_page_as_an_unknown_one(db, world, reachable, cp1_actor, notify_server):
    _, token = send_mansa(notify_server, reachable, cp1_actor)
    SelfCompletionLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = Client().get(f"/q/{token}/")
    unknown = Client().get(f"/q/{'x' * 43}/")
    assert expired.status_code == unknown.status_code == 410
    def without_nonce(body: bytes) -> str:
        return re.sub(r'nonce="[^"]+"', "", body.decode())

    assert without_nonce(expired.content) == without_nonce(unknown.content)


def test_a_cancelled_link_cannot_be_used(db, world, reachable, cp1_actor, notify_server):
    sent, token = send_mansa(notify_server, reachable, cp1_actor)
    services.questionnaire_link_cancel(actor=cp1_actor, person_id=reachable.pk, link_id=sent.link.pk)
    assert Client().get(f"/q/{token}/").status_code == 410


def test_an_address_that_keeps_opening_dead_links_is_told_to_wait(db, world, settings):
    settings.PARTNERS = {**settings.PARTNERS, "QUESTIONNAIRE_LINK_MISSES": 3}
    client = Client()
    assert [client.get(f"/q/{'a' * 40}{n}/").status_code for n in range(4)] == [410, 410, 410, 429]


def test_the_persons_completion_is_audited_without_an_account(db, world, reachable, cp1_actor, notify_server):
    _, token = send_mansa(notify_server, reachable, cp1_actor)
    client = Client()
    answer_all(client, token, MANSA_FULL)
    client.post(f"/q/{token}/review/")
    event = AuditEvent.objects.get(object_type="questionnaire_response")
    assert event.via == "self" and event.user_id is None and event.username == services.SELF_USERNAME
    assert event.person_id == reachable.pk and event.detail["person_id"] == reachable.pk
    assert token not in event.path


def test_a_half_answered_mansa_is_stored_with_no_score_and_the_reason(db, world, reachable, cp1_actor,
                                                                     notify_server):
    _, token = send_mansa(notify_server, reachable, cp1_actor)
    client = Client()
    answer_all(client, token, [4, None, None, None] + [4] * 8 + [True, None, None, None])
    client.post(f"/q/{token}/review/")
    response = QuestionnaireResponse.objects.get()
    assert response.score is None and response.missing == 6
    assert "3 of 12 satisfaction items missing" in response.no_score_reason
    assert ItemResponse.objects.filter(response=response).count() == 16


def test_answers_cannot_be_sent_before_any_question_is_answered(db, world, reachable, cp1_actor, notify_server):
    _, token = send_mansa(notify_server, reachable, cp1_actor)
    client = Client()
    client.post(f"/q/{token}/1/", {"action": "skip"})
    response = client.post(f"/q/{token}/review/")
    assert response.status_code == 200 and "Answer at least one question" in response.content.decode()
    assert QuestionnaireResponse.objects.get().status == "in_progress"
    assert client.get(f"/q/{token}/").status_code == 200  # the link still works
