from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from partners.audit.actor import Actor
from partners.common.decorators import role_required
from partners.common.types import AuthedRequest
from partners.letters.render import letter_pdf
from partners.letters.selectors import LETTER_ROLES, person_letter

FILENAMES = {"person_summary": "care-summary", "appointment": "appointment-letter"}


@role_required(*LETTER_ROLES)
@require_GET
def person_letter_pdf(request: AuthedRequest, person_id: int, kind: str) -> HttpResponse:
    """Download a person's care summary or appointment letter (scoped, audited as an export)."""
    person, context, language, large_print = person_letter(actor=Actor.from_request(request), person_id=person_id,
                                                           kind=kind)
    if "large_print" in request.GET:
        large_print = request.GET["large_print"] == "1"
    pdf = letter_pdf(kind=kind, context=context, language=language, large_print=large_print)
    response = HttpResponse(pdf, content_type="application/pdf")
    suffix = "-large-print" if large_print else ""
    response["Content-Disposition"] = f'attachment; filename="{FILENAMES[kind]}-{person.pk}{suffix}.pdf"'
    return response  # no-store, like every answer (common.middleware)
