"""The letters section of the person page: links to download the care summary and appointment letter.

No queries of its own: it reuses the care bundle the care sections already fetched (``person_care``)."""

from __future__ import annotations

from typing import Any

from partners.audit.actor import Actor
from partners.care.selectors import person_care
from partners.letters.render import available_languages
from partners.letters.selectors import LETTER_ROLES, language_name, wants_large_print
from partners.registry.models import Person


def letters(actor: Actor, person: Person) -> dict[str, Any] | None:
    if actor.user.role not in LETTER_ROLES:
        return None
    care = person_care(actor, person)
    episode = care.episode
    in_summary = available_languages("person_summary")  # the only kind offered in other languages here
    wanted = person.preferred_language or "en"
    return {
        "template": "letters/sections/letters.html",
        "has_appointment": bool(episode and episode.is_open and episode.next_contact_on),
        "large_print": wants_large_print(person),
        "language_name": language_name(wanted),
        "in_language": wanted in in_summary or wanted.split("-")[0] in in_summary,
        "wanted": wanted,
    }
