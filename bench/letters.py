"""Letter generation time: accessible PDFs (WeasyPrint, PDF/UA-1) per kind, regular and large print.

An outreach run prints an invitation for every person in the gap at a practice (hundreds), so the time per
letter says how long a practice's batch takes on one core. Synthetic context; no database needed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date
from typing import Any

CONTEXT: dict[str, Any] = {
    "person_name": "Alex Testperson", "address_lines": ["1 Synthetic Street", "Testtown", "ZZ99 9ZZ"],
    "practice_name": "Synthetic Surgery", "practice_phone": "0100 000 0000", "reference": "INV-1",
    "letter_date": date(2026, 11, 23), "appointment_on": date(2026, 12, 1), "care_partner_name": "Casey Partner",
    "goals": [{"words": "Walk to the park each week", "steps": "Start with Saturdays"}] * 3,
    "crisis_contacts": [{"name": "NHS 111, mental health option", "phone": "111", "when": "any time"}],
}


def run(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partners.settings")
    import django

    django.setup()
    from partners.letters import letter_pdf

    n = 3 if args.quick else 20
    letter_pdf(kind="invitation", context=CONTEXT)  # warm-up: fonts and imports
    figures: dict[str, Any] = {"letters_per_kind": n}
    for kind in ("invitation", "appointment", "person_summary"):
        for large in (False, True):
            times = []
            size = 0
            for _ in range(n):
                started = time.perf_counter()
                size = len(letter_pdf(kind=kind, context=CONTEXT, large_print=large))
                times.append(time.perf_counter() - started)
            key = f"{kind}{'_large_print' if large else ''}"
            figures[f"{key}_median_seconds"] = round(statistics.median(times), 3)
            figures[f"{key}_bytes"] = size
    return figures


def summary(figures: dict[str, Any]) -> list[str]:
    return [f"- {k.replace('_median_seconds', '')}: {v} s per letter (median of {figures['letters_per_kind']})"
            for k, v in figures.items() if k.endswith("_median_seconds")]
