"""The person page: each measure over time (chart, table, thresholds), goal progress, what is due; and the
caseload selector. Query counts do not grow with the length of the history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners.care.models import Goal, GoalRating
from partners.measures.models import QuestionnaireResponse
from partners.measures.selectors import LatestScore, latest_scores_for_people
from partners.measures.services import questionnaire_response_create
from partners.measures.tests.conftest import MANSA_FULL

pytestmark = pytest.mark.django_db


def add_history(actor, person, n, start=date(2025, 1, 6), instrument="mansa", shift=0):
    for k in range(n):
        values = [min(7, v + (k + shift) % 2) if type(v) is int else v for v in MANSA_FULL] \
            if instrument == "mansa" else [max(0, 2 - k % 3)] * 9
        questionnaire_response_create(actor=actor, person_id=person.pk, instrument=instrument, responses=values,
                                      completed_on=start + timedelta(days=30 * k), point="review")


def person_page(client, person):
    response = client.get(f"/people/{person.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_each_measure_is_a_chart_with_a_title_a_description_and_a_table(world, login_as, cp1_actor):
    p1 = world.people["p1"]
    add_history(cp1_actor, p1, 3)
    add_history(cp1_actor, p1, 2, instrument="phq9")
    html = person_page(login_as(world.users["cp1"]), p1)
    assert 'data-testid="chart-mansa"' in html and 'role="img"' in html
    assert '<title id="chart-mansa-title">MANSA scores over time</title>' in html
    assert ("3 MANSA scores from 6 January 2025 to 7 March 2025: first 4.5, latest 4.5 (no change since the first)"
            in html)
    assert 'data-testid="table-mansa"' in html and 'data-testid="table-phq9"' in html
    # PHQ-9: the reliable-change band and the caseness line, with their source
    assert "Shaded band: reliable change: 6 points either way from the first score" in html
    assert "Dashed red line: clinical threshold (10)" in html and "NHS Talking Therapies" in html
    # MANSA has no individual threshold; the trial's target difference is said to be a group figure
    assert "no published reliable-change threshold for individuals" in html


def test_the_latest_score_and_its_direction_are_in_the_heading(world, login_as, cp1_actor):
    p1 = world.people["p1"]
    add_history(cp1_actor, p1, 2)  # 4.5 then 5.42: up
    html = person_page(login_as(world.users["cp1"]), p1)
    assert "MANSA: latest 5.42" in html and "(up from the previous score)" in html


def test_the_person_page_runs_the_same_queries_whatever_the_history(world, login_as, cp1_actor):
    p1 = world.people["p1"]
    client = login_as(world.users["cp1"])
    add_history(cp1_actor, p1, 2)
    with CaptureQueriesContext(connection) as short:
        person_page(client, p1)
    add_history(cp1_actor, p1, 20, start=date(2023, 1, 2))
    add_history(cp1_actor, p1, 10, instrument="phq9")
    goal = Goal.objects.create(episode=world.episodes["p1"], person=p1, life_area="work", words="Find volunteering",
                               agreed_on=date(2025, 1, 6))
    GoalRating.objects.bulk_create(GoalRating(goal=goal, rated_on=date(2025, 1, 6) + timedelta(days=20 * k),
                                              rating=min(10, k), kind="review") for k in range(15))
    with CaptureQueriesContext(connection) as long:
        html = person_page(client, p1)
    assert "goal-progress-card" in html
    assert len(long.captured_queries) <= len(short.captured_queries) + 1  # + the goal ratings section's one


def test_goal_progress_ratings_are_charted_per_goal_with_a_table(world, login_as):
    p1 = world.people["p1"]
    goals = [Goal.objects.create(episode=world.episodes["p1"], person=p1, life_area=area, words=words,
                                 agreed_on=date(2025, 2, 1)) for area, words in
             [("social", "See my sister every month"), ("work", "Start a course at college")]]
    for goal, ratings in zip(goals, [(2, 4, 7), (1, 1, 3)], strict=True):
        for k, rating in enumerate(ratings):
            GoalRating.objects.create(goal=goal, rated_on=date(2025, 2, 1) + timedelta(days=60 * k), rating=rating,
                                      kind="agreement" if k == 0 else "review")
    html = person_page(login_as(world.users["sup1"]), p1)
    assert 'data-testid="chart-goals"' in html
    assert "goal 1 from 2 to 7 out of 10; goal 2 from 1 to 3 out of 10" in html
    assert "Goal 1: See my sister every month" in html and "+5" in html


def test_no_goal_section_without_ratings_and_no_send_action_for_a_supervisor(world, login_as):
    html = person_page(login_as(world.users["sup1"]), world.people["p1"])
    assert "goal-progress-card" not in html and "Send a questionnaire" not in html
    assert "No questionnaires completed yet" in html


def test_questionnaires_due_and_overdue_are_listed(world, login_as, cp1_actor):
    episode = world.episodes["p1"]
    today = timezone.localdate()
    episode.started_on = today - timedelta(days=100)  # baseline long past, first review due about now
    episode.save()
    html = person_page(login_as(world.users["cp1"]), world.people["p1"])
    assert "MANSA, review 1: due" in html and "nhsuk-tag--yellow" in html
    questionnaire_response_create(actor=cp1_actor, person_id=world.people["p1"].pk, instrument="mansa",
                                  responses=MANSA_FULL, completed_on=today, point="review")
    html = person_page(login_as(world.users["cp1"]), world.people["p1"])
    assert "MANSA, review 1" not in html and "No questionnaire is due now" in html


def test_a_positive_phq9_item_9_is_shown_for_checking(world, login_as, cp1_actor):
    questionnaire_response_create(actor=cp1_actor, person_id=world.people["p1"].pk, instrument="phq9",
                                  responses=[1, 1, 1, 1, 1, 1, 1, 1, 2], completed_on=date(2026, 1, 3))
    html = person_page(login_as(world.users["cp1"]), world.people["p1"])
    assert 'data-testid="questionnaire-flags"' in html and "3 January 2026: PHQ-9 question 9" in html


def test_latest_scores_for_people_gives_latest_previous_and_direction_in_one_query(world, cp1_actor,
                                                                                   django_assert_num_queries):
    p1, p2, p3 = world.people["p1"], world.people["p2"], world.people["p3"]
    add_history(cp1_actor, p1, 2)  # 4.5 then 5.42
    QuestionnaireResponse.objects.create(person=p2, instrument="mansa", completed_on=date(2026, 1, 1), score=5.0)
    QuestionnaireResponse.objects.create(person=p2, instrument="mansa", completed_on=date(2026, 2, 1), score=5.0)
    QuestionnaireResponse.objects.create(person=p2, instrument="mansa", completed_on=date(2026, 3, 1), score=None)
    QuestionnaireResponse.objects.create(person=p2, instrument="mansa", completed_on=date(2026, 4, 1), score=2.0,
                                         status="in_progress")
    QuestionnaireResponse.objects.create(person=p3, instrument="mansa", completed_on=date(2026, 1, 1), score=3.25)
    with django_assert_num_queries(1):
        latest = latest_scores_for_people([p1.pk, p2.pk, p3.pk, world.people["p4"].pk])
    assert isinstance(latest[p1.pk], LatestScore)
    assert latest[p1.pk] == (pytest.approx(65 / 12), 4.5, "up")
    assert latest[p2.pk] == (5.0, 5.0, "same")
    assert latest[p3.pk] == (3.25, None, None)
    assert world.people["p4"].pk not in latest
    latest_p1, previous_p1, direction = latest[p1.pk]
    assert direction == "up" and previous_p1 is not None and latest_p1 > previous_p1


def test_latest_scores_for_people_uses_one_query_for_a_long_history_and_many_people(world, cp1_actor,
                                                                                   django_assert_num_queries):
    people = list(world.people.values())
    QuestionnaireResponse.objects.bulk_create(
        QuestionnaireResponse(person=p, instrument="phq9", completed_on=date(2024, 1, 1) + timedelta(days=k),
                              score=float(k % 27)) for p in people for k in range(200))
    with django_assert_num_queries(1):
        latest = latest_scores_for_people([p.pk for p in people], instrument="phq9")
    assert {v for v in latest.values()} == {(199 % 27, 198 % 27, "up")}
