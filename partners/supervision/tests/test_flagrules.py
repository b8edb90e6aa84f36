"""The caseload flag rules on plain facts: each flag, what clears it, and the order they are shown in."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from partners.supervision.flagrules import (
    CRISIS_OR_ADMISSION,
    ENDING_SOON,
    FLAG_ORDER,
    GOALS_NOT_REVIEWED,
    NEVER_CONTACTED,
    NO_GOALS,
    NO_NEXT_CONTACT,
    OVERDUE_CONTACT,
    SERIOUS_ADVERSE_EVENT,
    URGENT_REFERRAL,
    WORSENING_SCORES,
    EpisodeFacts,
    FlagConfig,
    GoalFacts,
    ReferralFacts,
    SafetyFacts,
    ScoreFacts,
    Worsening,
    days_without_supervision,
    episode_flags,
    planned_next_contact,
)

TODAY = date(2026, 6, 15)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def settled(**changes) -> EpisodeFacts:
    """An active episode with nothing to flag: contacted, a goal agreed and reviewed, a year to run."""
    base = EpisodeFacts(
        id=1, phase="active", referred_on=ago(100), started_on=ago(95), planned_end_on=ago(95) + timedelta(days=365),
        next_contact_on=TODAY + timedelta(days=5), last_contact_on=ago(9), latest_contact_on=ago(9),
        latest_contact_next_on=TODAY + timedelta(days=5),
        goals=(GoalFacts("active", ago(80), review_on=TODAY + timedelta(days=10), last_review_on=ago(20)),),
    )
    return replace(base, **changes)


def codes(facts: EpisodeFacts, config: FlagConfig | None = None) -> list[str]:
    return [f.code for f in episode_flags(facts, TODAY, config)]


def test_a_settled_episode_has_no_flags():
    assert codes(settled()) == []


def test_a_passed_next_contact_date_is_an_overdue_contact_with_the_date_and_days_in_the_reason():
    flags = episode_flags(settled(next_contact_on=ago(3), latest_contact_next_on=ago(3)), TODAY)
    assert [f.code for f in flags] == [OVERDUE_CONTACT]
    assert flags[0].reason == "Next contact was planned for 12 Jun 2026 (3 days ago)."
    assert flags[0].severity == "medium"
    long_overdue = episode_flags(settled(next_contact_on=ago(20), latest_contact_next_on=ago(20)), TODAY)
    assert long_overdue[0].severity == "high"


def test_a_contact_newer_than_the_episode_knows_about_clears_the_overdue_flag():
    overdue = settled(next_contact_on=ago(3), last_contact_on=ago(17), latest_contact_on=ago(17),
                      latest_contact_next_on=ago(3))
    assert codes(overdue) == [OVERDUE_CONTACT]
    # The Care Partner logs a contact today, planning the next in a fortnight; the episode row lags behind.
    acted = replace(overdue, latest_contact_on=TODAY, latest_contact_next_on=TODAY + timedelta(days=14))
    assert codes(acted) == []
    assert planned_next_contact(acted) == TODAY + timedelta(days=14)
    # Without a planned date on the contact, the episode's interval applies.
    no_plan = replace(acted, latest_contact_next_on=None)
    assert planned_next_contact(no_plan) == TODAY + timedelta(days=14)


def test_never_contacted_replaces_overdue_and_waits_one_interval_after_referral():
    fresh = settled(referred_on=ago(10), started_on=None, phase="invited", last_contact_on=None, latest_contact_on=None,
                    latest_contact_next_on=None, next_contact_on=ago(1), goals=())
    assert codes(fresh) == []
    waited = replace(fresh, referred_on=ago(20))
    flags = episode_flags(waited, TODAY)
    assert [f.code for f in flags] == [NEVER_CONTACTED]
    assert "20 days ago" in flags[0].reason


def test_no_goals_is_flagged_six_weeks_after_the_start_and_cleared_by_agreeing_one():
    assert codes(settled(started_on=ago(40), goals=())) == []
    assert codes(settled(started_on=ago(43), goals=())) == [NO_GOALS]
    assert codes(settled(started_on=ago(43), goals=(GoalFacts("active", ago(1)),))) == []
    # Not while the person is still only invited.
    assert codes(settled(phase="invited", started_on=None, referred_on=ago(60), goals=())) == []


def test_a_goal_past_its_review_date_is_flagged_until_a_review_on_or_after_the_due_date():
    late = GoalFacts("active", ago(100), review_on=ago(5), last_review_on=ago(40))
    flags = episode_flags(settled(goals=(late,)), TODAY)
    assert [f.code for f in flags] == [GOALS_NOT_REVIEWED]
    assert "10 Jun 2026" in flags[0].reason
    reviewed = replace(late, last_review_on=ago(2))
    assert codes(settled(goals=(reviewed,))) == []
    # With no review date, twelve weeks after the last review; achieved goals are not reviewed.
    unplanned = GoalFacts("active", ago(90))
    assert codes(settled(goals=(unplanned,))) == [GOALS_NOT_REVIEWED]
    assert codes(settled(goals=(replace(unplanned, status="achieved"),))) == []


def test_a_fall_in_mansa_of_the_threshold_or_more_during_the_episode_is_flagged():
    scores = (ScoreFacts("mansa", ago(3), 3.9), ScoreFacts("mansa", ago(60), 4.35))
    flags = episode_flags(settled(scores=scores), TODAY)
    assert [f.code for f in flags] == [WORSENING_SCORES]
    assert flags[0].reason.startswith("MANSA 3.9 on 12 Jun 2026, down from 4.35")
    smaller = (ScoreFacts("mansa", ago(3), 3.95), ScoreFacts("mansa", ago(60), 4.35))
    assert codes(settled(scores=smaller)) == []
    better = (ScoreFacts("mansa", ago(3), 4.8), *scores)
    assert codes(settled(scores=better)) == []  # a newer, better score clears it
    before_episode = (ScoreFacts("mansa", ago(200), 3.0), ScoreFacts("mansa", ago(300), 5.0))
    assert codes(settled(scores=before_episode)) == []


def test_a_lower_is_better_instrument_flags_a_rise():
    config = FlagConfig(worsening={"phq9": Worsening(5, higher_is_better=False)})
    scores = (ScoreFacts("phq9", ago(3), 18), ScoreFacts("phq9", ago(40), 12))
    assert codes(settled(scores=scores), config) == [WORSENING_SCORES]
    assert codes(settled(scores=scores)) == []  # not configured by default


def test_an_admission_is_flagged_while_ongoing_recent_or_unreviewed():
    ongoing = SafetyFacts("admission", ago(5), None, reviewed=True, kind_label="Psychiatric admission")
    flags = episode_flags(settled(safety=(ongoing,)), TODAY)
    assert [f.code for f in flags] == [CRISIS_OR_ADMISSION]
    assert flags[0].reason == "Psychiatric admission from 10 Jun 2026, ongoing (5 days so far)."
    recent = replace(ongoing, ended_on=ago(20))
    assert codes(settled(safety=(recent,))) == [CRISIS_OR_ADMISSION]
    old_reviewed = replace(ongoing, onset_on=ago(70), ended_on=ago(40))
    assert codes(settled(safety=(old_reviewed,))) == []
    old_unreviewed = replace(old_reviewed, reviewed=False)
    assert "not yet reviewed by a supervisor" in episode_flags(settled(safety=(old_unreviewed,)), TODAY)[0].reason
    before_episode = replace(ongoing, onset_on=ago(150))
    assert codes(settled(safety=(before_episode,))) == []


def test_a_serious_adverse_event_has_its_own_flag():
    sae = SafetyFacts("sae", ago(2), None, reviewed=False)
    assert codes(settled(safety=(sae,))) == [SERIOUS_ADVERSE_EVENT]


def test_an_episode_ending_within_four_weeks_or_past_its_end_is_flagged():
    assert codes(settled(planned_end_on=TODAY + timedelta(days=29))) == []
    soon = episode_flags(settled(planned_end_on=TODAY + timedelta(days=28)), TODAY)
    assert [f.code for f in soon] == [ENDING_SOON] and "in 28 days" in soon[0].reason
    past = episode_flags(settled(planned_end_on=ago(3)), TODAY)
    assert past[0].severity == "high" and "3 days ago" in past[0].reason


def test_ended_episodes_are_never_flagged():
    assert codes(settled(phase="ended", next_contact_on=ago(50), goals=())) == []


@given(overdue=st.booleans(), goals=st.booleans(), safety=st.booleans(), ending=st.booleans(),
       worse=st.booleans())
def test_flags_come_most_urgent_first_and_each_at_most_once_apart_from_safety(overdue, goals, safety, ending, worse):
    facts = settled(
        next_contact_on=ago(3) if overdue else TODAY, latest_contact_next_on=ago(3) if overdue else TODAY,
        goals=() if not goals else settled().goals, started_on=ago(95),
        safety=(SafetyFacts("crisis", ago(1)),) if safety else (),
        planned_end_on=TODAY + timedelta(days=3) if ending else TODAY + timedelta(days=300),
        scores=(ScoreFacts("mansa", ago(1), 2.0), ScoreFacts("mansa", ago(30), 5.0)) if worse else (),
    )
    found = codes(facts)
    assert found == sorted(found, key=FLAG_ORDER.index)
    assert len(found) == len(set(found))
    assert (OVERDUE_CONTACT in found) == overdue and (NO_GOALS in found) == (not goals)
    assert (CRISIS_OR_ADMISSION in found) == safety and (ENDING_SOON in found) == ending
    assert (WORSENING_SCORES in found) == worse


def test_days_without_supervision_count_from_the_last_session_or_else_the_first_post():
    assert days_without_supervision(ago(50), ago(400), TODAY) == 50
    assert days_without_supervision(None, ago(30), TODAY) == 30
    assert days_without_supervision(None, None, TODAY) is None


def test_every_flag_has_an_explanation_naming_its_threshold():
    explained = FlagConfig(no_goals_after_days=30).explanations()
    assert set(explained) == set(FLAG_ORDER)
    assert "30 days" in explained[NO_GOALS] and "MANSA by 0.45" in explained[WORSENING_SCORES]


def test_an_urgent_referral_awaiting_a_response_is_flagged_naming_the_oldest():
    referrals = (ReferralFacts(ago(2), "Crisis team"), ReferralFacts(ago(9), "Community mental health team"))
    flags = episode_flags(settled(urgent_referrals=referrals), TODAY)
    assert [f.code for f in flags] == [URGENT_REFERRAL]
    assert flags[0].reason == ("Urgent referral to Community mental health team sent 6 Jun 2026 (9 days ago); "
                               "no response recorded.")


def test_a_contacted_person_with_no_next_contact_planned_is_flagged():
    facts = settled(next_contact_on=None, latest_contact_next_on=None, latest_contact_on=ago(9), last_contact_on=ago(9))
    assert codes(facts) == [NO_NEXT_CONTACT]
    assert codes(replace(facts, next_contact_on=TODAY + timedelta(days=3))) == []
