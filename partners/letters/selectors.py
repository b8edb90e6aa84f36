"""What goes into a person's letters, read in scope and audited (the download itself is audited as an export)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record
from partners.care.models import Service
from partners.care.selectors import person_care
from partners.letters.languages import language_name
from partners.letters.render import resolve_language
from partners.registry.models import CommunicationNeed, Person
from partners.registry.selectors import service_user_get

# Downloadable from the person page (the invitation is made by case-finding outreach, not here).
PERSON_PAGE_KINDS = ("person_summary", "appointment")
LETTER_ROLES = (Role.CARE_PARTNER, Role.SUPERVISOR, Role.PRACTICE_STAFF, Role.ADMINISTRATOR)

# Nationally published routes, the same everywhere in England (local crisis lines come from the directory).
NATIONAL_CRISIS_CONTACTS = [
    {"name": "NHS 111, choose the mental health option", "phone": "111", "when": "any time, day or night"},
    {"name": "Emergency services, if your life or someone else's is in danger", "phone": "999", "when": "any time"},
]


def address_lines(address: str | None, postcode: str) -> list[str]:
    """An address as a letter's lines (split on new lines and commas), with the postcode last if missing."""
    lines = [part.strip() for part in (address or "").replace("\n", ",").split(",") if part.strip()]
    if postcode and postcode not in lines:
        lines.append(postcode)
    return lines


def wants_large_print(person: Person | None) -> bool:
    return bool(person and CommunicationNeed.LARGE_PRINT in (person.communication_needs or []))


def letter_context(*, person: Person, care: Any, kind: str) -> dict[str, Any]:
    """The context ``letter_pdf`` needs for one person (no queries beyond those already made)."""
    episode = care.episode if care is not None else None
    practice = person.practice
    partner = episode.care_partner if episode is not None and episode.care_partner_id else None
    context: dict[str, Any] = {
        "person_name": person.full_name,
        "salutation": person.preferred_name or person.full_name,
        "address_lines": address_lines(person.address, person.postcode),
        "nhs_number": person.display_nhs_number if person.nhs_number else "",
        "practice_name": practice.name,
        "practice_address_lines": address_lines(practice.address, practice.postcode),
        "practice_phone": practice.phone or "your GP practice",
        "care_partner_name": partner.get_full_name() if partner else "Not yet assigned",
        "interpreter_language": language_name(person.interpreter_language) if person.interpreter_needed else "",
    }
    if episode is not None and episode.is_open:
        context["next_contact_on"] = episode.next_contact_on
        context["next_contact_mode"] = _mode_label(episode.last_contact_mode)
        context["appointment_on"] = episode.next_contact_on
        context["mode"] = _mode_label(episode.last_contact_mode)
        context["goals"] = [{"words": g.goal.words, "steps": g.goal.steps} for g in care.active_goals]
    else:
        context["goals"] = []
    return context


def _mode_label(mode: str) -> str:
    from partners.care.models import ContactMode

    return str(dict(ContactMode.choices).get(mode, "")) if mode else ""


def person_letter(*, actor: Actor, person_id: int, kind: str) -> tuple[Person, dict[str, Any], str, bool]:
    """The person, the letter's context, its language and whether large print, for a download.

    Out of scope -> 404 (via ``service_user_get``); the download is audited as an export of the record."""
    if kind not in PERSON_PAGE_KINDS or actor.user.role not in LETTER_ROLES:
        raise Http404("No such letter.")
    person = service_user_get(actor=actor, person_id=person_id)
    care = person_care(actor, person, timeline_limit=0)
    context = letter_context(person=person, care=care, kind=kind)
    if kind == "appointment" and not context.get("appointment_on"):
        raise Http404("No contact is planned, so there is no appointment letter.")
    if kind == "person_summary":
        local = [{"name": s.name, "phone": s.phone, "when": ""} for s in
                 Service.objects.filter(kind=Service.Kind.CRISIS, is_active=True).exclude(phone="")
                 .filter(area__in=["", person.practice.region]).order_by("name")[:3]]
        context["crisis_contacts"] = local + NATIONAL_CRISIS_CONTACTS
    language = resolve_language(kind, person.preferred_language or "en")
    large_print = wants_large_print(person)
    audit_record(actor=actor, action=Action.EXPORT, person_id=person.pk, object_type=f"letter:{kind}",
                 object_id=person.pk, detail={"language": language})
    return person, context, language, large_print

