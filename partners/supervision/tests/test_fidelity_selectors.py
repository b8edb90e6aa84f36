"""The hand-worked fidelity history of test_fidelity.py, stored in the database and read back by the
selector: the same figures, in six queries whatever the size."""

from __future__ import annotations

from datetime import date

import pytest

from partners.care.models import Absence, CarePartnerPost, Contact, CoverArrangement, Episode, Goal
from partners.conftest import make_person
from partners.supervision.fidelity import Unit, fidelity
from partners.supervision.fidelity_selectors import gather_records, team_fidelity
from partners.supervision.tests.test_fidelity import JAN1, JAN31, d


@pytest.fixture
def stored(world):
    """Care Partners A = cp1, B = cp2 (both supervised by sup1), C = cp3; practices P1 = A, P2 = B."""
    a, b, c = world.users["cp1"], world.users["cp2"], world.users["cp3"]
    p1, p2 = world.practice_a, world.practice_b
    CarePartnerPost.objects.create(care_partner=a, practice=p1, starts_on=d(1, 12, 2025))
    CarePartnerPost.objects.create(care_partner=b, practice=p2, starts_on=d(21))
    CarePartnerPost.objects.create(care_partner=c, practice=p2, starts_on=d(1, 6, 2025), ends_on=d(5))
    Absence.objects.create(care_partner=a, starts_on=d(6), ends_on=d(15))
    Absence.objects.create(care_partner=b, starts_on=d(25), ends_on=d(26))
    CoverArrangement.objects.create(absent=a, covering=b, starts_on=d(11), ends_on=d(15))
    CoverArrangement.objects.create(absent=c, covering=a, starts_on=d(6), ends_on=d(20))
    Episode.objects.all().delete()  # the world's own episodes are not part of this history

    def episode(practice, cp, referred, ended=None):
        person = make_person(practice, nhs_number=None, given="F", family=f"Fixture{referred}")
        return Episode.objects.create(person=person, practice=practice, care_partner=cp, referred_on=referred,
                                      ended_on=ended, phase="ended" if ended else "active")

    e1, e2, e3 = episode(p1, a, d(1, 11, 2025)), episode(p1, a, d(20)), episode(p2, b, d(1, 10, 2025))
    episode(p2, b, d(1, 9, 2025), d(20, 12, 2025))
    episode(p1, a, d(5, 2))
    rows = [
        (e1, a, d(28, 12, 2025), 30, "face_to_face", True, True), (e1, a, d(2), 30, "face_to_face", True, True),
        (e1, a, d(4), 10, "telephone", True, True), (e1, a, d(5), 15, "text", False, True),
        (e1, a, d(16), 45, "video", True, True), (e1, a, d(18), 5, "telephone", False, True),
        (e1, a, d(20), 20, "face_to_face", True, True), (e1, a, d(22), 12, "telephone", False, True),
        (e1, a, d(24), 60, "face_to_face", False, True), (e1, a, d(25), 0, "telephone", False, False),
        (e3, c, d(3), 25, "face_to_face", True, True), (e3, a, d(17), 15, "telephone", True, True),
        (e3, b, d(28), 30, "face_to_face", False, True),
    ]
    for ep, cp, on, minutes, mode, goals, reached in rows:
        Contact.objects.create(episode=ep, person=ep.person, care_partner=cp, contact_on=on, minutes=minutes,
                               mode=mode, goals_discussed=goals, reached=reached)
    for ep, agreed in ((e1, d(15, 12, 2025)), (e1, d(10, 1)), (e3, d(10, 2)), (e2, d(25))):
        Goal.objects.create(episode=ep, person=ep.person, life_area="social", words="A goal", agreed_on=agreed)
    return world


def test_the_selector_gives_the_hand_worked_figures_for_each_unit(stored):
    a, b = stored.users["cp1"].pk, stored.users["cp2"].pk
    p1, p2 = stored.practice_a.pk, stored.practice_b.pk
    records = gather_records(JAN1, JAN31)
    fa = fidelity(records, Unit.care_partner(a), JAN1, JAN31)
    assert (fa.at_work_days, fa.covered_days, fa.people, fa.contacts, fa.contacts_10_min) == (21, 5, 2, 8, 7)
    assert (fa.compliant_sessions, fa.compliant_goals, fa.people_with_goals) == (1, 1, 2)
    fp2 = fidelity(records, Unit.practice(p2), JAN1, JAN31)
    assert fp2.in_post_share == pytest.approx(19 / 31) and fp2.in_post_flag
    system = fidelity(records, Unit.system(), JAN1, JAN31)
    assert system.in_post_share == pytest.approx((26 / 31 + 19 / 31) / 2) and system.below_threshold == (p2,)
    assert (system.people, system.contacts, system.contacts_goals_discussed) == (3, 11, 6)
    fb = fidelity(records, Unit.care_partner(b), JAN1, JAN31)
    assert fb.in_post_share == pytest.approx(9 / 31)
    assert fidelity(records, Unit.practice(p1), JAN1, JAN31).in_post_share == pytest.approx(26 / 31)


def test_gathering_for_some_care_partners_reads_what_their_figures_need_and_no_more(stored):
    a = stored.users["cp1"].pk
    narrow = gather_records(JAN1, JAN31, care_partner_ids={a})
    assert {e.care_partner_id for e in narrow.episodes} == {a}
    # The covering colleague's absences are read, so cover is counted correctly.
    assert fidelity(narrow, Unit.care_partner(a), JAN1, JAN31).as_dict() == \
        fidelity(gather_records(JAN1, JAN31), Unit.care_partner(a), JAN1, JAN31).as_dict()


def test_gathering_takes_six_queries_whatever_the_history(stored, django_assert_num_queries):
    with django_assert_num_queries(6):
        gather_records(JAN1, JAN31, practice_ids={stored.practice_b.pk})
    with django_assert_num_queries(6):
        gather_records(date(2020, 1, 1), JAN31)


def test_the_team_view_has_each_supervisee_their_practices_and_the_system(stored):
    result = team_fidelity(stored.users["sup1"], JAN1, JAN31)
    assert [r.label for r in result.care_partners] == ["Cp1 Tester", "Cp2 Tester"]
    assert [r.label for r in result.practices] == ["Practice A", "Practice B"]
    assert result.team.figures.people == 3 and result.system.figures.people == 3
    assert result.team.figures.in_post_share == pytest.approx((26 / 31 + 9 / 31) / 2)
    assert [m.contacts for m in result.months] == [11]
