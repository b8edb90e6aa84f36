from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from partners.api.paging import page_limit, page_offset
from partners.audit.actor import Actor
from partners.registry import selectors, services
from partners.registry.models import Person

router = Router(tags=["service users"])


class ServiceUserOut(Schema):
    id: int
    nhs_number: str | None = Field(None, description="Ten digits, no spaces.")
    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: date
    sex: str
    ethnicity: str = Field(description="NHS ethnic category code (A..S, Z not stated).")
    postcode: str
    practice_ods: str | None
    diagnosis_group: str
    usual_care_setting: str
    preferred_contact_method: str
    sms_opt_in: bool
    email_opt_in: bool
    preferred_language: str
    interpreter_needed: bool
    interpreter_language: str
    communication_needs: list[str]
    updated_at: datetime

    @staticmethod
    def resolve_practice_ods(obj: Person) -> str | None:
        return obj.practice.ods_code


class ServiceUserIn(Schema):
    nhs_number: str | None = Field(None, description="Spaces allowed; Modulus 11 checked.", examples=["9434765919"])
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    preferred_name: str = Field("", max_length=100)
    date_of_birth: date
    sex: str = Field("unknown", description="female, male, other or unknown")
    ethnicity: str = Field("Z", max_length=1)
    postcode: str = Field("", max_length=10)
    practice_ods: str = Field(max_length=10, description="ODS code of the GP practice.")
    diagnosis_group: str = Field(description="schizophrenia, bipolar or other_psychosis")
    usual_care_setting: str = Field(description="primary or secondary")
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    preferred_contact_method: str = "telephone"
    sms_opt_in: bool = False
    email_opt_in: bool = False
    preferred_language: str = Field("en", max_length=35)
    interpreter_needed: bool = False
    interpreter_language: str = Field("", max_length=35)
    communication_needs: list[str] = Field(default_factory=list)


class ServiceUserPatch(Schema):
    nhs_number: str | None = None
    given_name: str | None = Field(None, min_length=1, max_length=100)
    family_name: str | None = Field(None, min_length=1, max_length=100)
    preferred_name: str | None = Field(None, max_length=100)
    date_of_birth: date | None = None
    sex: str | None = None
    ethnicity: str | None = Field(None, max_length=1)
    postcode: str | None = Field(None, max_length=10)
    phone: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=254)
    preferred_contact_method: str | None = None
    sms_opt_in: bool | None = None
    email_opt_in: bool | None = None
    preferred_language: str | None = Field(None, max_length=35)
    interpreter_needed: bool | None = None
    interpreter_language: str | None = Field(None, max_length=35)
    communication_needs: list[str] | None = None


class ErrorOut(Schema):
    detail: Any


def actor_for(request: HttpRequest) -> Actor:
    return Actor.from_request(request, via="api", user=request.auth)  # type: ignore[attr-defined]


@router.get("", response={200: list[ServiceUserOut], 422: ErrorOut}, summary="People the caller may see")
def list_service_users(request: HttpRequest, search: str = "", limit: int = 100, offset: int = 0) -> Any:
    limit = page_limit(limit)
    offset = page_offset(offset)
    people = selectors.service_user_list(actor=actor_for(request), search=search, limit=offset + limit)
    return people[offset:]


@router.get("/{int:person_id}", response={200: ServiceUserOut, 404: ErrorOut}, summary="One person's record")
def get_service_user(request: HttpRequest, person_id: int) -> Any:
    return selectors.service_user_get(actor=actor_for(request), person_id=person_id)


@router.post("", response={201: ServiceUserOut, 422: ErrorOut}, summary="Add a person",
             openapi_extra={"parameters": [{"in": "header", "name": "Idempotency-Key", "required": False,
                                            "schema": {"type": "string", "maxLength": 255}}]})
def create_service_user(request: HttpRequest, payload: ServiceUserIn) -> Any:
    person = services.person_create(actor=actor_for(request), data=payload.dict())
    return Status(201, person)


@router.patch("/{int:person_id}", response={200: ServiceUserOut, 404: ErrorOut, 422: ErrorOut},
              summary="Change a person's details")
def update_service_user(request: HttpRequest, person_id: int, payload: ServiceUserPatch) -> Any:
    data = payload.dict(exclude_unset=True)
    return services.person_update(actor=actor_for(request), person_id=person_id, data=data)
