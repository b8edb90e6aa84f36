"""Language and access needs are recorded on the person's record and shown wherever a contact is planned."""

from __future__ import annotations

from typing import Any

from partners.registry.services import person_clean


def _needs(world: Any) -> Any:
    person = world.people["p1"]
    person.preferred_language, person.interpreter_needed, person.interpreter_language = "pl", True, "pl"
    person.communication_needs = ["large_print", "hearing"]
    person.save()
    return person


def test_interpreter_needs_appear_on_the_caseload_row(world: Any, login_as: Any) -> None:
    person = _needs(world)
    html = login_as(world.users["cp1"]).get("/caseload/").content.decode()
    start = html.index(f'href="/people/{person.pk}/"')
    row = html[start:html.index("</tr>", start)]
    assert "Interpreter: Polish" in row and "Large print, Hearing impairment" in row


def test_interpreter_needs_appear_on_the_contact_form(world: Any, login_as: Any) -> None:
    person = _needs(world)
    html = login_as(world.users["cp1"]).get(f"/people/{person.pk}/contact/").content.decode()
    start = html.index('data-testid="access-needs"')
    callout = html[start:html.index("</div>", start)]
    assert "Interpreter needed: Polish" in callout and "Prefers Polish" in callout and "Large print" in callout


def test_the_next_planned_contact_on_the_person_page_says_to_book_an_interpreter(world: Any, login_as: Any) -> None:
    person = _needs(world)
    html = login_as(world.users["cp1"]).get(f"/people/{person.pk}/").content.decode()
    assert 'data-testid="plan-interpreter">Book an interpreter: Polish' in html
    assert "Large print, Hearing impairment" in html


def test_people_without_needs_show_no_callout(world: Any, login_as: Any) -> None:
    html = login_as(world.users["cp1"]).get(f"/people/{world.people['p1'].pk}/contact/").content.decode()
    assert 'data-testid="access-needs"' not in html


def test_the_record_form_edits_language_and_access_needs(world: Any, login_as: Any) -> None:
    from partners.registry.forms import PersonForm

    person = world.people["p1"]
    form = PersonForm()
    for name in ("preferred_language", "interpreter_needed", "interpreter_language", "communication_needs"):
        assert name in form.fields
    client = login_as(world.users["cp1"])
    page = client.get(f"/people/{person.pk}/edit/").content.decode()
    assert "Communication and access needs" in page and "Interpreter&#x27;s language" in page


def test_a_language_that_is_not_a_language_code_is_named_in_the_error() -> None:
    try:
        person_clean({"preferred_language": "Polish!", "interpreter_language": "u r"}, partial=True)
    except Exception as exc:  # ValidationError
        messages = exc.message_dict  # type: ignore[attr-defined]
    else:
        raise AssertionError("expected a validation error")
    assert messages == {
        "preferred_language": ["Preferred language 'Polish!' is not a language code such as en, pl, ur or bsl."],
        "interpreter_language": ["Interpreter's language 'u r' is not a language code such as en, pl, ur or bsl."]}
