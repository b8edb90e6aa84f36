"""The demo's year of care: realistic, consistent with the episodes, and quick to load."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import Count, Max, Min
from django.utils import timezone

from partners.accounts.models import User
from partners.care.models import (
    OPEN_PHASES,
    CarePartnerPost,
    Contact,
    CoverArrangement,
    Episode,
    Goal,
    GoalRating,
    Handover,
    Phase,
    Referral,
    RhythmChange,
)
from partners.demo.loader import load_demo


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_demo(seed=5)
        yield
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def db_access(db):
    return None


def test_every_started_demo_episode_has_contacts_ending_on_its_last_contact(db_access):
    started = Episode.objects.filter(care_partner__is_demo=True, started_on__isnull=False)
    last = dict(Contact.objects.values("episode").annotate(m=Max("contact_on")).values_list("episode", "m"))
    first = dict(Contact.objects.values("episode").annotate(m=Min("contact_on")).values_list("episode", "m"))
    for episode in started:
        assert last[episode.pk] == episode.last_contact_on, episode.pk
        assert first[episode.pk] == episode.started_on


def test_contacts_come_every_two_to_four_weeks_in_a_mix_of_modes(db_access):
    modes = Counter(Contact.objects.values_list("mode", flat=True))
    total = sum(modes.values())
    assert total > 500
    assert 0.3 < modes["face_to_face"] / total < 0.6 and modes["telephone"] / total > 0.2 and modes["text"] > 0
    per_episode = Contact.objects.values("episode").annotate(n=Count("pk"), a=Min("contact_on"), b=Max("contact_on"))
    gaps = [(row["b"] - row["a"]).days / (row["n"] - 1) for row in per_episode if row["n"] > 3]
    assert 12 <= sum(gaps) / len(gaps) <= 30


def test_goals_are_in_several_life_areas_and_ratings_mostly_improve(db_access):
    areas = set(Goal.objects.values_list("life_area", flat=True))
    assert len(areas) >= 7
    changes = []
    for goal in Goal.objects.prefetch_related("ratings"):
        ratings = [r.rating for r in goal.ratings.all()]
        assert ratings and all(0 <= r <= 10 for r in ratings)
        if len(ratings) > 1:
            changes.append(ratings[-1] - ratings[0])
    assert sum(c > 0 for c in changes) > 0.6 * len(changes)
    assert GoalRating.objects.filter(kind="agreement").count() == Goal.objects.count()
    assert Goal.objects.filter(status="achieved").exists()


def test_some_are_stepped_down_some_overdue_and_every_open_episode_has_a_next_contact(db_access):
    from django.utils import timezone

    open_started = Episode.objects.filter(phase__in=OPEN_PHASES, started_on__isnull=False, care_partner__is_demo=True)
    assert not open_started.filter(next_contact_on__isnull=True).exists()
    assert open_started.filter(next_contact_on__lt=timezone.localdate()).exists()
    stepped = Episode.objects.filter(phase=Phase.STEPPED_DOWN)
    assert stepped.exists()
    assert RhythmChange.objects.filter(direction="step_down", episode__in=stepped).count() == stepped.count()


def test_one_handover_by_choice_keeps_the_earlier_contacts_by_the_previous_care_partner(db_access):
    handover = Handover.objects.get(reason="person_choice")
    earlier = Contact.objects.filter(episode=handover.episode, contact_on__lt=handover.handed_over_on)
    assert earlier.exists() and set(earlier.values_list("care_partner", flat=True)) == {handover.from_care_partner_id}
    assert handover.episode.care_partner == handover.to_care_partner


def test_posts_cover_and_referrals_are_there(db_access):
    cp3 = User.objects.get(username="carepartner3")
    cover = CoverArrangement.objects.filter(absent=cp3, ends_on__lt=timezone.localdate()).first()
    assert cover is not None
    assert Contact.objects.filter(episode__care_partner=cp3, care_partner=cover.covering,
                                  contact_on__range=(cover.starts_on, cover.ends_on)).exists()
    for username in ("carepartner1", "carepartner2", "carepartner3", "carepartner4"):
        assert CarePartnerPost.objects.filter(care_partner__username=username).exists()
    assert Referral.objects.values("service__kind").distinct().count() >= 5
    assert Referral.objects.exclude(status="sent").exclude(outcome="").exists()


def test_the_demo_caseload_opens_for_carepartner1(db_access, client):
    client.force_login(User.objects.get(username="carepartner1"),
                       backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/caseload/")
    assert response.status_code == 200 and len(response.context["data"].rows) >= 20
    person = response.context["data"].rows[0].person
    assert client.get(f"/people/{person.pk}/").status_code == 200
