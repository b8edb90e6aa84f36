"""Staff download a person's care summary and appointment letter from the person page: scoped and audited."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from partners.audit.models import AuditEvent
from partners.care.models import Goal, Service


def _pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_the_care_partner_downloads_a_care_summary_with_goals_and_crisis_numbers(world: Any, login_as: Any) -> None:
    person, episode = world.people["p1"], world.episodes["p1"]
    Goal.objects.create(episode=episode, person=person, life_area="leisure", words="Swim once a week",
                        steps="Find the pool times", agreed_on=episode.started_on)
    Service.objects.create(name="Synthetic Crisis Line", kind=Service.Kind.CRISIS, phone="0100 111 2222")
    response = login_as(world.users["cp1"]).get(f"/people/{person.pk}/letters/person_summary.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "Swim once a week" in text and "Synthetic Crisis Line" in text and "111" in text
    assert "Cp1 Tester" in text
    event = AuditEvent.objects.get(action="export", person_id=person.pk)
    assert event.object_type == "letter:person_summary"


def test_the_appointment_letter_names_the_next_contact_and_the_interpreter(world: Any, login_as: Any) -> None:
    person = world.people["p1"]
    person.interpreter_needed, person.interpreter_language = True, "pl"
    person.save()
    response = login_as(world.users["cp1"]).get(f"/people/{person.pk}/letters/appointment.pdf")
    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert world.episodes["p1"].next_contact_on.strftime("%-d %B %Y") in text
    assert "Polish" in text


def test_a_recorded_large_print_need_gives_large_print_by_default(world: Any, login_as: Any) -> None:
    person = world.people["p1"]
    person.communication_needs = ["large_print"]
    person.save()
    response = login_as(world.users["cp1"]).get(f"/people/{person.pk}/letters/person_summary.pdf")
    assert "large-print" in response["Content-Disposition"]


def test_someone_out_of_scope_gets_not_found_and_nothing_is_exported(world: Any, login_as: Any) -> None:
    person = world.people["p2"]  # Practice B: not visible to practice A's staff
    response = login_as(world.users["practice_a"]).get(f"/people/{person.pk}/letters/person_summary.pdf")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="export", person_id=person.pk).exists()


def test_an_unknown_letter_is_not_found(world: Any, login_as: Any) -> None:
    response = login_as(world.users["cp1"]).get(f"/people/{world.people['p1'].pk}/letters/invitation.pdf")
    assert response.status_code == 404


def test_the_person_page_links_to_the_letters(world: Any, login_as: Any) -> None:
    response = login_as(world.users["cp1"]).get(f"/people/{world.people['p1'].pk}/")
    body = response.content.decode()
    assert 'data-testid="summary-pdf"' in body and 'data-testid="appointment-pdf"' in body


def test_the_letters_section_costs_no_queries_of_its_own(world: Any, django_assert_num_queries: Any) -> None:
    from partners.care.selectors import person_care
    from partners.conftest import actor_for
    from partners.letters.sections import letters

    actor, person = actor_for(world.users["cp1"]), world.people["p1"]
    person_care(actor, person)  # the care sections above it fetched this already
    with django_assert_num_queries(0):
        section = letters(actor, person)
    assert section is not None and section["has_appointment"]
