"""flags_for_episodes: the flag rules on data read from the database in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from partners.care.models import Contact, Episode, Goal, GoalRating, Phase
from partners.measures.models import QuestionnaireResponse
from partners.safety.models import SafetyEvent
from partners.supervision.flagrules import (
    CRISIS_OR_ADMISSION,
    GOALS_NOT_REVIEWED,
    NO_GOALS,
    OVERDUE_CONTACT,
    WORSENING_SCORES,
)
from partners.supervision.flags import QUERIES, flags_for_episodes


def codes(flags):
    return [f.code for f in flags]


def test_the_query_count_is_the_same_for_three_episodes_and_for_thirty_with_long_histories(
        world, caseload, django_assert_num_queries):
    cp = world.users["cp2"]
    small = caseload(cp, world.practice_a, 3, history=1, tag="s")
    with django_assert_num_queries(QUERIES):
        flags_small = flags_for_episodes(small, timezone.localdate())
    large = caseload(cp, world.practice_a, 30, history=8, tag="l")
    with django_assert_num_queries(QUERIES):
        flags_large = flags_for_episodes(large, timezone.localdate())
    assert set(flags_small) == {e.pk for e in small} and set(flags_large) == {e.pk for e in large}
    # The long histories had falling MANSA scores and overdue contacts: the flags are really computed.
    assert all(WORSENING_SCORES in codes(f) for f in flags_large.values())


def test_flags_come_from_contacts_goals_scores_and_safety_events_in_the_database(world):
    today = timezone.localdate()
    episode = world.episodes["p1"]
    person = world.people["p1"]
    Episode.objects.filter(pk=episode.pk).update(next_contact_on=today - timedelta(days=4),
                                                 last_contact_on=today - timedelta(days=18))
    goal = Goal.objects.create(episode=episode, person=person, life_area="housing", words="Sort out the flat",
                               agreed_on=today - timedelta(days=50), review_on=today - timedelta(days=2))
    GoalRating.objects.create(goal=goal, rated_on=today - timedelta(days=50), rating=2, kind="agreement")
    for days_ago, score in ((40, 4.6), (5, 3.8)):
        QuestionnaireResponse.objects.create(person=person, instrument="mansa", score=score, status="completed",
                                             completed_on=today - timedelta(days=days_ago))
    QuestionnaireResponse.objects.create(person=person, instrument="mansa", score=None, status="in_progress",
                                         completed_on=None)
    SafetyEvent.objects.create(person=person, episode=episode, kind="admission", onset_on=today - timedelta(days=3))
    episode.refresh_from_db()
    flags = flags_for_episodes([episode], today)[episode.pk]
    assert codes(flags) == [CRISIS_OR_ADMISSION, OVERDUE_CONTACT, WORSENING_SCORES, GOALS_NOT_REVIEWED]
    assert "Psychiatric admission" in flags[0].reason and "not yet reviewed" in flags[0].reason


def test_logging_a_contact_clears_the_overdue_flag_and_a_review_rating_clears_the_goal_flag(world):
    today = timezone.localdate()
    episode = world.episodes["p1"]
    Episode.objects.filter(pk=episode.pk).update(next_contact_on=today - timedelta(days=4),
                                                 last_contact_on=today - timedelta(days=18))
    goal = Goal.objects.create(episode=episode, person=world.people["p1"], life_area="social", words="See friends",
                               agreed_on=today - timedelta(days=30), review_on=today - timedelta(days=1))
    episode.refresh_from_db()
    assert codes(flags_for_episodes([episode], today)[episode.pk]) == [OVERDUE_CONTACT, GOALS_NOT_REVIEWED]
    contact = Contact.objects.create(episode=episode, person=world.people["p1"], care_partner=world.users["cp1"],
                                     contact_on=today, mode="telephone", minutes=15, goals_discussed=True,
                                     next_contact_on=today + timedelta(days=14))
    GoalRating.objects.create(goal=goal, rated_on=today, rating=5, kind="review", contact=contact)
    assert flags_for_episodes([episode], today)[episode.pk] == []


def test_an_attempt_that_did_not_reach_the_person_does_not_clear_the_overdue_flag(world):
    today = timezone.localdate()
    episode = world.episodes["p1"]
    Episode.objects.filter(pk=episode.pk).update(next_contact_on=today - timedelta(days=4),
                                                 last_contact_on=today - timedelta(days=18))
    Goal.objects.create(episode=episode, person=world.people["p1"], life_area="social", words="See friends",
                        agreed_on=today - timedelta(days=30), review_on=today + timedelta(days=30))
    Contact.objects.create(episode=episode, person=world.people["p1"], care_partner=world.users["cp1"],
                           contact_on=today, mode="telephone", minutes=1, reached=False)
    episode.refresh_from_db()
    assert codes(flags_for_episodes([episode], today)[episode.pk]) == [OVERDUE_CONTACT]


def test_ended_episodes_get_an_empty_list_without_any_query(world, django_assert_num_queries):
    today = timezone.localdate()
    episode = world.episodes["p2"]
    Episode.objects.filter(pk=episode.pk).update(phase=Phase.ENDED, ended_on=today)
    episode.refresh_from_db()
    with django_assert_num_queries(0):
        assert flags_for_episodes([episode], today) == {episode.pk: []}


def test_the_no_goals_threshold_is_configurable_in_settings(world, settings):
    today = timezone.localdate()
    episode = world.episodes["p1"]  # started 55 days ago, no goals
    assert NO_GOALS in codes(flags_for_episodes([episode], today)[episode.pk])
    settings.PARTNERS = {**settings.PARTNERS, "SUPERVISION": {"NO_GOALS_AFTER_DAYS": 60}}
    assert NO_GOALS not in codes(flags_for_episodes([episode], today)[episode.pk])


def test_an_urgent_referral_is_flagged_until_its_outcome_is_recorded(world):
    from partners.care.models import Referral, Service

    today = timezone.localdate()
    episode = world.episodes["p1"]
    service = Service.objects.create(name="Crisis and Home Treatment Team", kind=Service.Kind.CRISIS)
    referral = Referral.objects.create(episode=episode, person=world.people["p1"], service=service, urgent=True,
                                       referred_on=today - timedelta(days=1), reason="Worsening psychosis")
    flags = flags_for_episodes([episode], today)[episode.pk]
    assert flags[0].code == "urgent_referral" and "Crisis and Home Treatment Team" in flags[0].reason
    Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.ACCEPTED, outcome_on=today)
    assert "urgent_referral" not in codes(flags_for_episodes([episode], today)[episode.pk])
