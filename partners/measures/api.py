"""``/api/v1/service-users/{id}/questionnaire-responses``: list and create (the server scores with the engine)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, NinjaAPI, Router, Schema, Status

from partners.api.paging import page_limit, page_offset
from partners.audit.actor import Actor
from partners.measures import selectors, services
from partners.measures.models import CollectionMode, QuestionnaireResponse

router = Router(tags=["questionnaire responses"])


class QuestionnaireResponseIn(Schema):
    instrument: str = Field(description="mansa, wemwbs, swemwbs, qpr15, icecap-a, eq-5d-5l, brief-inspire, tus, "
                                        "phq9 or gad7", examples=["mansa"])
    responses: list[Any] = Field(
        description="One per item in the instrument's item order (`partners measures list`); null = not answered. "
                    "Types are strict: integers for numbered items, true/false for yes/no items, numbers for hours.",
        examples=[[4, 5, 6, 3, 4, 5, 6, 7, 2, None, 4, 5, True, False, None, False]])
    completed_on: date | None = Field(None, description="Defaults to today; never in the future.")
    point: str = Field(QuestionnaireResponse.Point.AD_HOC, description="baseline, review, end or ad_hoc")
    mode: str = Field(CollectionMode.STAFF, description="staff or interpreter")
    language: str = Field("en", max_length=35)
    value_set: str | None = Field(None, description="EQ-5D-5L value set (default uk-2026)")


class QuestionnaireResponseOut(Schema):
    id: int
    person_id: int
    episode_id: int | None
    instrument: str
    instrument_version: str
    point: str
    mode: str
    language: str
    completed_on: date | None
    score: float | None
    scores: dict[str, Any]
    missing: int
    prorated: bool
    value_set: str | None
    scoring_rule: str
    no_score_reason: str | None
    flags: list[str]
    responses: list[Any] = Field(description="The stored answers, item by item, in item order.")
    entered_by: str | None
    created_at: datetime

    @staticmethod
    def resolve_responses(obj: QuestionnaireResponse) -> list[Any]:
        return selectors.response_values(obj)

    @staticmethod
    def resolve_entered_by(obj: QuestionnaireResponse) -> str | None:
        return obj.entered_by.username if obj.entered_by_id and obj.entered_by else None

    @staticmethod
    def resolve_value_set(obj: QuestionnaireResponse) -> str | None:
        return obj.value_set or None

    @staticmethod
    def resolve_no_score_reason(obj: QuestionnaireResponse) -> str | None:
        return obj.no_score_reason or None


class ErrorOut(Schema):
    detail: Any


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, via="api", user=request.auth)  # type: ignore[attr-defined]


@router.get("/{int:person_id}/questionnaire-responses", response={200: list[QuestionnaireResponseOut], 404: ErrorOut},
            summary="A person's completed questionnaires, newest first")
def list_responses(request: HttpRequest, person_id: int, instrument: str = "", limit: int = 100,
                   offset: int = 0) -> Any:
    return selectors.questionnaire_responses_list(actor=_actor(request), person_id=person_id,
                                                  instrument=instrument or None, limit=page_limit(limit),
                                                  offset=page_offset(offset))


@router.post("/{int:person_id}/questionnaire-responses",
             response={201: QuestionnaireResponseOut, 404: ErrorOut, 422: ErrorOut},
             summary="Record a completed questionnaire; the server scores it",
             openapi_extra={"parameters": [{"in": "header", "name": "Idempotency-Key", "required": False,
                                            "schema": {"type": "string", "maxLength": 255}}]})
def create_response(request: HttpRequest, person_id: int, payload: QuestionnaireResponseIn) -> Any:
    response = services.questionnaire_response_create(
        actor=_actor(request), person_id=person_id, instrument=payload.instrument, responses=payload.responses,
        completed_on=payload.completed_on, point=payload.point, mode=payload.mode, language=payload.language,
        value_set=payload.value_set)
    response = QuestionnaireResponse.objects.select_related("entered_by").prefetch_related("items").get(pk=response.pk)
    return Status(201, response)


def register(api: NinjaAPI) -> None:
    api.add_router("/service-users", router)
