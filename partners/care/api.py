"""The care API (contracts.md, HTTP): goals, contacts, the episode, rhythm, referrals and the directory.

Beneath a service user: ``/service-users/{id}/goals``, ``/contacts``, ``/episode``, ``/rhythm``,
``/referrals`` (list and create); ``/services`` is the local directory. The same services validate as
for the web forms, so the 422 messages are the same. POSTs honour ``Idempotency-Key``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, NinjaAPI, Router, Schema, Status

from partners.api.paging import page_limit, page_offset
from partners.audit.actor import Actor
from partners.care import rhythm, selectors, services
from partners.care.models import Contact, Episode, Goal, Referral

router = Router(tags=["care"])

IDEMPOTENCY = {"parameters": [{"in": "header", "name": "Idempotency-Key", "required": False,
                               "description": "The same key twice creates one record and replays the first answer.",
                               "schema": {"type": "string", "maxLength": 255}}]}


class ErrorOut(Schema):
    detail: Any


def actor_for(request: HttpRequest) -> Actor:
    return Actor.from_request(request, via="api", user=request.auth)  # type: ignore[attr-defined]


class RatingOut(Schema):
    rated_on: date
    rating: int = Field(description="0 (not started) to 10 (achieved), rated by the person.")
    kind: str = Field(description="agreement or review")


class GoalOut(Schema):
    id: int
    episode_id: int
    life_area: str
    words: str = Field(description="The goal in the person's own words.")
    steps: str
    who_helps: str
    agreed_on: date
    review_on: date | None
    status: str = Field(description="active, achieved, changed or dropped")
    status_changed_on: date | None
    replaced_by_id: int | None
    ratings: list[RatingOut]

    @staticmethod
    def resolve_ratings(obj: Goal) -> list[Any]:
        return list(obj.ratings.all())


class GoalIn(Schema):
    life_area: str = Field(description="physical_health, mental_health, social, housing, money, work, education, "
                                       "relationships, leisure or other")
    words: str = Field(min_length=1, max_length=1000, description="The goal in the person's own words.")
    rating: int = Field(description="Their 0-10 rating at agreement.")
    steps: str = ""
    who_helps: str = ""
    agreed_on: date | None = Field(None, description="Defaults to today; never in the future.")
    review_on: date | None = Field(None, description="Defaults to 8 weeks after agreement.")


class GoalReviewIn(Schema):
    rating: int = Field(description="Their 0-10 rating now.")
    rated_on: date | None = None
    note: str = ""
    status: str = Field("active", description="active (keep working on it), achieved or dropped")
    next_review_on: date | None = None


class ContactOut(Schema):
    id: int
    episode_id: int
    care_partner_id: int
    contact_on: date
    mode: str = Field(description="face_to_face, telephone, video or text")
    place: str = Field(description="home, practice, community, other; blank unless face to face")
    minutes: int
    reached: bool
    goals_discussed: bool
    goal_ids: list[int]
    notes: str
    liaison_actions: str
    next_contact_on: date | None

    @staticmethod
    def resolve_goal_ids(obj: Contact) -> list[int]:
        return [g.pk for g in obj.goals.all()]


class ContactIn(Schema):
    contact_on: date = Field(description="Today or earlier.")
    mode: str = Field(description="face_to_face, telephone, video or text")
    place: str = Field("", description="Required for face to face: home, practice, community or other.")
    minutes: int = Field(description="0 or more.")
    reached: bool = True
    goal_ids: list[int] = Field(default_factory=list, description="Goals of this episode discussed.")
    notes: str = ""
    liaison_actions: str = ""
    next_contact_on: date = Field(description="The next planned contact: today or later, after this one.")


class EpisodeOut(Schema):
    id: int
    phase: str
    care_partner_id: int | None
    practice_ods: str | None
    referred_on: date
    started_on: date | None
    transition_from: date | None
    planned_end_on: date | None
    ended_on: date | None
    end_reason: str
    secondary_care_change: str
    contact_interval_days: int
    contact_rhythm: str
    next_contact_on: date | None
    last_contact_on: date | None
    contact_status: str = Field(description="overdue, due (within 7 days), ok, unplanned, or blank when ended")

    @staticmethod
    def resolve_practice_ods(obj: Episode) -> str | None:
        return obj.practice.ods_code

    @staticmethod
    def resolve_contact_rhythm(obj: Episode) -> str:
        return rhythm.interval_label(obj.contact_interval_days)

    @staticmethod
    def resolve_contact_status(obj: Episode) -> str:
        from django.utils import timezone

        if not obj.is_open:
            return ""
        return rhythm.contact_status(obj.next_contact_on, timezone.localdate())


class EpisodeIn(Schema):
    care_partner_id: int | None = Field(None, description="Defaults to the Care Partner in post at the practice.")
    referred_on: date | None = None
    source: str = Field("", max_length=200, description="Who referred or invited the person.")


class RhythmOut(Schema):
    id: int
    changed_on: date
    direction: str = Field(description="start, step_down, step_up or urgent")
    from_interval_days: int | None
    to_interval_days: int
    agreed_with: str
    reason: str


class RhythmIn(Schema):
    interval_days: int = Field(description="Days between planned contacts (14 fortnightly, 28 monthly, ...).")
    agreed_with: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1)
    next_contact_on: date | None = None


class ServiceOut(Schema):
    id: int
    name: str
    kind: str
    area: str
    phone: str
    email: str
    address: str
    website: str
    description: str
    is_active: bool


class ServiceIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    kind: str
    area: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    website: str = ""
    description: str = ""
    is_active: bool = True


class ReferralOut(Schema):
    id: int
    episode_id: int
    service: ServiceOut
    referred_on: date
    reason: str
    urgent: bool
    status: str = Field(description="sent, accepted, declined, no_response, completed or withdrawn")
    outcome: str
    outcome_on: date | None


class ReferralIn(Schema):
    service_id: int
    reason: str = Field(min_length=1)
    referred_on: date | None = None
    urgent: bool = Field(False, description="Urgent referrals to secondary or crisis care also step contact up: "
                                            "use POST .../rhythm/urgent for that.")


class UrgentIn(Schema):
    service_id: int = Field(description="A secondary mental health or crisis service.")
    reason: str = Field(min_length=1)
    agreed_with: str = ""
    interval_days: int = 7
    next_contact_on: date | None = None


class OutcomeIn(Schema):
    status: str
    outcome: str = ""
    outcome_on: date | None = None


# Goals ------------------------------------------------------------------------------------------------------

@router.get("/service-users/{int:person_id}/goals", response={200: list[GoalOut], 404: ErrorOut},
            summary="A person's goals, with their ratings")
def list_goals(request: HttpRequest, person_id: int) -> Any:
    return selectors.goal_list(actor=actor_for(request), person_id=person_id)


@router.post("/service-users/{int:person_id}/goals", response={201: GoalOut, 404: ErrorOut, 422: ErrorOut},
             summary="Agree a goal (with the person's rating at agreement)", openapi_extra=IDEMPOTENCY)
def create_goal(request: HttpRequest, person_id: int, payload: GoalIn) -> Any:
    goal = services.goal_agree(actor=actor_for(request), person_id=person_id, **payload.dict())
    return Status(201, Goal.objects.prefetch_related("ratings").get(pk=goal.pk))


@router.post("/service-users/{int:person_id}/goals/{int:goal_id}/reviews",
             response={201: GoalOut, 404: ErrorOut, 422: ErrorOut}, summary="Review a goal", openapi_extra=IDEMPOTENCY)
def review_goal(request: HttpRequest, person_id: int, goal_id: int, payload: GoalReviewIn) -> Any:
    goal = services.goal_review(actor=actor_for(request), person_id=person_id, goal_id=goal_id, **payload.dict())
    return Status(201, Goal.objects.prefetch_related("ratings").get(pk=goal.pk))


# Contacts ---------------------------------------------------------------------------------------------------

@router.get("/service-users/{int:person_id}/contacts", response={200: list[ContactOut], 404: ErrorOut},
            summary="A person's contacts, latest first")
def list_contacts(request: HttpRequest, person_id: int, limit: int = 100, offset: int = 0) -> Any:
    return selectors.contact_list(actor=actor_for(request), person_id=person_id, limit=page_limit(limit),
                                  offset=page_offset(offset))


@router.post("/service-users/{int:person_id}/contacts", response={201: ContactOut, 404: ErrorOut, 422: ErrorOut},
             summary="Record a contact and the next planned one", openapi_extra=IDEMPOTENCY)
def create_contact(request: HttpRequest, person_id: int, payload: ContactIn) -> Any:
    contact = services.contact_record(actor=actor_for(request), person_id=person_id, **payload.dict())
    return Status(201, Contact.objects.prefetch_related("goals").get(pk=contact.pk))


# The episode and its rhythm ---------------------------------------------------------------------------------

@router.get("/service-users/{int:person_id}/episodes", response={200: list[EpisodeOut], 404: ErrorOut},
            summary="A person's episodes of PARTNERS care, latest first")
def list_episodes(request: HttpRequest, person_id: int) -> Any:
    return selectors.episode_list(actor=actor_for(request), person_id=person_id)


@router.post("/service-users/{int:person_id}/episodes", response={201: EpisodeOut, 404: ErrorOut, 422: ErrorOut},
             summary="Refer or invite a person to PARTNERS care", openapi_extra=IDEMPOTENCY)
def create_episode(request: HttpRequest, person_id: int, payload: EpisodeIn) -> Any:
    episode = services.episode_refer(actor=actor_for(request), person_id=person_id,
                                     care_partner_id=payload.care_partner_id, referred_on=payload.referred_on,
                                     source=payload.source)
    return Status(201, Episode.objects.select_related("practice").get(pk=episode.pk))


@router.get("/service-users/{int:person_id}/rhythm", response={200: list[RhythmOut], 404: ErrorOut},
            summary="Changes to the contact rhythm, latest first")
def list_rhythm(request: HttpRequest, person_id: int) -> Any:
    return selectors.rhythm_list(actor=actor_for(request), person_id=person_id)


@router.post("/service-users/{int:person_id}/rhythm", response={201: RhythmOut, 404: ErrorOut, 422: ErrorOut},
             summary="Step contact down or up, by agreement", openapi_extra=IDEMPOTENCY)
def change_rhythm(request: HttpRequest, person_id: int, payload: RhythmIn) -> Any:
    return Status(201, services.rhythm_change(actor=actor_for(request), person_id=person_id, **payload.dict()))


@router.post("/service-users/{int:person_id}/rhythm/urgent",
             response={201: ReferralOut, 404: ErrorOut, 422: ErrorOut},
             summary="Urgent step-up: a referral to secondary or crisis care", openapi_extra=IDEMPOTENCY)
def urgent_step_up(request: HttpRequest, person_id: int, payload: UrgentIn) -> Any:
    return Status(201, services.urgent_referral(actor=actor_for(request), person_id=person_id, **payload.dict()))


# Referrals and the directory --------------------------------------------------------------------------------

@router.get("/service-users/{int:person_id}/referrals", response={200: list[ReferralOut], 404: ErrorOut},
            summary="Referrals and liaison, with outcomes")
def list_referrals(request: HttpRequest, person_id: int) -> Any:
    return selectors.referral_list(actor=actor_for(request), person_id=person_id)


@router.post("/service-users/{int:person_id}/referrals", response={201: ReferralOut, 404: ErrorOut, 422: ErrorOut},
             summary="Refer to a service in the directory", openapi_extra=IDEMPOTENCY)
def create_referral(request: HttpRequest, person_id: int, payload: ReferralIn) -> Any:
    referral = services.referral_create(actor=actor_for(request), person_id=person_id, **payload.dict())
    return Status(201, Referral.objects.select_related("service").get(pk=referral.pk))


@router.patch("/service-users/{int:person_id}/referrals/{int:referral_id}",
              response={200: ReferralOut, 404: ErrorOut, 422: ErrorOut}, summary="Record a referral's outcome")
def update_referral(request: HttpRequest, person_id: int, referral_id: int, payload: OutcomeIn) -> Any:
    return services.referral_record_outcome(actor=actor_for(request), person_id=person_id, referral_id=referral_id,
                                            **payload.dict())


@router.get("/services", response={200: list[ServiceOut], 422: ErrorOut}, summary="The local directory of services")
def list_services(request: HttpRequest, kind: str = "", search: str = "") -> Any:
    return selectors.service_directory(kind=kind, search=search)


@router.post("/services", response={201: ServiceOut, 404: ErrorOut, 422: ErrorOut},
             summary="Add a service to the directory", openapi_extra=IDEMPOTENCY)
def create_service(request: HttpRequest, payload: ServiceIn) -> Any:
    return Status(201, services.service_save(actor=actor_for(request), data=payload.dict()))


def register(api: NinjaAPI) -> None:
    api.add_router("", router)
