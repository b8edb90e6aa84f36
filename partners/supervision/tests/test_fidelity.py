"""The fidelity core against figures worked out by hand on a small history with an absence, cover, a
Care Partner who left, one who started late, attempts that did not reach the person, and text messages.

The fixture (January 2026, 31 days):
- Practice 1: Care Partner A (10) in post all month, absent 6-15 Jan; B covers A on 11-15 Jan.
- Practice 2: C (30) in post until 5 Jan, then left; A covers C on 6-20 Jan, but A is away until 15 Jan,
  so only 16-20 Jan count. B (20) starts on 21 Jan and is away 25-26 Jan without cover.
So A is at work 21 days and covered 5 (26/31); B at work 9 (9/31); C at work 5 and covered 5 (10/31).
Practice 1 = A's 26/31. Practice 2: at work 1-5 and B's 9 days = 14, covered 16-20 = 5: 19/31 (< 70%).
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partners.supervision.fidelity import (
    Absence,
    Contact,
    Cover,
    Episode,
    Goal,
    Post,
    Records,
    Unit,
    fidelity,
    month_starts,
    monthly,
)

A, B, C = 10, 20, 30
P1, P2 = 1, 2
JAN1, JAN31 = date(2026, 1, 1), date(2026, 1, 31)


def d(day: int, month: int = 1, year: int = 2026) -> date:
    return date(year, month, day)


def history() -> Records:
    posts = [Post(A, P1, d(1, 12, 2025)), Post(B, P2, d(21)), Post(C, P2, d(1, 6, 2025), d(5))]
    absences = [Absence(A, d(6), d(15)), Absence(B, d(25), d(26))]
    covers = [Cover(A, B, d(11), d(15)), Cover(C, A, d(6), d(20))]
    episodes = [
        Episode(1, 101, P1, A, d(1, 11, 2025)),
        Episode(2, 102, P1, A, d(20)),
        Episode(3, 103, P2, B, d(1, 10, 2025)),
        Episode(4, 104, P2, B, d(1, 9, 2025), d(20, 12, 2025)),  # ended before the range
        Episode(5, 105, P1, A, d(5, 2)),  # referred after the range
    ]
    contacts = [
        Contact(1, d(28, 12, 2025), 30, "face_to_face", True),  # before the range
        Contact(1, d(2), 30, "face_to_face", True),
        Contact(1, d(4), 10, "telephone", True),
        Contact(1, d(5), 15, "text", False),  # 10+ minutes, but a text message is not a session
        Contact(1, d(16), 45, "video", True),
        Contact(1, d(18), 5, "telephone", False),  # under 10 minutes
        Contact(1, d(20), 20, "face_to_face", True),
        Contact(1, d(22), 12, "telephone", False),
        Contact(1, d(24), 60, "face_to_face", False),
        Contact(1, d(25), 0, "telephone", False, reached=False),  # an attempt: not a contact
        Contact(3, d(3), 25, "face_to_face", True),
        Contact(3, d(17), 15, "telephone", True),  # by A, covering
        Contact(3, d(28), 30, "face_to_face", False),
    ]
    goals = [Goal(1, d(15, 12, 2025)), Goal(3, d(10, 2)), Goal(2, d(25))]
    return Records(posts, absences, covers, episodes, contacts, goals)


def test_a_care_partner_absent_and_partly_covered_is_in_post_for_days_at_work_plus_covered_days():
    f = fidelity(history(), Unit.care_partner(A), JAN1, JAN31)
    assert (f.days, f.at_work_days, f.covered_days) == (31, 21, 5)
    assert f.in_post_share == pytest.approx(26 / 31)
    assert f.in_post_share_without_cover == pytest.approx(21 / 31)
    assert not f.in_post_flag


def test_cover_only_counts_on_days_the_covering_colleague_is_at_work():
    f = fidelity(history(), Unit.care_partner(C), JAN1, JAN31)
    assert (f.at_work_days, f.covered_days) == (5, 5)  # covered 16-20 Jan, not 6-15 when A was away
    assert f.in_post_share == pytest.approx(10 / 31)


def test_a_late_start_and_an_uncovered_absence_put_a_care_partner_under_seventy_percent():
    f = fidelity(history(), Unit.care_partner(B), JAN1, JAN31)
    assert (f.at_work_days, f.covered_days) == (9, 0)
    assert f.in_post_share == pytest.approx(9 / 31)
    assert f.in_post_flag


def test_a_practice_is_served_when_any_of_its_care_partners_is_at_work_or_covered():
    p1 = fidelity(history(), Unit.practice(P1), JAN1, JAN31)
    assert p1.in_post_share == pytest.approx(26 / 31)
    p2 = fidelity(history(), Unit.practice(P2), JAN1, JAN31)
    assert (p2.at_work_days, p2.covered_days) == (14, 5)
    assert p2.in_post_share == pytest.approx(19 / 31)
    assert p2.in_post_share_without_cover == pytest.approx(14 / 31)
    assert p2.in_post_flag


def test_the_system_share_is_the_mean_over_practices_and_names_those_under_the_threshold():
    f = fidelity(history(), Unit.system(), JAN1, JAN31)
    assert f.in_post_share == pytest.approx((26 / 31 + 19 / 31) / 2)
    assert f.in_post_share_without_cover == pytest.approx((21 / 31 + 14 / 31) / 2)
    assert f.below_threshold == (P2,)
    assert f.members == 2
    assert f.at_work_days is None  # a mean over several has no single day count


def test_people_and_contact_figures_for_a_care_partner_match_the_hand_count():
    f = fidelity(history(), Unit.care_partner(A), JAN1, JAN31)
    assert f.people == 2  # people 101 and 102; 105 was referred after the range
    assert f.people_with_contact == 1 and f.share_with_contact == pytest.approx(0.5)
    assert f.people_with_goals == 2 and f.share_with_goals == pytest.approx(1.0)
    assert f.contacts == 8  # the attempt and the December contact are left out
    assert f.contacts_10_min == 7  # any mode, the text message included
    assert f.contacts_goals_discussed == 4
    assert f.compliant_sessions == 1  # six face-to-face, telephone or video contacts of 10+ minutes
    assert f.compliant_goals == 1  # four with goals discussed
    assert f.mean_contacts_per_person == pytest.approx(4.0)


def test_contacts_made_by_a_covering_care_partner_count_for_the_person():
    f = fidelity(history(), Unit.care_partner(B), JAN1, JAN31)
    assert (f.people, f.people_with_contact, f.people_with_goals) == (1, 1, 0)  # the goal came in February
    assert (f.contacts, f.contacts_10_min, f.contacts_goals_discussed) == (3, 3, 2)
    assert (f.compliant_sessions, f.compliant_goals) == (0, 0)


def test_system_figures_add_up_across_practices():
    f = fidelity(history(), Unit.system(), JAN1, JAN31)
    assert (f.people, f.people_with_contact, f.people_with_goals) == (3, 2, 2)
    assert (f.contacts, f.contacts_10_min, f.contacts_goals_discussed) == (11, 10, 6)
    assert f.mean_contacts_per_person == pytest.approx(11 / 3)
    practices = [fidelity(history(), Unit.practice(p), JAN1, JAN31) for p in (P1, P2)]
    assert sum(p.contacts for p in practices) == f.contacts
    assert sum(p.people for p in practices) == f.people


def test_a_team_is_the_mean_of_its_care_partners_shares():
    f = fidelity(history(), Unit.care_partner(A, B), JAN1, JAN31)
    assert f.in_post_share == pytest.approx((26 / 31 + 9 / 31) / 2)
    assert f.below_threshold == (B,)
    assert f.people == 3


def test_a_care_partner_with_nobody_on_the_caseload_has_no_shares_rather_than_zero():
    f = fidelity(history(), Unit.care_partner(C), JAN1, JAN31)
    assert f.people == 0
    assert f.share_with_contact is None and f.mean_contacts_per_person is None


def test_a_range_that_ends_before_it_starts_is_refused_with_both_dates():
    with pytest.raises(ValueError, match=r"2026-01-01.*2026-01-31"):
        fidelity(history(), Unit.system(), JAN31, JAN1)


def test_monthly_figures_split_the_range_by_calendar_month():
    months = monthly(history(), Unit.care_partner(A), d(15, 12, 2025), JAN31)
    assert [(m.start, m.end) for m in months] == [(d(15, 12, 2025), d(31, 12, 2025)), (JAN1, JAN31)]
    assert [m.contacts for m in months] == [1, 8]
    assert months[1].in_post_share == pytest.approx(26 / 31)
    assert months[0].in_post_share == pytest.approx(1.0)


def test_month_starts_cover_the_range_without_gaps_across_a_year_end():
    parts = month_starts(d(20, 11, 2025), d(3, 2))
    assert parts[0] == (d(20, 11, 2025), d(30, 11, 2025)) and parts[-1] == (d(1, 2), d(3, 2))
    for (_, end), (start, _) in itertools.pairwise(parts):
        assert start == end + timedelta(days=1)


spans = st.tuples(st.integers(0, 60), st.integers(0, 30))


@given(posts=st.lists(spans, min_size=1, max_size=3), absences=st.lists(spans, max_size=3),
       covers=st.lists(spans, max_size=3))
def test_shares_stay_between_zero_and_one_and_cover_never_lowers_them(posts, absences, covers):
    base = d(1)

    def span(s: tuple[int, int]) -> tuple[date, date]:
        return base + timedelta(days=s[0]), base + timedelta(days=s[0] + s[1])

    records = Records(posts=[Post(A, P1, *span(s)) for s in posts],
                      absences=[Absence(A, *span(s)) for s in absences])
    with_cover = Records(posts=records.posts, absences=records.absences,
                         covers=[Cover(A, B, *span(s)) for s in covers])
    start, end = base, base + timedelta(days=59)
    plain = fidelity(records, Unit.practice(P1), start, end)
    covered = fidelity(with_cover, Unit.practice(P1), start, end)
    assert plain.in_post_share is not None and covered.in_post_share is not None
    assert 0 <= plain.in_post_share <= 1 and 0 <= covered.in_post_share <= 1
    assert covered.in_post_share >= plain.in_post_share
    assert covered.in_post_share_without_cover == plain.in_post_share_without_cover
