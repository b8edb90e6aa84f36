"""The nightly refresh counts the right things per practice and month, and sums them up the hierarchy."""

from __future__ import annotations

from datetime import date

import pytest

from partners.conftest import make_person
from partners.dashboards.core import measures as M
from partners.dashboards.models import FigureRefresh, MonthlyFigures, RegisterSnapshot
from partners.dashboards.services import figures_refresh

AS_OF = date(2026, 3, 31)
JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


@pytest.fixture
def dataset(world):
    from partners.care.models import Absence, CarePartnerPost, Contact, Episode, Goal, GoalRating
    from partners.measures.models import QuestionnaireResponse
    from partners.registry.models import SecondaryCareEpisode
    from partners.safety.models import HealthCheck, SafetyEvent

    Episode.objects.all().delete()
    a, b, trust = world.practice_a, world.practice_b, world.trust
    p1, p2, p3 = world.people["p1"], world.people["p2"], world.people["p3"]
    make_person(a, nhs_number=None, given="Young", family="Person", date_of_birth=date(2010, 1, 1))
    p6 = make_person(a, nhs_number=None, given="Dis", family="Charged", ethnicity="M", sex="male")
    p7 = make_person(a, nhs_number=None, given="Sec", family="Ondary", ethnicity="H")
    p8 = make_person(a, nhs_number=None, given="Lim", family="Ited", lsoa="E01000001")
    make_person(a, nhs_number=None, given="Not", family="Yet", registered_on=date(2026, 3, 15))
    SecondaryCareEpisode.objects.create(person=p6, provider=trust, team_type="cmht", care_level="cpa",
                                        referral_date=date(2020, 1, 1), discharge_date=date(2022, 1, 1))
    SecondaryCareEpisode.objects.create(person=p7, provider=trust, team_type="cmht", care_level="cpa",
                                        referral_date=date(2021, 1, 1))
    SecondaryCareEpisode.objects.create(person=p8, provider=trust, team_type="outpatient",
                                        care_level="outpatient_only", referral_date=date(2023, 6, 1))
    cp1 = world.users["cp1"]
    e1 = Episode.objects.create(person=p1, care_partner=cp1, practice=a, phase="active",
                                referred_on=date(2026, 1, 10), started_on=date(2026, 1, 20))
    Episode.objects.create(person=p6, care_partner=cp1, practice=a, phase="invited", referred_on=date(2026, 2, 5))
    Episode.objects.create(person=p2, care_partner=world.users["cp3"], practice=b, phase="ended",
                           referred_on=date(2025, 10, 1), started_on=date(2025, 10, 10), ended_on=date(2026, 2, 15),
                           end_reason="completed")
    for day, mode, minutes, reached, goals in [(date(2026, 1, 20), "face_to_face", 30, True, True),
                                               (date(2026, 2, 3), "telephone", 12, True, False),
                                               (date(2026, 2, 17), "text", 2, False, False),
                                               (date(2026, 3, 2), "video", 20, True, True)]:
        Contact.objects.create(episode=e1, person=p1, care_partner=cp1, contact_on=day, mode=mode, minutes=minutes,
                               reached=reached, goals_discussed=goals)
    goal = Goal.objects.create(episode=e1, person=p1, life_area="social", words="Join a choir",
                               agreed_on=date(2026, 1, 20))
    GoalRating.objects.create(goal=goal, rated_on=date(2026, 1, 20), rating=3, kind="agreement")
    GoalRating.objects.create(goal=goal, rated_on=date(2026, 3, 2), rating=6, kind="review")
    QuestionnaireResponse.objects.create(person=p1, episode=e1, instrument="mansa", point="baseline",
                                         completed_on=date(2026, 1, 20), score=3.5)
    QuestionnaireResponse.objects.create(person=p1, episode=e1, instrument="mansa", point="review",
                                         completed_on=date(2026, 3, 2), score=4.25)
    SafetyEvent.objects.create(person=p1, kind="crisis", onset_on=date(2026, 2, 10))
    SafetyEvent.objects.create(person=p2, kind="admission", onset_on=date(2026, 1, 5))
    HealthCheck.objects.create(person=p3, checked_on=date(2026, 2, 1))
    CarePartnerPost.objects.create(care_partner=cp1, practice=a, starts_on=date(2025, 1, 1))
    Absence.objects.create(care_partner=cp1, starts_on=date(2026, 2, 1), ends_on=date(2026, 2, 10))
    from partners.dashboards.services import imd_lookup_load

    imd_lookup_load(text="lsoa_code,imd_decile\nE01000001,2\n", source="test")
    return world


def figures(org, month):
    row = MonthlyFigures.objects.get(org=org, month=month)
    return row.values


def test_the_register_and_each_gap_status_are_counted_at_each_month_end(dataset):
    figures_refresh(as_of=AS_OF, months=3)
    a, b = dataset.practice_a, dataset.practice_b
    march = figures(a, MAR)
    assert march["on_register"] == 7  # p1, p3, p5-p8, and the one registered on 15 March
    assert figures(a, FEB)["on_register"] == 6
    assert march["gap_under_18"] == 1 and march["gap_secondary_care"] == 1
    assert march["gap_limited_secondary"] == 1 and march["gap_discharged"] == 1
    assert march["gap_primary_care_only"] == 3 and march["in_gap"] == 5
    assert "gap_in_remission" not in march  # nobody, until remission is recorded
    assert figures(b, MAR)["on_register"] == 2
    for area in (dataset.pcn, dataset.ics, None):
        assert figures(area, MAR)["on_register"] == 9


def test_episodes_contacts_goals_outcomes_and_safety_are_counted_in_their_months(dataset):
    figures_refresh(as_of=AS_OF, months=3)
    a, b = dataset.practice_a, dataset.practice_b
    jan, feb, mar = figures(a, JAN), figures(a, FEB), figures(a, MAR)
    assert (jan["invited"], jan["engaged"], feb["invited"]) == (1, 1, 1)
    assert "waiting" not in jan and feb["waiting"] == 1 and mar["waiting"] == 1
    assert jan["active"] == feb["active"] == mar["active"] == 1
    assert figures(b, FEB)["ended"] == 1 and figures(b, JAN)["active"] == 1 and "active" not in figures(b, FEB)
    assert (jan["contacts"], feb["contacts"], mar["contacts"]) == (1, 2, 1)
    assert feb["contacts_telephone"] == 1 and feb["contacts_text"] == 1 and feb["contacts_reached"] == 1
    assert (jan["contacts_10min"], feb["contacts_10min"], mar["contacts_10min"]) == (1, 1, 1)
    assert jan["contacts_goals"] == 1 and "contacts_goals" not in feb
    assert jan["goals_agreed"] == 1
    assert mar["goal_progress_n"] == 1 and mar[M.GOAL_PROGRESS_SUM] == 3
    assert jan["questionnaires"] == 1 and mar["outcome_n:mansa"] == 1 and mar["outcome_sum:mansa"] == 0.75
    assert feb["safety_crisis"] == 1 and feb["safety_treated"] == 1  # after a Care Partner contact
    jan_b = figures(b, JAN)
    assert jan_b["safety_admission"] == 1 and "safety_treated" not in jan_b
    assert feb["health_checks"] == 1
    assert mar["fid_with_contact"] == 1 and mar["fid_goals_assessed"] == 1
    assert "fid_compliant_contacts" not in mar  # 3 contacts of 10+ minutes, not 6
    assert (jan[M.CP_DAYS], feb[M.CP_DAYS], feb[M.CP_DAYS_AVAILABLE], mar[M.CP_DAYS_AVAILABLE]) == (31, 28, 18, 31)
    england = figures(None, FEB)
    assert england["safety_events"] == 1 and england["ended"] == 1 and england["contacts"] == 2


def test_the_equity_breakdowns_follow_each_persons_group(dataset):
    figures_refresh(as_of=AS_OF, months=3)
    a = dataset.practice_a
    snapshot = RegisterSnapshot.objects.get(org=a).values
    assert snapshot["reg|ethnicity|Black"] == 1 and snapshot["reg|ethnicity|Asian"] == 1
    assert snapshot["reg|imd_decile|2"] == 1 and snapshot["reg|imd_decile|Not known"] == 6
    assert snapshot["gapreg|ethnicity|Black"] == 1  # discharged: in the gap
    assert snapshot["reg|age_band|Under 18"] == 1
    jan, feb, mar = figures(a, JAN), figures(a, FEB), figures(a, MAR)
    assert jan["eq_referred|ethnicity|White"] == 1 and jan["eq_started|sex|female"] == 1
    assert feb["eq_referred|ethnicity|Black"] == 1 and feb["eq_open_start|ethnicity|White"] == 1
    assert mar["eq_engaged_start|age_band|55 to 64"] == 1


def test_a_second_refresh_replaces_the_first_with_the_same_figures(dataset):
    figures_refresh(as_of=AS_OF, months=3)
    first = {(r.org_id, r.month): r.values for r in MonthlyFigures.objects.all()}
    figures_refresh(as_of=AS_OF, months=3)
    assert FigureRefresh.objects.count() == 1
    assert {(r.org_id, r.month): r.values for r in MonthlyFigures.objects.all()} == first


def test_no_stored_figure_names_a_person(dataset):
    figures_refresh(as_of=AS_OF, months=3)
    text = " ".join(str(r.values) for r in MonthlyFigures.objects.all())
    text += " ".join(str(r.values) for r in RegisterSnapshot.objects.all())
    for person in dataset.people.values():
        assert person.family_name not in text and (person.nhs_number or "-") not in text


def test_days_covered_by_a_colleague_count_as_days_with_a_care_partner(dataset):
    from partners.care.models import Absence, CoverArrangement

    cp1, cp2 = dataset.users["cp1"], dataset.users["cp2"]
    CoverArrangement.objects.create(absent=cp1, covering=cp2, starts_on=date(2026, 2, 5), ends_on=date(2026, 2, 10))
    Absence.objects.create(care_partner=cp2, starts_on=date(2026, 2, 9), ends_on=date(2026, 2, 9))  # cover has a gap
    figures_refresh(as_of=AS_OF, months=3)
    assert figures(dataset.practice_a, FEB)[M.CP_DAYS_AVAILABLE] == 18 + 5
