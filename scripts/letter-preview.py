"""Render page 1 of a sample (synthetic) letter to PNG, e.g. for the docs.

    .venv/bin/python scripts/letter-preview.py invitation docs/images/letter-invitation.png [--large-print]

Uses pypdfium2 (a dev dependency) to rasterise the same PDF ``partners.letters.letter_pdf`` returns."""

from __future__ import annotations

import os
import sys
from datetime import date


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partners.settings")
    import django

    django.setup()
    import pypdfium2 as pdfium

    from partners.letters import letter_pdf

    kind, out = argv[0], argv[1]
    context = {
        "person_name": "Alex Testperson (synthetic)", "address_lines": ["1 Synthetic Street", "Testtown", "ZZ99 9ZZ"],
        "practice_name": "Synthetic Surgery", "practice_address_lines": ["2 Example Road", "Testtown", "ZZ99 8ZZ"],
        "practice_phone": "0100 000 0000", "reference": "INV-0001", "letter_date": date(2026, 11, 23),
        "reply_by": date(2026, 12, 14), "care_partner_name": "Casey Partner",
        "appointment_on": date(2026, 12, 1), "appointment_time": "10:30", "mode": "Face to face",
        "place": "Synthetic Surgery", "next_contact_on": date(2026, 12, 1), "next_contact_mode": "Face to face",
        "goals": [{"words": "Walk to the park each week", "steps": "Start with Saturdays, with my sister"},
                  {"words": "Sleep better", "steps": "Keep a sleep diary for two weeks"}],
        "crisis_contacts": [{"name": "NHS 111, choose the mental health option", "phone": "111", "when": "any time"},
                            {"name": "Emergency services", "phone": "999", "when": "if life is in danger"}],
    }
    pdf = letter_pdf(kind=kind, context=context, large_print="--large-print" in argv)
    page = pdfium.PdfDocument(pdf)[0]
    page.render(scale=1.5).to_pil().save(out)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
