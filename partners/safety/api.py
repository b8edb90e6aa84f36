"""``/api/v1/service-users/{id}/safety-events``: list and create (contracts.md). Scoped like the person:
anyone who cannot see the person gets 404. POST honours ``Idempotency-Key`` (common.idempotency)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, NinjaAPI, Router, Schema, Status
from ninja.errors import HttpError

from partners.audit.actor import Actor
from partners.safety import selectors, services
from partners.safety.models import SafetyEvent

router = Router(tags=["safety events"])


class Seriousness(Schema):
    resulted_in_death: bool = False
    life_threatening: bool = False
    hospitalisation: bool = False
    disability: bool = False
    congenital_anomaly: bool = False
    other_important: bool = False


class SafetyEventOut(Schema):
    id: int
    person_id: int
    episode_id: int | None
    kind: str = Field(description="admission, crisis or sae")
    onset_on: date
    ended_on: date | None
    days: int | None = Field(description="In-patient or home-treatment days (end minus onset); null while ongoing.")
    description: str
    seriousness: Seriousness
    serious: bool = Field(description="Meets at least one seriousness criterion.")
    relatedness: str = Field(description="not_related, unlikely, possibly, probably, definitely, or empty")
    expected: bool | None
    related_and_unexpected: bool = Field(description="Possibly, probably or definitely related, and unexpected.")
    outcome: str
    treated: bool = Field(description="At least one Care Partner contact reached the person before onset.")
    reported_by: str | None
    reported_at: datetime
    reviewed_at: datetime | None

    @staticmethod
    def resolve_seriousness(obj: SafetyEvent) -> dict[str, bool]:
        return {name: getattr(obj, name) for name in services.SERIOUSNESS}

    @staticmethod
    def resolve_serious(obj: SafetyEvent) -> bool:
        return any(getattr(obj, name) for name in services.SERIOUSNESS)

    @staticmethod
    def resolve_related_and_unexpected(obj: SafetyEvent) -> bool:
        return obj.relatedness in services.RELATED and obj.expected is False

    @staticmethod
    def resolve_reported_by(obj: SafetyEvent) -> str | None:
        return obj.reported_by.username if obj.reported_by else None


class SafetyEventIn(Schema):
    kind: str = Field(description="admission, crisis or sae")
    onset_on: date
    ended_on: date | None = None
    description: str = Field("", max_length=5000)
    seriousness: Seriousness = Field(default_factory=lambda: Seriousness(),
                                     description="For a serious adverse event, at least one of: resulted in death, "
                                     "life-threatening, (prolonged) hospitalisation, persistent or significant "
                                     "disability, congenital anomaly, other important medical event.")
    relatedness: str = Field("", description="Required for a serious adverse event.")
    expected: bool | None = Field(None, description="Required for a serious adverse event.")
    outcome: str = Field("unknown", description="ongoing, resolved, resolved_with_sequelae, fatal or unknown")


class ErrorOut(Schema):
    detail: Any


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, via="api", user=request.auth)  # type: ignore[attr-defined]


@router.get("/{int:person_id}/safety-events", response={200: list[SafetyEventOut], 404: ErrorOut},
            summary="A person's safety events (admissions, crisis episodes, serious adverse events)")
def list_safety_events(request: HttpRequest, person_id: int) -> Any:
    return selectors.safety_events_for_person(actor=_actor(request), person_id=person_id)


@router.post("/{int:person_id}/safety-events", response={201: SafetyEventOut, 403: ErrorOut, 404: ErrorOut,
                                                          422: ErrorOut},
             summary="Record a safety event",
             openapi_extra={"parameters": [{"in": "header", "name": "Idempotency-Key", "required": False,
                                            "schema": {"type": "string", "maxLength": 255}}]})
def create_safety_event(request: HttpRequest, person_id: int, payload: SafetyEventIn) -> Any:
    actor = _actor(request)
    data = payload.dict()
    data.update(data.pop("seriousness"))
    try:
        event = services.safety_event_record(actor=actor, person_id=person_id, data=data)
    except PermissionError as exc:
        raise HttpError(403, str(exc)) from None
    try:
        event = selectors.with_treated(SafetyEvent.objects.filter(pk=event.pk)).select_related("reported_by").get()
    except SafetyEvent.DoesNotExist:  # pragma: no cover - just created in this transaction
        raise Http404 from None
    return Status(201, event)


def register(api: NinjaAPI) -> None:
    api.add_router("/service-users", router)
