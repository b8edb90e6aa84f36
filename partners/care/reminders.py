"""Reminders of planned contacts to people who opted in (SMS and/or email), through GOV.UK Notify.

Run daily (``partners reminders send``). A person whose next planned contact falls in the next
``days_before`` days (not today: too late to help) gets one reminder per channel they agreed to, for
that date. ``ContactReminder`` makes it idempotent: never twice for the same date and channel, however
often the command runs, and concurrent runs cannot both send (the row is locked while sending). A
failure is recorded and retried on a later run, up to ``MAX_ATTEMPTS``. A contact moved to a new date
gets a reminder for the new date. The message says nothing clinical: a name, a date, who will be in touch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from partners.care.models import OPEN_PHASES, ContactReminder, Episode, Phase
from partners.common import notify

DEFAULT_DAYS_BEFORE = 2
MAX_ATTEMPTS = 3
TEMPLATES = {"sms": "contact_reminder_sms", "email": "contact_reminder_email"}


@dataclass
class ReminderRun:
    on: date
    window: tuple[date, date]
    sent: int = 0
    recorded: int = 0
    failed: int = 0
    already_sent: int = 0
    gave_up: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.on.isoformat(), "window": [d.isoformat() for d in self.window], "sent": self.sent,
                "recorded": self.recorded, "failed": self.failed, "already_sent": self.already_sent,
                "gave_up": self.gave_up, "errors": self.errors}


def due_reminders(*, on: date, days_before: int = DEFAULT_DAYS_BEFORE) -> list[tuple[Episode, str, str]]:
    """(episode, channel, recipient) for every reminder due on ``on`` (sent or not yet)."""
    first, last = on + timedelta(days=1), on + timedelta(days=days_before)
    episodes = (Episode.objects.filter(phase__in=OPEN_PHASES, next_contact_on__gte=first, next_contact_on__lte=last,
                                       person__date_of_death__isnull=True)
                .exclude(phase=Phase.INVITED)
                .select_related("person", "care_partner").order_by("next_contact_on", "pk"))
    due = []
    for episode in episodes:
        person = episode.person
        if person.sms_opt_in and person.phone:
            due.append((episode, "sms", person.phone))
        if person.email_opt_in and person.email:
            due.append((episode, "email", person.email))
    return due


def _personalisation(episode: Episode) -> dict[str, str]:
    person, cp = episode.person, episode.care_partner
    assert episode.next_contact_on is not None
    return {
        "name": person.preferred_name or person.given_name,
        "date": episode.next_contact_on.strftime("%A %-d %B"),
        "care_partner": (cp.first_name or cp.get_full_name() or "your Care Partner") if cp else "your Care Partner",
    }


def reminders_send(*, on: date, days_before: int = DEFAULT_DAYS_BEFORE) -> ReminderRun:
    if days_before < 1:
        raise ValueError(f"days_before must be 1 or more, not {days_before}")
    run = ReminderRun(on=on, window=(on + timedelta(days=1), on + timedelta(days=days_before)))
    for episode, channel, recipient in due_reminders(on=on, days_before=days_before):
        contact_on = episode.next_contact_on
        assert contact_on is not None
        try:
            with transaction.atomic():
                reminder, _ = ContactReminder.objects.select_for_update().get_or_create(
                    episode=episode, contact_on=contact_on, channel=channel,
                    defaults={"person_id": episode.person_id, "status": ContactReminder.Status.FAILED})
                if reminder.status in (ContactReminder.Status.SENT, ContactReminder.Status.RECORDED):
                    run.already_sent += 1
                    continue
                if reminder.attempts >= MAX_ATTEMPTS:
                    run.gave_up += 1
                    continue
                reminder.attempts += 1
                try:
                    sent = notify.send(channel=channel, recipient=recipient, template=TEMPLATES[channel],
                                       personalisation=_personalisation(episode), purpose="contact_reminder",
                                       person_id=episode.person_id,
                                       reference=f"contact-reminder-{episode.pk}-{contact_on}-{channel}")
                except notify.NotifyError as exc:
                    reminder.status, reminder.error = ContactReminder.Status.FAILED, str(exc)[:300]
                    run.failed += 1
                    run.errors.append(f"episode {episode.pk} {channel}: {exc}")
                else:
                    delivered = sent.delivered_to_notify
                    reminder.status = ContactReminder.Status.SENT if delivered else ContactReminder.Status.RECORDED
                    reminder.message_id, reminder.error = sent.message.pk, ""
                    if delivered:
                        run.sent += 1
                    else:
                        run.recorded += 1
                reminder.save()
        except IntegrityError:  # another run created the same reminder at the same moment: it sends it
            run.already_sent += 1
    return run
