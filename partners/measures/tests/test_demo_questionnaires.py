"""The demo step: realistic questionnaire histories, scored by the engine, stored item by item."""

from __future__ import annotations

import pytest
from django.db.models import Avg, Count

from partners.care.models import Episode
from partners.demo.loader import load_demo
from partners.measures.engine import score
from partners.measures.models import ItemResponse, QuestionnaireResponse, SelfCompletionLink
from partners.measures.selectors import response_values

pytestmark = pytest.mark.slow


@pytest.fixture
def demo(db):
    load_demo(seed=7)


def test_everyone_in_a_started_episode_has_a_mansa_history(demo):
    started = set(Episode.objects.filter(started_on__isnull=False).values_list("person_id", flat=True))
    # Episode questionnaires (trial participants' research questionnaires come from the trial demo step).
    with_mansa = set(QuestionnaireResponse.objects.filter(instrument="mansa", episode__isnull=False)
                     .values_list("person_id", flat=True))
    assert len(with_mansa) >= 0.9 * len(started) and with_mansa <= started
    points = dict(QuestionnaireResponse.objects.filter(instrument="mansa").values_list("point").annotate(n=Count("id")))
    assert points["baseline"] > 50 and points["review"] > 50 and points.get("end", 0) > 3
    codes = set(QuestionnaireResponse.objects.values_list("instrument", flat=True))
    assert {"mansa", "swemwbs", "eq-5d-5l", "phq9", "gad7"} <= codes


def test_demo_scores_are_the_engines_scores_of_the_stored_items(demo):
    responses = QuestionnaireResponse.objects.prefetch_related("items").order_by("pk")[:200]
    for r in responses:
        values = response_values(r)
        while r.instrument == "eq-5d-5l" and len(values) > 5 and values[-1] is None:
            values.pop()
        expected = score(r.instrument, values)
        assert r.score == expected.score and r.missing == expected.missing and r.scoring_rule == expected.rule
    assert ItemResponse.objects.count() > 10 * QuestionnaireResponse.objects.count() * 0.5


def test_mansa_improves_a_little_on_average_over_the_episode(demo):
    by_point = dict(QuestionnaireResponse.objects.filter(instrument="mansa", score__isnull=False, episode__isnull=False)
                    .values_list("point").annotate(mean=Avg("score")))
    assert 3.3 < by_point["baseline"] < 4.6
    assert 0 < by_point["review"] - by_point["baseline"] < 0.8


def test_self_completed_demo_responses_have_used_links_that_can_never_open(demo, client):
    link = SelfCompletionLink.objects.select_related("response").first()
    assert link is not None and link.submitted_at is not None and link.response.mode == "self"
    assert QuestionnaireResponse.objects.filter(mode="self").count() == SelfCompletionLink.objects.count()
