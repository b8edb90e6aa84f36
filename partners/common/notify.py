"""Messages to people by SMS, email or letter through GOV.UK Notify (notifications-python-client).

The API key comes from ``NOTIFY_API_KEY`` and the base URL from ``NOTIFY_BASE_URL`` (tests point it at
the Notify-compatible stand-in in ``common/notify_standin.py``). Template ids come from
``NOTIFY_TEMPLATES`` (settings, from ``NOTIFY_TEMPLATE_<NAME>`` environment variables). Without an API key
(the demo) a message is recorded in ``OutboundMessage`` and not sent, and the caller is told so.
Every message, sent or not, is recorded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from partners.common.models import OutboundMessage

logger = logging.getLogger("partners.notify")


class NotifyError(Exception):
    """Notify refused or could not be reached; the message says why in words a user can act on."""


@dataclass(frozen=True)
class Sent:
    message: OutboundMessage

    @property
    def delivered_to_notify(self) -> bool:
        return self.message.status == OutboundMessage.Status.SENT


def configured() -> bool:
    return bool(settings.NOTIFY_API_KEY)


def template_id(name: str) -> str:
    templates: dict[str, str] = getattr(settings, "NOTIFY_TEMPLATES", {})
    return templates.get(name) or name


def _client() -> Any:
    from notifications_python_client.notifications import NotificationsAPIClient

    return NotificationsAPIClient(settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL, timeout=10)


def send(*, channel: str, recipient: str, template: str, personalisation: dict[str, Any], purpose: str,
         person_id: int | None = None, reference: str = "", sent_by_id: int | None = None) -> Sent:
    """Send one message (or record it when Notify is not configured). Raises NotifyError on failure."""
    record = OutboundMessage(person_id=person_id, channel=channel, purpose=purpose, template=template,
                             recipient=recipient, personalisation=personalisation, reference=reference,
                             sent_by_id=sent_by_id)
    if not recipient:
        raise NotifyError(f"There is no {dict(OutboundMessage.Channel.choices)[channel].lower()} address to send to.")
    if not configured():
        record.status = OutboundMessage.Status.RECORDED
        record.save()
        return Sent(record)
    from notifications_python_client.errors import HTTPError

    try:
        client = _client()
        tid = template_id(template)
        if channel == OutboundMessage.Channel.SMS:
            result = client.send_sms_notification(phone_number=recipient, template_id=tid,
                                                  personalisation=personalisation, reference=reference or None)
        elif channel == OutboundMessage.Channel.EMAIL:
            result = client.send_email_notification(email_address=recipient, template_id=tid,
                                                    personalisation=personalisation, reference=reference or None)
        else:
            result = client.send_letter_notification(template_id=tid, personalisation=personalisation,
                                                     reference=reference or None)
    except HTTPError as exc:
        messages = exc.message if isinstance(exc.message, list) else [exc.message]
        detail = "; ".join(str(m.get("message", m)) if isinstance(m, dict) else str(m) for m in messages)
        record.status, record.error = OutboundMessage.Status.FAILED, f"{exc.status_code}: {detail}"[:300]
        record.save()
        if exc.status_code >= 500:  # the client reports network failures as 503 "Request failed"
            raise NotifyError("GOV.UK Notify could not be reached. Try again in a few minutes.") from None
        raise NotifyError(f"GOV.UK Notify refused the message ({exc.status_code}): {detail}") from None
    except Exception as exc:  # network failure, timeout
        logger.warning("Notify unreachable: %s", exc)
        record.status, record.error = OutboundMessage.Status.FAILED, str(exc)[:300]
        record.save()
        raise NotifyError("GOV.UK Notify could not be reached. Try again in a few minutes.") from None
    record.status = OutboundMessage.Status.SENT
    record.notify_id = str(result.get("id", ""))
    record.save()
    return Sent(record)
