"""Letters are accessible PDFs: tagged, language and title set, readable in order, with a large-print variant."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from partners.letters import LetterError, available_languages, letter_html, letter_pdf

INVITATION = {
    "person_name": "Alex Testperson", "address_lines": ["1 Synthetic Street", "Testtown", "ZZ99 9ZZ"],
    "practice_name": "Synthetic Surgery", "practice_phone": "0100 000 0000", "reference": "INV-1",
    "letter_date": date(2026, 11, 23),
}
APPOINTMENT = {**INVITATION, "appointment_on": date(2026, 12, 1), "appointment_time": "10:30",
               "mode": "Face to face", "place": "Synthetic Surgery", "care_partner_name": "Casey Partner",
               "interpreter_language": "Polish"}
SUMMARY = {
    "person_name": "Alex Testperson", "care_partner_name": "Casey Partner", "practice_name": "Synthetic Surgery",
    "practice_phone": "0100 000 0000", "next_contact_on": date(2026, 12, 1), "next_contact_mode": "Telephone",
    "goals": [{"words": "Walk to the park each week", "steps": "Start with Saturdays"}],
    "crisis_contacts": [{"name": "NHS 111", "phone": "111, option 2", "when": "any time"}],
}


def _root(pdf: bytes) -> Any:
    return PdfReader(io.BytesIO(pdf)).trailer["/Root"]


def _title(pdf: bytes) -> str | None:
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    return metadata.title if metadata else None


def _roles(pdf: bytes) -> set[str]:
    """The structure types used in the PDF's structure tree (H1, P, L, LI, Table...)."""
    found: set[str] = set()

    def walk(node: Any, depth: int = 0) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if depth > 50:
            return
        if isinstance(node, list):
            for child in node:
                walk(child, depth + 1)
        elif isinstance(node, dict):
            if "/S" in node:
                found.add(str(node["/S"]).lstrip("/"))
            if "/K" in node:
                walk(node["/K"], depth + 1)

    walk(_root(pdf)["/StructTreeRoot"])
    return found


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _font_sizes(pdf: bytes) -> list[float]:
    sizes: list[float] = []

    def visit(text: str, cm: Any, tm: Any, font_dict: Any, font_size: float) -> None:
        if text.strip():
            sizes.append(abs(font_size * tm[0] * cm[0]) if tm[0] and cm[0] else font_size)

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return sizes


@pytest.mark.parametrize("kind,context", [("invitation", INVITATION), ("appointment", APPOINTMENT),
                                          ("person_summary", SUMMARY)])
def test_every_letter_is_a_tagged_pdf_with_language_and_title(kind: str, context: dict[str, Any]) -> None:
    pdf = letter_pdf(kind=kind, context=context)
    root = _root(pdf)
    assert "/StructTreeRoot" in root
    assert root["/StructTreeRoot"].get_object()["/K"]  # the tree has content
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/Lang"] == "en"
    assert _title(pdf)
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert {"H1", "H2", "P"} <= _roles(pdf)  # headings and paragraphs are tagged as such


def test_the_invitation_reads_in_logical_order_and_explains_opting_out() -> None:
    text = _text(letter_pdf(kind="invitation", context=INVITATION))
    order = ["Synthetic Surgery", "Alex Testperson", "23 November 2026", "Invitation to meet a Care Partner",
             "What a Care Partner does", "What to do next", "You do not have to take part",
             "will not change the care", "Yours sincerely"]
    positions = [text.index(phrase) for phrase in order]
    assert positions == sorted(positions)


def test_the_pdf_title_names_the_letter() -> None:
    assert _title(letter_pdf(kind="appointment", context=APPOINTMENT)) == "Your appointment with your Care Partner"
    text = _text(letter_pdf(kind="appointment", context=APPOINTMENT))
    assert "Tuesday 1 December 2026" in text and "Polish" in text


def test_the_person_summary_puts_who_to_call_in_a_crisis_before_goals() -> None:
    text = _text(letter_pdf(kind="person_summary", context=SUMMARY))
    assert text.index("Who to call in a crisis") < text.index("My next contact") < text.index("My goals")
    assert "Walk to the park each week" in text and "111, option 2" in text
    assert len(PdfReader(io.BytesIO(letter_pdf(kind="person_summary", context=SUMMARY))).pages) == 1
    assert {"L", "LI"} <= _roles(letter_pdf(kind="person_summary", context=SUMMARY))  # lists stay lists


def test_the_large_print_variant_uses_at_least_16_point_text() -> None:
    regular = _font_sizes(letter_pdf(kind="invitation", context=INVITATION))
    large = _font_sizes(letter_pdf(kind="invitation", context=INVITATION, large_print=True))
    assert min(regular) < 16
    body = sorted(large)[len(large) // 10:]  # leave out the page-number footer
    assert min(body) >= 16


def test_english_is_always_available_and_comes_first() -> None:
    for kind in ("invitation", "appointment", "person_summary"):
        assert available_languages(kind)[0] == "en"


def test_a_language_without_a_template_gets_the_english_letter_with_english_lang() -> None:
    assert _root(letter_pdf(kind="invitation", context=INVITATION, language="pl"))["/Lang"] == "en"


def test_an_organisations_template_directory_adds_a_language(tmp_path: Path, settings: Any) -> None:
    # SYNTHETIC test translation: "qaa" is the ISO 639 code reserved for local use; the wording is not real.
    (tmp_path / "qaa").mkdir()
    (tmp_path / "qaa" / "invitation.html").write_text(
        '{% extends "_base.html" %}{% block title %}SYNTHETIC TEST TRANSLATION{% endblock %}'
        "{% block body %}<h1>SYNTHETIC TEST TRANSLATION</h1><p>{{ person_name }}</p>{% endblock %}")
    settings.LETTER_TEMPLATE_DIRS = [str(tmp_path)]
    assert available_languages("invitation") == ["en", "qaa"]
    assert available_languages("appointment") == ["en"]
    pdf = letter_pdf(kind="invitation", context=INVITATION, language="qaa")
    assert _root(pdf)["/Lang"] == "qaa"
    assert _title(pdf) == "SYNTHETIC TEST TRANSLATION"


def test_bad_requests_are_named_clearly() -> None:
    with pytest.raises(LetterError, match="Unknown letter kind 'poster'"):
        letter_pdf(kind="poster", context={})
    with pytest.raises(LetterError, match="needs appointment_on"):
        letter_pdf(kind="appointment", context=INVITATION)
    with pytest.raises(LetterError, match="not a language tag"):
        letter_pdf(kind="invitation", context=INVITATION, language="../etc")


def test_names_are_escaped_not_interpreted_as_markup() -> None:
    html = letter_html(kind="invitation", context={**INVITATION, "person_name": "<b>Alex</b>"})
    assert "&lt;b&gt;Alex&lt;/b&gt;" in html
