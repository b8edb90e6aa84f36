"""The care pages: the caseload, the person page's care sections, the quick contact form, cover."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from partners.care import services
from partners.care.models import Contact, CoverArrangement, Episode, Goal, GoalRating, Phase, Referral, RhythmChange
from partners.conftest import actor_for, make_person
from partners.measures.models import QuestionnaireResponse


def today():
    return timezone.localdate()


def add_caseload(world, n, *, care_partner="cp1", history=0):
    """n more people on a Care Partner's caseload, each with ``history`` contacts, goals and ratings."""
    rng = random.Random(n)
    cp = world.users[care_partner]
    start = today() - timedelta(days=300)
    for i in range(n):
        person = make_person(world.practice_a, nhs_number=None, given=f"Person{i}", family=f"Caseload{i:03d}")
        episode = Episode.objects.create(
            person=person, care_partner=cp, practice=world.practice_a, phase=rng.choice(["active", "stepped_down"]),
            referred_on=start, started_on=start, planned_end_on=start + timedelta(days=365),
            transition_from=start + timedelta(days=300), next_contact_on=today() + timedelta(days=rng.randint(-5, 20)),
            last_contact_on=today() - timedelta(days=rng.randint(1, 20)))
        add_history(episode, history, rng)
        for k in range(2):
            QuestionnaireResponse.objects.create(person=person, instrument="mansa", score=3.5 + rng.random(),
                                                 completed_on=start + timedelta(days=100 * k))


def add_history(episode, n, rng):
    cp = episode.care_partner
    goals = [Goal.objects.create(episode=episode, person=episode.person, life_area="social", words=f"Goal {k}",
                                 agreed_on=episode.started_on, review_on=today() + timedelta(days=k - 2))
             for k in range(max(1, n // 10))]
    for goal in goals:
        for k in range(3):
            GoalRating.objects.create(goal=goal, rated_on=goal.agreed_on + timedelta(days=30 * k),
                                      rating=min(10, 2 + k), kind="agreement" if k == 0 else "review")
    for k in range(n):
        contact = Contact.objects.create(episode=episode, person=episode.person, care_partner=cp,
                                         contact_on=episode.started_on + timedelta(days=k % 280), mode="telephone",
                                         minutes=15, goals_discussed=True, notes=f"Contact {k}")
        contact.goals.set(goals[:2])
    for k in range(n // 20):
        RhythmChange.objects.create(episode=episode, changed_on=episode.started_on + timedelta(days=k),
                                    direction="step_down", to_interval_days=28, agreed_with="both", reason="ok")


@pytest.fixture
def cp1_client(world, login_as):
    return login_as(world.users["cp1"])


def test_the_caseload_shows_each_person_with_phase_next_contact_goals_mansa_and_flags(world, cp1_client):
    p1 = world.people["p1"]
    services.goal_agree(actor=actor_for(world.users["cp1"]), person_id=p1.pk, life_area="social", words="Join choir",
                        rating=3)
    QuestionnaireResponse.objects.create(person=p1, instrument="mansa", score=4.5, completed_on=today())
    QuestionnaireResponse.objects.create(person=p1, instrument="mansa", score=4.0,
                                         completed_on=today() - timedelta(days=90))
    QuestionnaireResponse.objects.create(person=p1, instrument="mansa", score=None, status="in_progress",
                                         completed_on=today() + timedelta(days=1))
    Episode.objects.filter(pk=world.episodes["p1"].pk).update(next_contact_on=today() - timedelta(days=1))
    response = cp1_client.get("/caseload/")
    html = response.content.decode()
    assert "Ada Lovelace" in html and "Ben Okri" not in html
    assert "1 agreed" in html and "4.5" in html and "up from 4.0" in html
    assert '<strong class="nhsuk-tag nhsuk-tag--red">Overdue</strong>' in html
    row = response.context["data"].rows[0]
    assert row.status == "overdue" and row.mansa_direction == "up"
    assert row.flag_codes == ["never_contacted"]  # never reached: the overdue rule waits for a first contact


def test_the_caseload_filters_and_sorts(world, cp1_client):
    add_caseload(world, 6)
    rows = cp1_client.get("/caseload/?sort=-name").context["data"].rows
    names = [r.person.family_name for r in rows]
    assert names == sorted(names, reverse=True)
    overdue = cp1_client.get("/caseload/?status=overdue").context["data"].rows
    assert overdue and all(r.episode.next_contact_on < today() for r in overdue)
    stepped = cp1_client.get("/caseload/?phase=stepped_down").context["data"].rows
    assert all(r.episode.phase == "stepped_down" for r in stepped)
    by_next = [r.episode.next_contact_on for r in cp1_client.get("/caseload/?sort=next").context["data"].rows]
    assert by_next == sorted(by_next)
    assert cp1_client.get("/caseload/?sort=nonsense").status_code == 200


PAGE_QUERY_BUDGET = 15  # issue 9: the caseload and the person page, whatever the data size


def test_the_caseload_stays_within_15_queries_from_5_to_60_people(world, cp1_client, django_assert_max_num_queries):
    add_caseload(world, 4, history=3)  # and Ada Lovelace: 5 people
    with django_assert_max_num_queries(PAGE_QUERY_BUDGET) as small:
        response = cp1_client.get("/caseload/")
    assert len(response.context["data"].rows) == 5
    add_caseload(world, 55, history=3)
    with django_assert_max_num_queries(PAGE_QUERY_BUDGET) as large:
        response = cp1_client.get("/caseload/")
    assert len(response.context["data"].rows) == 60
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_person_page_stays_within_15_queries_from_3_to_300_contacts(world, cp1_client,
                                                                        django_assert_max_num_queries):
    episode = world.episodes["p1"]
    url = f"/people/{world.people['p1'].pk}/"
    add_history(episode, 3, random.Random(1))
    cp1_client.get(url)  # the session's first request does its own one-off work
    with django_assert_max_num_queries(PAGE_QUERY_BUDGET) as short:  # the whole page, every app's sections
        response = cp1_client.get(url)
    assert response.status_code == 200 and response.context["sections"]
    add_history(episode, 297, random.Random(2))
    assert Contact.objects.filter(episode=episode).count() == 300
    with django_assert_max_num_queries(PAGE_QUERY_BUDGET) as long:
        response = cp1_client.get(url)
    assert len(long.captured_queries) == len(short.captured_queries)
    assert "see the whole history" in response.content.decode()


def test_the_person_page_for_a_supervisor_stays_within_15_queries(world, login_as, django_assert_max_num_queries):
    add_history(world.episodes["p1"], 300, random.Random(3))
    client = login_as(world.users["sup1"])
    with django_assert_max_num_queries(PAGE_QUERY_BUDGET):
        assert client.get(f"/people/{world.people['p1'].pk}/").status_code == 200


def test_the_person_page_shows_understanding_goals_timeline_plan_and_liaison(world, cp1_client, directory):
    actor, p1 = actor_for(world.users["cp1"]), world.people["p1"]
    services.shared_understanding_save(actor=actor, person_id=p1.pk, situation="Lives with her mum",
                                       strengths="Great with animals", what_matters="Her dog, Biscuit")
    goal = services.goal_agree(actor=actor, person_id=p1.pk, life_area="leisure", words="Walk Biscuit every day",
                               rating=4)
    services.goal_review(actor=actor, person_id=p1.pk, goal_id=goal.pk, rating=7)
    services.contact_record(actor=actor, person_id=p1.pk, contact_on=today(), mode="face_to_face", place="home",
                            minutes=45, goal_ids=[goal.pk], notes="Met at home", next_contact_on=today() + timedelta(7))
    services.referral_create(actor=actor, person_id=p1.pk, service_id=directory["mind"].pk, reason="Peer group")
    html = cp1_client.get(f"/people/{p1.pk}/").content.decode()
    for text in ("Shared understanding", "Her dog, Biscuit", "Walk Biscuit every day", "4</span> → <span",
                 "Face to face (their home), 45 min", "Met at home", "Referral to Shire Mind", "Fortnightly",
                 "Log a contact"):
        assert text in html, text


def test_practice_staff_see_the_plan_and_goals_but_not_contact_notes(world, login_as):
    actor, p1 = actor_for(world.users["cp1"]), world.people["p1"]
    services.goal_agree(actor=actor, person_id=p1.pk, life_area="money", words="Pay the gas bill", rating=2)
    services.contact_record(actor=actor, person_id=p1.pk, contact_on=today(), mode="telephone", minutes=10,
                            notes="Private worries", next_contact_on=today() + timedelta(days=14))
    html = login_as(world.users["practice_a"]).get(f"/people/{p1.pk}/").content.decode()
    assert "Pay the gas bill" in html and "Fortnightly" in html
    assert "Private worries" not in html and "Log a contact" not in html


def test_the_contact_form_is_prefilled_with_today_the_usual_mode_and_the_next_date(world, cp1_client):
    Episode.objects.filter(pk=world.episodes["p1"].pk).update(last_contact_mode="video", contact_interval_days=28)
    form = cp1_client.get(f"/people/{world.people['p1'].pk}/contact/").context["form"]
    assert form.initial["contact_on"] == today() and form.initial["mode"] == "video"
    assert form.initial["next_contact_on"] == today() + timedelta(days=28)


def contact_post(**overrides):
    data = {"contact_on": today().isoformat(), "mode": "telephone", "minutes": "20",
            "next_contact_on": (today() + timedelta(days=14)).isoformat(), "notes": "Talked about the week"}
    data.update(overrides)
    return data


@pytest.mark.parametrize(("overrides", "message"), [
    ({"contact_on": "2999-01-01"}, "is in the future: it can be today at the latest"),
    ({"minutes": "-10"}, "Minutes cannot be negative (-10)."),
    ({"goals": ["999999"]}, "Goal 999999 is not one of this person&#x27;s goals in this episode."),
    ({"minutes": ""}, "Enter minutes"),
])
def test_the_contact_form_rejects_bad_input_with_a_clear_message(world, cp1_client, overrides, message):
    response = cp1_client.post(f"/people/{world.people['p1'].pk}/contact/", contact_post(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and message in html
    assert not Contact.objects.exists()


def test_a_double_submitted_contact_creates_one_record(world, cp1_client):
    url = f"/people/{world.people['p1'].pk}/contact/"
    data = contact_post(idempotency_key="f0e1d2c3b4a5")
    first = cp1_client.post(url, data)
    second = cp1_client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert second["Idempotent-Replayed"] == "true"
    assert Contact.objects.count() == 1


def test_the_goal_review_and_rhythm_forms_save_through_the_services(world, cp1_client):
    p1 = world.people["p1"]
    response = cp1_client.post(f"/people/{p1.pk}/goals/new/", {"words": "Cook a roast", "life_area": "leisure",
                                                               "rating": "3"})
    assert response.status_code == 302
    goal = Goal.objects.get()
    response = cp1_client.post(f"/people/{p1.pk}/goals/{goal.pk}/review/", {
        "rating": "6", "status": "active", "rated_on": today().isoformat()})
    assert response.status_code == 302 and goal.ratings.count() == 2
    response = cp1_client.post(f"/people/{p1.pk}/rhythm/", {
        "interval_days": "28", "agreed_with": "Ada and me", "reason": "Doing well",
        "next_contact_on": (today() + timedelta(days=28)).isoformat()})
    assert response.status_code == 302
    assert Episode.objects.get(pk=world.episodes["p1"].pk).phase == Phase.STEPPED_DOWN


def test_someone_elses_goal_cannot_be_reviewed_through_the_url(world, login_as):
    other = services.goal_agree(actor=actor_for(world.users["cp3"]), person_id=world.people["p2"].pk,
                                life_area="work", words="Work", rating=1)
    client = login_as(world.users["cp1"])
    assert client.get(f"/people/{world.people['p1'].pk}/goals/{other.pk}/review/").status_code == 404


@pytest.mark.parametrize("url", ["/people/{p}/contact/", "/people/{p}/goals/new/", "/people/{p}/rhythm/",
                                 "/people/{p}/urgent/", "/people/{p}/referrals/new/", "/people/{p}/phase/",
                                 "/people/{p}/understanding/", "/people/{p}/handover/", "/people/{p}/history/",
                                 "/people/{p}/secondary-care/"])
def test_care_forms_open_for_the_care_partner_and_are_404_for_anyone_else(world, login_as, url):
    path = url.format(p=world.people["p1"].pk)
    assert login_as(world.users["cp1"]).get(path).status_code == 200
    for other in ("cp2", "cp3", "practice_a", "leader"):
        assert login_as(world.users[other]).get(path).status_code == 404, (other, path)


def test_a_new_referral_appears_on_the_caseload_to_accept(world, login_as):
    response = login_as(world.users["practice_a"]).post(
        f"/people/{world.people['p3'].pk}/refer/", {"care_partner": str(world.users["cp1"].pk), "source": "GP"})
    assert response.status_code == 302
    client = login_as(world.users["cp1"])
    assert "New referrals" in client.get("/caseload/").content.decode()
    response = client.post(f"/caseload/{world.people['p3'].pk}/accept/")
    assert response.status_code == 302
    assert Episode.objects.get(person=world.people["p3"]).phase == Phase.ENGAGING


def test_the_supervisor_records_absence_assigns_cover_and_posts_and_sees_availability(world, login_as):
    client = login_as(world.users["sup1"])
    cp1, cp2 = world.users["cp1"], world.users["cp2"]
    started = (today() - timedelta(days=400)).isoformat()
    assert client.post("/cover/post/new/", {"care_partner": cp1.pk, "practice": world.practice_a.pk,
                                            "starts_on": started}).status_code == 302
    assert client.post("/cover/absence/new/", {"care_partner": cp1.pk, "starts_on": today().isoformat(),
                                               "ends_on": (today() + timedelta(days=5)).isoformat(),
                                               "reason": "Leave"}).status_code == 302
    assert client.post("/cover/assign/new/", {"absent": cp1.pk, "covering": cp2.pk,
                                              "starts_on": today().isoformat()}).status_code == 302
    assert CoverArrangement.objects.get().covering == cp2
    html = client.get("/cover/").content.decode()
    assert "Practice A" in html and "100%" in html
    bad = client.post("/cover/assign/new/", {"absent": cp1.pk, "covering": cp1.pk, "starts_on": today().isoformat()})
    assert bad.status_code == 400 and "cannot cover their own caseload" in bad.content.decode()
    assert login_as(world.users["cp1"]).get("/cover/").status_code == 404


def test_the_directory_lists_services_by_kind(world, cp1_client, directory):
    html = cp1_client.get("/services/?kind=vcso").content.decode()
    assert "Shire Mind" in html and "North CMHT" not in html


def test_the_urgent_referral_form_offers_only_secondary_and_crisis_services(world, cp1_client, directory):
    form = cp1_client.get(f"/people/{world.people['p1'].pk}/urgent/").context["form"]
    offered = {label for value, label in form.fields["service"].choices if value}
    assert offered == {"Crisis and Home Treatment Team", "North CMHT"}
    response = cp1_client.post(f"/people/{world.people['p1'].pk}/urgent/", {
        "service": directory["crisis"].pk, "reason": "Very unwell", "interval_days": "7",
        "next_contact_on": (today() + timedelta(days=2)).isoformat()})
    assert response.status_code == 302 and Referral.objects.get().urgent


def test_the_handover_form_moves_the_case_and_refuses_no_choice(world, cp1_client):
    url = f"/people/{world.people['p1'].pk}/handover/"
    refused = cp1_client.post(url, {"reason": "person_choice"})
    assert refused.status_code == 400 and "Select new care partner" in refused.content.decode()
    response = cp1_client.post(url, {"to_care_partner": world.users["cp2"].pk, "reason": "person_choice",
                                     "note": "Wants a change"})
    assert response.status_code == 302
    assert Episode.objects.get(pk=world.episodes["p1"].pk).care_partner == world.users["cp2"]
