"""The supervisor's screens through the test client: caseload review, sessions, actions, training, fidelity,
the new-safety-events fragment, and the person page's supervision section."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from partners.audit.models import AuditEvent
from partners.care.models import CarePartnerPost, Contact, Episode
from partners.conftest import actor_for
from partners.safety.models import SafetyEvent
from partners.supervision.models import SupervisionAction, SupervisionSession, TrainingRecord
from partners.supervision.services import NewAction, supervision_session_record


def text(response) -> str:
    return response.content.decode()


def make_overdue(world, days: int = 5) -> Episode:
    today = timezone.localdate()
    episode = world.episodes["p1"]
    Episode.objects.filter(pk=episode.pk).update(next_contact_on=today - timedelta(days=days),
                                                 last_contact_on=today - timedelta(days=days + 14))
    return episode


def test_the_review_lists_each_supervisee_and_explains_each_flag_of_each_flagged_person(world, login_as):
    make_overdue(world)
    page = text(login_as(world.users["sup1"]).get("/supervision/"))
    assert "Cp1 Tester" in page and "Cp2 Tester" in page and "Cp3 Tester" not in page
    assert "Ada Lovelace" in page and "Ben Okri" not in page
    assert "Overdue contact</strong> Next contact was planned for" in page
    assert "What the flags mean" in page and "Clears when a contact that reaches the person is logged" in page


def test_a_care_partner_without_supervision_for_longer_than_the_limit_is_warned_about(world, login_as, settings):
    today = timezone.localdate()
    CarePartnerPost.objects.create(care_partner=world.users["cp1"], practice=world.practice_a,
                                   starts_on=today - timedelta(days=200))
    SupervisionSession.objects.create(supervisee=world.users["cp1"], supervisor=world.users["sup1"],
                                      held_on=today - timedelta(days=43))
    page = text(login_as(world.users["sup1"]).get("/supervision/"))
    assert "Cp1 Tester has had no supervision session for 43 days" in page and "the limit is 42 days" in page
    settings.PARTNERS = {**settings.PARTNERS, "SUPERVISION": {"MAX_DAYS_WITHOUT_SUPERVISION": 60}}
    assert "Cp1 Tester has had no supervision session" not in text(login_as(world.users["sup1"]).get("/supervision/"))


def test_the_review_shows_absence_and_cover(world, login_as):
    from partners.care.models import Absence, CoverArrangement

    today = timezone.localdate()
    Absence.objects.create(care_partner=world.users["cp1"], starts_on=today - timedelta(days=2),
                           ends_on=today + timedelta(days=5))
    CoverArrangement.objects.create(absent=world.users["cp1"], covering=world.users["cp2"],
                                    starts_on=today - timedelta(days=2))
    page = text(login_as(world.users["sup1"]).get("/supervision/"))
    assert "covered by Cp2 Tester" in page and "Covering for Cp1 Tester" in page


def test_the_review_runs_the_same_number_of_queries_for_small_and_large_caseloads(
        world, login_as, caseload, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login_as(world.users["sup1"])
    caseload(world.users["cp1"], world.practice_a, 2, history=1, tag="a")
    with CaptureQueriesContext(connection) as small:
        assert client.get("/supervision/").status_code == 200
    caseload(world.users["cp1"], world.practice_a, 20, history=6, tag="b")
    caseload(world.users["cp2"], world.practice_a, 20, history=6, tag="c")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/supervision/").status_code == 200


@pytest.mark.parametrize("username", ["cp1", "practice_a", "leader", "admin"])
def test_only_supervisors_open_the_review(world, login_as, username):
    assert login_as(world.users[username]).get("/supervision/").status_code == 404


def test_a_supervisor_records_a_session_about_a_case_with_an_action(world, login_as):
    today = timezone.localdate()
    client = login_as(world.users["sup1"])
    cp1, episode = world.users["cp1"], world.episodes["p1"]
    form = text(client.get(f"/supervision/care-partners/{cp1.pk}/sessions/new/?case={episode.pk}"))
    assert f'value="{episode.pk}" id="id_cases_0" checked' in form
    response = client.post(f"/supervision/care-partners/{cp1.pk}/sessions/new/", {
        "held_on": today.isoformat(), "cases": [episode.pk], "notes": "Talked about engagement.",
        "action_1_description": "Phone Ada this week", "action_1_owner": cp1.pk,
        "action_1_due_on": (today + timedelta(days=7)).isoformat(), "action_1_case": episode.pk,
    })
    assert response.status_code == 302 and response["Location"] == f"/supervision/care-partners/{cp1.pk}/"
    action = SupervisionAction.objects.get()
    assert action.description == "Phone Ada this week" and action.session.cases.get() == episode
    history = text(client.get(response["Location"]))
    assert "Phone Ada this week" in history and "Talked about engagement." in history


def test_the_session_form_names_each_problem_in_the_error_summary(world, login_as):
    cp1 = world.users["cp1"]
    response = login_as(world.users["sup1"]).post(f"/supervision/care-partners/{cp1.pk}/sessions/new/", {
        "held_on": "", "action_2_description": "Ring the GP"})
    page = text(response)
    assert response.status_code == 200 and "There is a problem" in page
    assert "Enter date of the session" in page
    assert "Select who will do it: the Care Partner or you." in page and "Enter when it is due." in page
    assert SupervisionSession.objects.count() == 0


def test_another_supervisor_cannot_open_the_session_form(world, login_as):
    response = login_as(world.users["sup2"]).get(f"/supervision/care-partners/{world.users['cp1'].pk}/sessions/new/")
    assert response.status_code == 404


def test_a_care_partner_sees_and_closes_their_own_actions(world, login_as):
    session = supervision_session_record(
        actor=actor_for(world.users["sup1"]), supervisee_id=world.users["cp1"].pk, held_on=timezone.localdate(),
        actions=[NewAction(1, "Book the health check", world.users["cp1"].pk, timezone.localdate())])
    action = session.actions.get()
    client = login_as(world.users["cp1"])
    page = text(client.get("/my-supervision/"))
    assert "Book the health check" in page and "Your supervisor: <strong>Sup1 Tester</strong>" in page
    response = client.post(f"/supervision/actions/{action.pk}/done/", {"next": "/my-supervision/"})
    assert response.status_code == 302 and response["Location"] == "/my-supervision/"
    action.refresh_from_db()
    assert action.completed_on == timezone.localdate()
    assert login_as(world.users["cp3"]).post(f"/supervision/actions/{action.pk}/done/").status_code == 404


def test_training_is_recorded_through_the_form_and_listed(world, login_as):
    client = login_as(world.users["sup1"])
    response = client.post("/training/new/", {"user": world.users["cp2"].pk, "kind": "initial",
                                              "completed_on": timezone.localdate().isoformat(), "days": "2.5"})
    assert response.status_code == 302
    assert TrainingRecord.objects.get().user == world.users["cp2"]
    page = text(client.get("/training/"))
    assert "Cp2 Tester" in page and "(2.5 days)" in page
    bad = text(client.post("/training/new/", {"user": world.users["cp2"].pk, "kind": "initial",
                                              "completed_on": timezone.localdate().isoformat(), "days": "12"}))
    assert "Length 12 days must be between 0.5 and 10, in half days." in bad


def test_the_fidelity_page_shows_the_team_practices_and_system_with_charts_and_tables(world, login_as):
    today = timezone.localdate()
    CarePartnerPost.objects.create(care_partner=world.users["cp1"], practice=world.practice_a,
                                   starts_on=today - timedelta(days=400))
    for days_ago in (40, 30, 20, 10, 5, 2):
        Contact.objects.create(episode=world.episodes["p1"], person=world.people["p1"], care_partner=world.users["cp1"],
                               contact_on=today - timedelta(days=days_ago), mode="face_to_face", minutes=30,
                               goals_discussed=True)
    page = text(login_as(world.users["sup1"]).get("/fidelity/"))
    assert page.count("<svg") >= 3 and 'role="img"' in page
    assert 'data-testid="fidelity-care-partners"' in page and 'data-testid="fidelity-practices"' in page
    assert "Whole system" in page and "Practice A" in page
    # cp1: one person, six sessions of 10+ minutes with goals: both compliance definitions met.
    row = page.split('data-testid="row-cp1-tester"')[1].split("</tr>")[0]
    assert ">6</td>" in row and "1 (100%)" in row
    # cp2 has no post: in post 0%, flagged.
    assert "Cp2 Tester in post under 70% of the time" in page


def test_a_bad_fidelity_date_range_is_explained(world, login_as):
    page = text(login_as(world.users["sup1"]).get("/fidelity/?start=2026-05-01&end=2026-04-01"))
    assert "There is a problem" in page and "The end date must be on or after the start date." in page


def test_new_safety_events_arrive_in_the_fragment_and_leave_it_when_reviewed(world, login_as):
    client = login_as(world.users["sup1"])
    headers = {"HX-Request": "true"}
    empty = client.get("/supervision/safety-events/", headers=headers)
    assert "No new safety events" in text(empty)
    token = text(empty).split("seen=")[1].split('"')[0]
    audited = AuditEvent.objects.count()
    assert client.get(f"/supervision/safety-events/?seen={token}", headers=headers).status_code == 204
    assert AuditEvent.objects.count() == audited  # an unchanged poll shows nothing, so records nothing
    event = SafetyEvent.objects.create(person=world.people["p1"], episode=world.episodes["p1"], kind="crisis",
                                       onset_on=timezone.localdate(), reported_by=world.users["cp1"])
    SafetyEvent.objects.create(person=world.people["p2"], episode=world.episodes["p2"], kind="admission",
                               onset_on=timezone.localdate())  # cp3's: supervisor2's team
    changed = client.get(f"/supervision/safety-events/?seen={token}", headers=headers)
    assert changed.status_code == 200 and "Ada Lovelace" in text(changed) and "Ben Okri" not in text(changed)
    reviewed = client.post(f"/supervision/safety-events/{event.pk}/review/", {}, headers=headers)
    assert "No new safety events" in text(reviewed)
    event.refresh_from_db()
    assert event.reviewed_by == world.users["sup1"]
    other = SafetyEvent.objects.get(person=world.people["p2"])
    assert client.post(f"/supervision/safety-events/{other.pk}/review/").status_code == 404


def test_the_person_page_shows_flags_and_supervision_to_the_care_partner_and_supervisor_only(world, login_as):
    make_overdue(world)
    person = world.people["p1"].pk
    for username in ("cp1", "sup1"):
        page = text(login_as(world.users[username]).get(f"/people/{person}/"))
        assert "Flags and supervision" in page and "Overdue contact" in page
    sup_page = text(login_as(world.users["sup1"]).get(f"/people/{person}/"))
    assert "Record a supervision session about this case" in sup_page
    assert "Flags and supervision" not in text(login_as(world.users["practice_a"]).get(f"/people/{person}/"))


def test_the_person_page_query_count_does_not_grow_with_history(world, login_as, caseload,
                                                                django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    short, long_ = caseload(world.users["cp1"], world.practice_a, 1, history=1, tag="s")[0], \
        caseload(world.users["cp1"], world.practice_a, 1, history=12, tag="l")[0]
    client = login_as(world.users["sup1"])
    with CaptureQueriesContext(connection) as baseline:
        assert client.get(f"/people/{short.person_id}/").status_code == 200
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        assert client.get(f"/people/{long_.person_id}/").status_code == 200
