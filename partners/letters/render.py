"""Render a letter: a per-language HTML template -> a tagged, accessible PDF (WeasyPrint, PDF/UA-1).

Templates live in ``<dir>/<language>/<kind>.html``. The built-in directory holds English for every
kind; an organisation that holds licensed translated wording adds a directory to the
``LETTER_TEMPLATE_DIRS`` setting (same layout) and those languages become available. Nothing here
invents a translation: when no template exists for a language, the English letter is produced (and
``available_languages`` tells callers beforehand).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import Context, Engine

from partners.common.identifiers import LANGUAGE_TAG

BUILTIN_DIR = Path(__file__).resolve().parent / "templates" / "letters"
KINDS = ("invitation", "appointment", "person_summary")
DEFAULT_LANGUAGE = "en"

# What each kind needs from its caller; a missing key is named in the error (never a traceback to a user).
REQUIRED: dict[str, tuple[str, ...]] = {
    "invitation": ("person_name", "practice_name", "practice_phone"),
    "appointment": ("person_name", "practice_name", "practice_phone", "appointment_on"),
    "person_summary": ("person_name", "care_partner_name", "crisis_contacts"),
}


class LetterError(ValueError):
    """A letter cannot be made from what was given (unknown kind, bad language tag, missing field)."""


def _template_dirs() -> list[Path]:
    extra: Iterable[str | Path] = getattr(settings, "LETTER_TEMPLATE_DIRS", ()) or ()
    return [Path(d) for d in extra] + [BUILTIN_DIR]


def available_languages(kind: str) -> list[str]:
    """Languages with a template for this kind of letter, English first, then alphabetical."""
    _check_kind(kind)
    found = {d.name for base in _template_dirs() if base.is_dir() for d in base.iterdir()
             if d.is_dir() and (d / f"{kind}.html").is_file() and LANGUAGE_TAG.match(d.name)}
    return sorted(found, key=lambda lang: (lang != DEFAULT_LANGUAGE, lang))


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise LetterError(f"Unknown letter kind {kind!r}: expected one of {', '.join(KINDS)}.")


def resolve_language(kind: str, language: str) -> str:
    """The language the letter will be in: the one asked for when a template exists, else English."""
    if not LANGUAGE_TAG.match(language or ""):
        raise LetterError(f"Language {language!r} is not a language tag such as en, pl or ur.")
    available = available_languages(kind)
    if language in available:
        return language
    primary = language.split("-")[0].lower()
    return primary if primary in available else DEFAULT_LANGUAGE


def _engine() -> Engine:
    return Engine(dirs=[str(d) for d in _template_dirs()], autoescape=True,
                  libraries={"i18n": "django.templatetags.i18n"}, builtins=["django.templatetags.static"])


def letter_html(*, kind: str, context: dict[str, Any], language: str = DEFAULT_LANGUAGE,
                large_print: bool = False) -> str:
    """The letter as HTML (what the PDF is made from; also useful for previews and tests)."""
    _check_kind(kind)
    missing = [key for key in REQUIRED[kind] if context.get(key) in (None, "")]
    if missing:
        raise LetterError(f"The {kind.replace('_', ' ')} letter needs {', '.join(missing)}.")
    lang = resolve_language(kind, language)
    values = {"letter_date": date.today(), **context, "language": lang, "large_print": large_print, "kind": kind}
    return _engine().get_template(f"{lang}/{kind}.html").render(Context(values))


def letter_pdf(*, kind: str, context: dict[str, Any], language: str = DEFAULT_LANGUAGE,
               large_print: bool = False) -> bytes:
    """A tagged PDF (PDF/UA-1: structure tree, marked content, /Lang, title) of the letter."""
    from weasyprint import HTML  # heavy import: only when a letter is made

    html = letter_html(kind=kind, context=context, language=language, large_print=large_print)
    pdf = HTML(string=html, base_url=str(BUILTIN_DIR)).write_pdf(pdf_variant="pdf/ua-1")
    assert pdf is not None
    return bytes(pdf)
