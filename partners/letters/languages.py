"""Language tags shown as names: 'pl' -> 'Polish', 'bsl' -> 'British Sign Language'."""

from __future__ import annotations

from django.conf.locale import LANG_INFO

EXTRA_NAMES = {"bsl": "British Sign Language", "pa": "Punjabi", "so": "Somali", "ti": "Tigrinya", "ps": "Pashto",
               "ku": "Kurdish", "gu": "Gujarati", "yue": "Cantonese", "cmn": "Mandarin", "sgn": "Sign language"}


def language_name(tag: str) -> str:
    """The English name of a language tag; an unknown tag (or a name typed in full) is shown as given."""
    if not tag:
        return ""
    primary = tag.split("-")[0].lower()
    if tag.lower() in EXTRA_NAMES or primary in EXTRA_NAMES:
        return EXTRA_NAMES.get(tag.lower()) or EXTRA_NAMES[primary]
    info = LANG_INFO.get(tag) or LANG_INFO.get(primary)
    return str(info["name"]) if info and "name" in info else tag
