"""``common.bundle``: many querysets in one round trip give exactly what each queryset gives on its own.

The person page reads every section's rows through it, so a wrong value or a wrong order here would show a
wrong record; these tests compare it field by field with the ORM, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import F, TextField, Value
from django.db.models.functions import Concat

from partners.care.models import Contact, Goal, GoalRating
from partners.care.tests.test_views import add_history, today
from partners.common.bundle import Load, bundle
from partners.measures.models import QuestionnaireResponse
from partners.safety.models import HealthCheck


def _fields(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


@pytest.fixture
def history(world: Any) -> Any:
    episode = world.episodes["p1"]
    add_history(episode, 40, random.Random(7))
    person = episode.person
    for k, (score, prorated) in enumerate([(3.25, False), (None, False), (4.5, True)]):
        QuestionnaireResponse.objects.create(
            person=person, episode=episode, instrument="mansa", score=score, prorated=prorated,
            scores={"severity": "mild", "items": [1, 2, None]}, flags=["tus-outlier"] if k == 2 else [],
            completed_on=today() - timedelta(days=30 * k))
    HealthCheck.objects.create(person=person, checked_on=today(), weight_kg=Decimal("81.4"), bmi=Decimal("27.0"),
                               systolic_bp=128, smoking="ex")
    HealthCheck.objects.create(person=person, checked_on=today() - timedelta(days=365))
    return episode


def querysets(episode: Any) -> dict[str, Any]:
    person = episode.person
    return {
        "contacts newest first, sliced": Contact.objects.filter(episode=episode).order_by("-contact_on", "-pk")[:15],
        "contacts by several fields": Contact.objects.filter(episode=episode).order_by("minutes", "-contact_on",
                                                                                     "pk"),
        "goals in their default order": Goal.objects.filter(episode=episode),
        "ratings from the 5th": GoalRating.objects.filter(goal__episode=episode).order_by("rated_on", "pk")[4:20],
        "responses: floats, flags, JSON, datetimes": QuestionnaireResponse.objects.filter(person=person)
        .order_by("-completed_on", "pk"),
        "health checks: decimals and nulls": HealthCheck.objects.filter(person=person).order_by("checked_on"),
        "nothing": Contact.objects.none(),
        "no rows": Contact.objects.filter(episode=episode, minutes=-1),
    }


def test_every_queryset_comes_back_with_the_same_rows_values_and_order_as_the_orm(history):
    expected = {key: [_fields(o) for o in qs] for key, qs in querysets(history).items()}
    loaded = bundle(querysets(history))
    assert {key: [_fields(o) for o in rows] for key, rows in loaded.items()} == expected
    assert len(expected["contacts newest first, sliced"]) == 15 and expected["health checks: decimals and nulls"]


def test_loaded_instances_behave_like_orm_instances(history):
    contact = bundle({"c": Contact.objects.filter(episode=history).order_by("-pk")[:1]})["c"][0]
    same = Contact.objects.get(pk=contact.pk)
    assert contact == same and not contact._state.adding and contact._state.db == "default"
    assert contact.get_mode_display() == same.get_mode_display()
    check = bundle({"h": HealthCheck.objects.filter(weight_kg__isnull=False)})["h"][0]
    assert check.weight_kg == Decimal("81.4") and str(check.bmi) == "27.0" and check.diastolic_bp is None


def test_related_rows_are_loaded_one_level_like_select_related(history, django_assert_num_queries):
    qs = Contact.objects.filter(episode=history).order_by("-contact_on", "-pk")[:5]
    with django_assert_num_queries(1):
        rows = bundle({"c": Load(qs, related=("care_partner", "episode"))})["c"]
        names = [(c.care_partner.username, c.episode.person_id) for c in rows]
    assert names == [(c.care_partner.username, c.episode.person_id) for c in qs.select_related("care_partner",
                                                                                                "episode")]


def test_counts_and_annotations_come_back_too(history):
    qs = Contact.objects.filter(episode=history)
    label = Concat(F("words"), Value("!"), output_field=TextField())
    annotated = Goal.objects.filter(episode=history).annotate(label=label).order_by("pk")
    loaded = bundle({"n": Load(qs, count=True), "none": Load(qs.filter(minutes=-1), count=True),
                     "goals": Load(annotated, annotations=("label",))})
    assert loaded["n"] == qs.count() == 40 and loaded["none"] == 0
    assert [g.label for g in loaded["goals"]] == [g.words + "!" for g in annotated]


def test_the_whole_bundle_is_one_query(history, django_assert_num_queries):
    with django_assert_num_queries(1):
        bundle(querysets(history))
