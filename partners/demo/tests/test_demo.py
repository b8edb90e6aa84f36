from __future__ import annotations

import pytest
from django.db.models import Count

from partners.accounts.models import Role, User
from partners.care.models import OPEN_PHASES, Episode
from partners.demo.loader import load_demo
from partners.registry.models import Person
from partners.registry.scope import visible_people

CONTRACT_ACCOUNTS = ["carepartner1", "carepartner2", "carepartner3", "supervisor1", "supervisor2", "practice1",
                     "leader1", "researcher1", "admin1"]


@pytest.fixture
def demo(db):
    load_demo(seed=7)


def test_the_demo_has_every_contract_account_with_the_demo_password(demo):
    for username in CONTRACT_ACCOUNTS:
        user = User.objects.get(username=username)
        assert user.check_password("partners-demo") and user.is_demo


def test_supervision_follows_the_contract(demo):
    sup1, sup2 = User.objects.get(username="supervisor1"), User.objects.get(username="supervisor2")
    assert User.objects.get(username="carepartner1").supervisor == sup1
    assert User.objects.get(username="carepartner2").supervisor == sup1
    assert User.objects.get(username="carepartner3").supervisor == sup2


def test_about_a_thousand_people_with_a_realistic_mix(demo):
    people = Person.objects.all()
    assert 950 <= people.count() <= 1100
    diagnoses = dict(people.values_list("diagnosis_group").annotate(n=Count("id")))
    assert set(diagnoses) == {"schizophrenia", "bipolar", "other_psychosis"}
    assert all(n > 150 for n in diagnoses.values())
    white_british = people.filter(ethnicity="A").count() / people.count()
    black = people.filter(ethnicity__in="MNP").count() / people.count()
    assert 0.55 < white_british < 0.8 and 0.05 < black < 0.14
    ages = [p.date_of_birth.year for p in people]
    assert max(ages) - min(ages) > 50


def test_each_demo_care_partner_has_a_caseload_of_twenty_to_thirty(demo):
    for cp in User.objects.filter(role=Role.CARE_PARTNER, is_demo=True):
        n = Episode.objects.filter(care_partner=cp, phase__in=OPEN_PHASES).count()
        assert 20 <= n <= 30, (cp.username, n)


def test_practice1_shares_people_with_a_demo_care_partner(demo):
    practice_user = User.objects.get(username="practice1")
    cp1 = User.objects.get(username="carepartner1")
    assert set(visible_people(practice_user)) & set(visible_people(cp1))


def test_a_second_load_reuses_everything_and_adds_nothing(demo):
    counts = (Person.objects.count(), Episode.objects.count(), User.objects.count())
    report = load_demo(seed=7)
    assert report.startswith("0 demo steps loaded")
    assert (Person.objects.count(), Episode.objects.count(), User.objects.count()) == counts


def test_the_same_seed_gives_the_same_people(db):
    load_demo(seed=11)
    first = list(Person.objects.order_by("pk").values_list("nhs_number", "given_name", "date_of_birth")[:50])
    from partners.trial.demo import clear_trial_records

    clear_trial_records()  # trial participants' records protect the people they are about
    from partners.measures.models import QuestionnaireResponse, SelfCompletionLink

    SelfCompletionLink.objects.all().delete()  # questionnaire data protects the people and episodes it is about
    QuestionnaireResponse.objects.all().delete()
    from partners.demo.steps.supervision import clear_supervision_records

    clear_supervision_records()
    from partners.care.demo import clear_care_records

    clear_care_records()
    Episode.objects.all().delete()
    from partners.demo.models import DemoStep
    from partners.registry.models import SecondaryCareEpisode

    SecondaryCareEpisode.objects.all().delete()
    Person.objects.all().delete()
    DemoStep.objects.filter(name__in=["people", "episodes", "questionnaires"]).delete()
    load_demo(seed=11)
    again = list(Person.objects.order_by("pk").values_list("nhs_number", "given_name", "date_of_birth")[:50])
    assert first == again


def test_demo_nhs_numbers_are_valid_and_from_the_never_issued_999_range(demo):
    from partners.common.identifiers import is_valid_nhs_number

    numbers = list(Person.objects.values_list("nhs_number", flat=True))
    assert all(n is not None and n.startswith("999") and is_valid_nhs_number(n) for n in numbers)
