from __future__ import annotations

import pytest

from partners.common import notify
from partners.common.models import OutboundMessage


def test_an_sms_goes_to_notify_signed_and_is_recorded(db, notify_server):
    sent = notify.send(channel="sms", recipient="07700900123", template="contact_reminder_sms",
                       personalisation={"date": "1 December"}, purpose="contact_reminder", person_id=42)
    assert sent.delivered_to_notify
    assert notify_server.received[0]["phone_number"] == "07700900123"
    assert notify_server.received[0]["personalisation"] == {"date": "1 December"}
    record = OutboundMessage.objects.get()
    assert record.notify_id == notify_server.received[0]["id"] and record.person_id == 42


def test_an_email_goes_to_notify(db, notify_server):
    notify.send(channel="email", recipient="someone@example.com", template="t", personalisation={},
                purpose="questionnaire_link")
    assert notify_server.received[0]["email_address"] == "someone@example.com"


def test_a_refusal_from_notify_is_a_clear_error_and_recorded_as_failed(db, notify_server):
    notify_server.fail_next.append((400, "phone_number Not a UK mobile number"))
    with pytest.raises(notify.NotifyError, match="Not a UK mobile number"):
        notify.send(channel="sms", recipient="0123", template="t", personalisation={}, purpose="x")
    assert OutboundMessage.objects.get().status == OutboundMessage.Status.FAILED


def test_a_wrong_api_key_is_refused_by_notify(db, notify_server, settings):
    settings.NOTIFY_API_KEY = "bad-" + "1" * 36 + "-" + "2" * 36
    with pytest.raises(notify.NotifyError, match="403"):
        notify.send(channel="sms", recipient="07700900123", template="t", personalisation={}, purpose="x")


def test_without_notify_configured_the_message_is_recorded_not_sent(db, settings):
    settings.NOTIFY_API_KEY = ""
    sent = notify.send(channel="sms", recipient="07700900123", template="t", personalisation={}, purpose="x")
    assert not sent.delivered_to_notify
    assert sent.message.status == OutboundMessage.Status.RECORDED


def test_an_unreachable_notify_is_a_clear_error(db, settings):
    settings.NOTIFY_API_KEY = "partners_test-7c3b7b0e-5f4a-4d8e-9a2b-1d2c3e4f5a6b-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    settings.NOTIFY_BASE_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    with pytest.raises(notify.NotifyError, match="could not be reached"):
        notify.send(channel="sms", recipient="07700900123", template="t", personalisation={}, purpose="x")
