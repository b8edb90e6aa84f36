"""Accessible PDF letters: invitation, appointment and a one-page person summary.

Public API (other apps call it; keep it exactly)::

    from partners.letters import letter_pdf, available_languages
    pdf: bytes = letter_pdf(kind="invitation", context={...}, language="en", large_print=False)
    available_languages("invitation") -> ["en", ...]

Every letter is a tagged PDF (PDF/UA-1 variant: structure tree, ``/MarkInfo /Marked true``), with the
document language (``/Lang``) and title set, in logical reading order (the HTML order). See docs/voice.md.
"""

from __future__ import annotations

from partners.letters.render import KINDS, LetterError, available_languages, letter_html, letter_pdf

__all__ = ["KINDS", "LetterError", "available_languages", "letter_html", "letter_pdf"]
