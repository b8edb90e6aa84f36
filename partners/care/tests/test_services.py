"""The care services: the episode's life, goals, contacts, the rhythm, liaison, choice and cover."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from partners.audit.models import AuditEvent
from partners.care import services
from partners.care.models import (
    CarePartnerPost,
    Contact,
    CoverArrangement,
    Episode,
    Goal,
    GoalEvent,
    Handover,
    Phase,
    PhaseChange,
    Referral,
    RhythmChange,
)
from partners.conftest import actor_for
from partners.registry.scope import visible_people


def today():
    return timezone.localdate()


def messages(exc_info):
    return exc_info.value.message_dict


def record_contact(actor, person, **overrides):
    data = {"contact_on": today(), "mode": "telephone", "minutes": 20, "next_contact_on": today() + timedelta(days=14)}
    data.update(overrides)
    return services.contact_record(actor=actor, person_id=person.pk, **data)


@pytest.fixture
def referred(world):
    """p3 (practice A, no episode) referred by the practice to cp1, who is in post there."""
    CarePartnerPost.objects.create(care_partner=world.users["cp1"], practice=world.practice_a,
                                   starts_on=today() - timedelta(days=300))
    return services.episode_refer(actor=actor_for(world.users["practice_a"]), person_id=world.people["p3"].pk)


def test_a_practice_referral_goes_to_the_care_partner_in_post_at_the_practice(world, referred):
    assert referred.phase == Phase.INVITED and referred.care_partner == world.users["cp1"]
    assert world.people["p3"] in visible_people(world.users["cp1"])
    assert AuditEvent.objects.filter(object_type="episode", action="create", person_id=world.people["p3"].pk).exists()


def test_a_referral_with_no_care_partner_in_post_says_so(world):
    with pytest.raises(ValidationError) as exc:
        services.episode_refer(actor=actor_for(world.users["practice_a"]), person_id=world.people["p3"].pk)
    assert "No Care Partner is in post at Practice A" in messages(exc)["care_partner"][0]


def test_a_person_cannot_have_two_open_episodes(world):
    with pytest.raises(ValidationError, match="already has an open episode"):
        services.episode_refer(actor=actor_for(world.users["practice_a"]), person_id=world.people["p1"].pk,
                               care_partner_id=world.users["cp2"].pk)


def test_accepting_starts_the_twelve_month_calendar_and_the_fortnightly_rhythm(world, referred, cp1):
    episode = services.episode_accept(actor=cp1, person_id=world.people["p3"].pk)
    assert episode.phase == Phase.ENGAGING and episode.started_on == today()
    assert episode.planned_end_on and episode.transition_from
    assert episode.planned_end_on.year == today().year + 1 and episode.contact_interval_days == 14
    assert episode.transition_from < episode.planned_end_on
    assert episode.next_contact_on == today() + timedelta(days=7)
    assert RhythmChange.objects.get(episode=episode).direction == RhythmChange.Direction.START
    assert list(PhaseChange.objects.filter(episode=episode).order_by("pk").values_list("to_phase", flat=True)) == [
        "invited", "engaging"]


def test_contacts_cannot_be_recorded_before_the_referral_is_accepted(world, referred, cp1):
    with pytest.raises(ValidationError, match="Accept the referral"):
        record_contact(cp1, world.people["p3"])


def test_the_first_goal_makes_an_engaging_episode_active(world, referred, cp1):
    services.episode_accept(actor=cp1, person_id=world.people["p3"].pk)
    goal = services.goal_agree(actor=cp1, person_id=world.people["p3"].pk, life_area="social",
                               words="Go to the café with my sister again", rating=2)
    assert Episode.objects.get(pk=referred.pk).phase == Phase.ACTIVE
    assert goal.ratings.get().rating == 2 and goal.ratings.get().kind == "agreement"
    assert goal.events.get().kind == GoalEvent.Kind.AGREED
    assert goal.review_on == today() + timedelta(days=56)


def test_a_contact_updates_the_last_and_next_contact_and_its_goals(world, cp1):
    person = world.people["p1"]
    goal = services.goal_agree(actor=cp1, person_id=person.pk, life_area="money", words="Sort out my bills",
                               rating=3)
    contact = record_contact(cp1, person, mode="face_to_face", place="home", goal_ids=[goal.pk], notes="Went well")
    episode = Episode.objects.get(pk=world.episodes["p1"].pk)
    assert episode.last_contact_on == today() and episode.last_contact_mode == "face_to_face"
    assert episode.next_contact_on == today() + timedelta(days=14)
    assert contact.goals_discussed and list(contact.goals.all()) == [goal]


@pytest.mark.parametrize(("overrides", "field", "text"), [
    ({"contact_on": "TOMORROW"}, "contact_on", "is in the future"),
    ({"minutes": -5}, "minutes", "Minutes cannot be negative (-5)."),
    ({"minutes": "ten"}, "minutes", "is not a whole number"),
    ({"minutes": 900}, "minutes", "more than 600"),
    ({"goal_ids": [999999]}, "goals", "Goal 999999 is not one of this person's goals in this episode."),
    ({"mode": "carrier_pigeon"}, "mode", "Mode 'carrier_pigeon' is not one of"),
    ({"mode": "face_to_face"}, "place", "Select where you met."),
    ({"next_contact_on": "YESTERDAY"}, "next_contact_on", "is in the past"),
    ({"next_contact_on": None}, "next_contact_on", "Enter the date of the next contact."),
    ({"contact_on": "2026-02-30"}, "contact_on", "is not a real date"),
])
def test_a_bad_contact_is_refused_with_a_clear_message_and_nothing_is_saved(world, cp1, overrides, field, text):
    for key, value in list(overrides.items()):
        if value == "TOMORROW":
            overrides[key] = today() + timedelta(days=1)
        if value == "YESTERDAY":
            overrides[key] = today() - timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        record_contact(cp1, world.people["p1"], **overrides)
    assert any(text in m for m in messages(exc)[field]), messages(exc)
    assert not Contact.objects.exists()


def test_another_persons_goal_is_an_unknown_goal(world, cp1):
    other = services.goal_agree(actor=actor_for(world.users["cp3"]), person_id=world.people["p2"].pk,
                                life_area="work", words="Volunteer at the allotment", rating=4)
    with pytest.raises(ValidationError) as exc:
        record_contact(cp1, world.people["p1"], goal_ids=[other.pk])
    assert messages(exc)["goals"] == [f"Goal {other.pk} is not one of this person's goals in this episode."]


def test_a_care_partner_cannot_record_care_for_someone_off_their_caseload(world, cp1):
    with pytest.raises(Http404):
        record_contact(cp1, world.people["p2"])
    with pytest.raises(Http404):
        record_contact(actor_for(world.users["sup1"]), world.people["p1"])


def test_a_covering_care_partner_can_record_contacts_for_the_covered_caseload(world):
    CoverArrangement.objects.create(absent=world.users["cp1"], covering=world.users["cp2"], starts_on=today())
    contact = record_contact(actor_for(world.users["cp2"]), world.people["p1"])
    assert contact.care_partner == world.users["cp2"]
    assert Episode.objects.get(pk=world.episodes["p1"].pk).care_partner == world.users["cp1"]


def test_a_review_keeps_every_rating_and_an_achieved_goal_leaves_the_active_list(world, cp1):
    person = world.people["p1"]
    goal = services.goal_agree(actor=cp1, person_id=person.pk, life_area="physical_health",
                               words="Walk to the shop without stopping", rating=3)
    services.goal_review(actor=cp1, person_id=person.pk, goal_id=goal.pk, rating=6)
    services.goal_review(actor=cp1, person_id=person.pk, goal_id=goal.pk, rating=10, status="achieved",
                         note="Walked there on Saturday")
    goal.refresh_from_db()
    assert [r.rating for r in goal.ratings.order_by("pk")] == [3, 6, 10]
    assert goal.status == Goal.Status.ACHIEVED and goal.review_on is None
    assert [e.kind for e in goal.events.order_by("pk")] == ["agreed", "reviewed", "achieved"]


def test_a_rating_outside_nought_to_ten_is_refused(world, cp1):
    with pytest.raises(ValidationError) as exc:
        services.goal_agree(actor=cp1, person_id=world.people["p1"].pk, life_area="leisure", words="Fish", rating=11)
    assert messages(exc)["rating"] == ["The rating 11 is outside 0 to 10."]


def test_a_changed_goal_is_kept_and_linked_to_the_new_one(world, cp1):
    person = world.people["p1"]
    old = services.goal_agree(actor=cp1, person_id=person.pk, life_area="work", words="Get a full-time job", rating=1)
    new = services.goal_change(actor=cp1, person_id=person.pk, goal_id=old.pk,
                               words="Volunteer two mornings a week", rating=2)
    old.refresh_from_db()
    assert old.status == Goal.Status.CHANGED and old.replaced_by == new
    assert [e.kind for e in old.events.order_by("pk")][-1] == GoalEvent.Kind.CHANGED
    assert new.status == Goal.Status.ACTIVE and new.life_area == "work"


def test_editing_a_goal_records_what_changed(world, cp1):
    person = world.people["p1"]
    goal = services.goal_agree(actor=cp1, person_id=person.pk, life_area="housing", words="Move flat", rating=2)
    services.goal_update(actor=cp1, person_id=person.pk, goal_id=goal.pk, words="Move to a ground-floor flat",
                         steps="Ring the housing officer")
    event = goal.events.get(kind=GoalEvent.Kind.EDITED)
    assert event.changes["words"] == ["Move flat", "Move to a ground-floor flat"]
    assert set(event.changes) == {"words", "steps", "review_on"}


def test_stepping_down_to_monthly_records_who_agreed_and_why_and_moves_the_phase(world, cp1):
    person = world.people["p1"]
    change = services.rhythm_change(actor=cp1, person_id=person.pk, interval_days=28,
                                    agreed_with="Ada and her Care Partner", reason="Things are settled")
    episode = Episode.objects.get(pk=world.episodes["p1"].pk)
    assert change.direction == "step_down" and change.from_interval_days == 14
    assert episode.phase == Phase.STEPPED_DOWN and episode.contact_interval_days == 28
    assert episode.next_contact_on >= today()
    services.rhythm_change(actor=cp1, person_id=person.pk, interval_days=14, agreed_with="Ada",
                           reason="A harder month")
    assert Episode.objects.get(pk=episode.pk).phase == Phase.ACTIVE


def test_a_rhythm_change_needs_who_agreed_and_why(world, cp1):
    with pytest.raises(ValidationError) as exc:
        services.rhythm_change(actor=cp1, person_id=world.people["p1"].pk, interval_days=28, agreed_with="",
                               reason=" ")
    assert set(messages(exc)) == {"agreed_with", "reason"}


def test_an_urgent_referral_goes_only_to_secondary_or_crisis_care_and_steps_contact_up(world, cp1, directory):
    person = world.people["p1"]
    services.rhythm_change(actor=cp1, person_id=person.pk, interval_days=28, agreed_with="Ada", reason="Settled")
    with pytest.raises(ValidationError, match="not a secondary mental health or crisis service"):
        services.urgent_referral(actor=cp1, person_id=person.pk, service_id=directory["mind"].pk, reason="Worse")
    referral = services.urgent_referral(actor=cp1, person_id=person.pk, service_id=directory["crisis"].pk,
                                        reason="Not sleeping, hearing voices again")
    episode = Episode.objects.get(pk=world.episodes["p1"].pk)
    assert referral.urgent and referral.status == Referral.Status.SENT
    assert episode.phase == Phase.ACTIVE and episode.contact_interval_days == 7
    assert RhythmChange.objects.filter(episode=episode, direction="urgent").exists()


def test_a_referral_outcome_is_tracked(world, cp1, directory):
    person = world.people["p1"]
    referral = services.referral_create(actor=cp1, person_id=person.pk, service_id=directory["link"].pk,
                                        reason="Wants to meet people")
    services.referral_record_outcome(actor=cp1, person_id=person.pk, referral_id=referral.pk, status="accepted",
                                     outcome="Walking group on Tuesdays")
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.outcome_on == today()


def test_an_unknown_service_is_refused(world, cp1):
    with pytest.raises(ValidationError) as exc:
        services.referral_create(actor=cp1, person_id=world.people["p1"].pk, service_id=424242, reason="x")
    assert messages(exc)["service"] == ["Service 424242 is not in the directory."]


def test_transition_then_ending_closes_the_episode_with_its_reason(world, cp1):
    person = world.people["p1"]
    services.episode_change_phase(actor=cp1, person_id=person.pk, to_phase=Phase.TRANSITION)
    with pytest.raises(ValidationError) as exc:
        services.episode_change_phase(actor=cp1, person_id=person.pk, to_phase=Phase.ENDED)
    assert messages(exc)["end_reason"] == ["Select why the episode ended."]
    episode = services.episode_change_phase(actor=cp1, person_id=person.pk, to_phase=Phase.ENDED,
                                            end_reason="completed")
    assert episode.ended_on == today() and episode.next_contact_on is None
    with pytest.raises(Http404):
        record_contact(cp1, person)


def test_a_phase_cannot_jump_where_the_model_does_not_go(world, cp1):
    with pytest.raises(ValidationError) as exc:
        services.episode_change_phase(actor=cp1, person_id=world.people["p1"].pk, to_phase=Phase.ENGAGING)
    assert "can move to: stepped down, transition, ended" in messages(exc)["to_phase"][0]


def test_a_handover_by_choice_moves_the_case_and_its_history_to_the_new_care_partner(world, cp1):
    person = world.people["p1"]
    record_contact(cp1, person)
    handover = services.episode_handover(actor=cp1, person_id=person.pk, to_care_partner_id=world.users["cp2"].pk,
                                         reason="person_choice", note="Prefers someone closer to her age")
    assert handover.from_care_partner == world.users["cp1"]
    assert person in visible_people(world.users["cp2"]) and person not in visible_people(world.users["cp1"])
    assert Contact.objects.filter(episode__care_partner=world.users["cp2"]).count() == 1


def test_a_supervisor_can_hand_over_only_a_supervisees_case(world):
    with pytest.raises(Http404):
        services.episode_handover(actor=actor_for(world.users["sup2"]), person_id=world.people["p1"].pk,
                                  to_care_partner_id=world.users["cp2"].pk, reason="caseload")
    services.episode_handover(actor=actor_for(world.users["sup1"]), person_id=world.people["p1"].pk,
                              to_care_partner_id=world.users["cp2"].pk, reason="caseload")
    assert Handover.objects.get().recorded_by == world.users["sup1"]


def test_a_handover_to_the_same_care_partner_is_refused(world, cp1):
    with pytest.raises(ValidationError, match="already this person's Care Partner"):
        services.episode_handover(actor=cp1, person_id=world.people["p1"].pk,
                                  to_care_partner_id=world.users["cp1"].pk, reason="person_choice")


def test_a_supervisor_assigns_cover_and_the_covering_care_partner_sees_the_caseload(world):
    sup1 = actor_for(world.users["sup1"])
    services.absence_record(actor=sup1, care_partner_id=world.users["cp1"].pk, starts_on=today(),
                            ends_on=today() + timedelta(days=10), reason="Annual leave")
    services.cover_assign(actor=sup1, absent_id=world.users["cp1"].pk, covering_id=world.users["cp2"].pk,
                          starts_on=today(), ends_on=today() + timedelta(days=10))
    assert world.people["p1"] in visible_people(world.users["cp2"])


def test_only_the_supervisor_of_the_absent_care_partner_can_arrange_cover(world):
    with pytest.raises(ValidationError) as exc:
        services.cover_assign(actor=actor_for(world.users["sup2"]), absent_id=world.users["cp1"].pk,
                              covering_id=world.users["cp3"].pk, starts_on=today())
    assert "not a Care Partner you supervise" in messages(exc)["absent"][0]
    with pytest.raises(Http404):
        services.cover_assign(actor=actor_for(world.users["cp2"]), absent_id=world.users["cp1"].pk,
                              covering_id=world.users["cp2"].pk, starts_on=today())


def test_cover_and_posts_refuse_impossible_periods_and_overlaps(world):
    sup1 = actor_for(world.users["sup1"])
    with pytest.raises(ValidationError, match="before the start"):
        services.cover_assign(actor=sup1, absent_id=world.users["cp1"].pk, covering_id=world.users["cp2"].pk,
                              starts_on=today(), ends_on=today() - timedelta(days=1))
    services.post_record(actor=sup1, care_partner_id=world.users["cp1"].pk, practice_id=world.practice_a.pk,
                         starts_on=today() - timedelta(days=100))
    with pytest.raises(ValidationError, match="already in post at Practice A"):
        services.post_record(actor=sup1, care_partner_id=world.users["cp1"].pk, practice_id=world.practice_a.pk,
                             starts_on=today() - timedelta(days=10))
    with pytest.raises(ValidationError, match="is not a GP practice"):
        services.post_record(actor=sup1, care_partner_id=world.users["cp1"].pk, practice_id=world.trust.pk,
                             starts_on=today())


def test_the_shared_understanding_is_saved_once_per_episode_and_updated(world, cp1):
    person = world.people["p1"]
    services.shared_understanding_save(actor=cp1, person_id=person.pk, situation="Lives alone", strengths="",
                                       what_matters="Her cat")
    understanding = services.shared_understanding_save(actor=cp1, person_id=person.pk, situation="Lives alone",
                                                       strengths="Funny", what_matters="Her cat")
    assert understanding.strengths == "Funny" and understanding.episode_id == world.episodes["p1"].pk
    with pytest.raises(ValidationError, match="Enter at least one"):
        services.shared_understanding_save(actor=cp1, person_id=person.pk, situation="", strengths="",
                                           what_matters="")


def test_the_directory_takes_new_services_with_checked_details(world):
    actor = actor_for(world.users["cp1"])
    service = services.service_save(actor=actor, data={"name": "Harbour Talking Therapies", "kind": "psychological",
                                                       "phone": "01632 960001"})
    assert service.is_active
    with pytest.raises(ValidationError) as exc:
        services.service_save(actor=actor, data={"name": "", "kind": "astrology", "website": "www.x"})
    assert set(messages(exc)) == {"name", "kind", "website"}
    with pytest.raises(Http404):
        services.service_save(actor=actor_for(world.users["leader"]), data={"name": "X", "kind": "other"})
