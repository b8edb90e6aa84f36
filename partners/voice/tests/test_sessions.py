"""A structured session from ratings to agreed actions reviewed at the next contact (web forms, no JS)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from partners.care.models import Goal, GoalEvent
from partners.conftest import actor_for
from partners.measures.models import QuestionnaireResponse
from partners.voice import dialog, services
from partners.voice.models import AgreedAction, StructuredSession

RATINGS = {"mental_health": 3, "physical_health": 4, "job": 2, "accommodation": 6, "leisure": 5, "friendships": 4,
           "partner_family": 6, "personal_safety": 6, "medication": 5, "practical_help": 3, "meetings": 7}


def _post_ratings(client: Any, url: str, ratings: dict[str, int], more_help: tuple[str, ...] = ()) -> Any:
    data: dict[str, Any] = {code: str(value) for code, value in ratings.items()}
    data.update({f"{code}_help": "on" for code in more_help})
    return client.post(url, data)


def _run_session(client: Any, person_id: int, ratings: dict[str, int], chosen: list[str],
                 actions: dict[str, str], goal: dict[str, Any] | None = None) -> int:
    response = client.post(f"/people/{person_id}/session/new/", {"idempotency_key": f"k{timezone.now().timestamp()}"})
    assert response.status_code == 302, response.content
    found = re.search(r"/session/(\d+)/", response["Location"])
    assert found is not None
    session_id = int(found.group(1))
    base = f"/people/{person_id}/session/{session_id}"
    assert _post_ratings(client, f"{base}/ratings/", ratings, ("job",))["Location"] == f"{base}/choose/"
    response = client.post(f"{base}/choose/", {"areas": chosen})
    assert response["Location"] == f"{base}/talk/{chosen[0]}/"
    for area in chosen:
        data = {"understanding": "Some things are going well", "looking_forward": "A bit better",
                "options": "Several", "actions": actions[area], **(goal or {"goal": ""})}
        response = client.post(f"{base}/talk/{area}/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == f"{base}/finish/"
    response = client.post(f"{base}/finish/", {"idempotency_key": f"f{session_id}"})
    assert response.status_code == 302
    return session_id


def test_a_session_records_means_as_scores_and_actions_as_goal_steps(world: Any, login_as: Any) -> None:
    person, episode = world.people["p1"], world.episodes["p1"]
    goal = Goal.objects.create(episode=episode, person=person, life_area="work", words="Find voluntary work",
                               agreed_on=episode.started_on, steps="Look online")
    client = login_as(world.users["cp1"])
    session_id = _run_session(client, person.pk, RATINGS, ["job"],
                              {"job": "Call the volunteer centre\nAsk Sam about the charity shop"},
                              goal={"goal": str(goal.pk)})
    session = StructuredSession.objects.get(pk=session_id)
    assert session.status == StructuredSession.Status.COMPLETED
    assert session.life_mean == pytest.approx(sum(RATINGS[c] for c in dialog.LIFE) / 8)
    assert session.care_mean == pytest.approx(5.0)
    scores = {r.instrument: r.score for r in QuestionnaireResponse.objects.filter(person=person)}
    assert scores == {"dialog-life": pytest.approx(4.5), "dialog-care": pytest.approx(5.0)}
    goal.refresh_from_db()
    assert "Look online" in goal.steps and "- Call the volunteer centre" in goal.steps
    assert GoalEvent.objects.filter(goal=goal, kind=GoalEvent.Kind.EDITED).exists()
    assert [a.text for a in AgreedAction.objects.filter(session=session)] == [
        "Call the volunteer centre", "Ask Sam about the charity shop"]
    assert session.ratings.get(area="job").more_help


def test_the_next_contact_form_shows_the_agreed_actions_and_records_their_review(world: Any, login_as: Any) -> None:
    person = world.people["p1"]
    client = login_as(world.users["cp1"])
    _run_session(client, person.pk, RATINGS, ["leisure", "friendships"],
                 {"leisure": "Go to the allotment on Saturday", "friendships": "Text Jo"},
                 goal={"goal": "new", "goal_words": "Get out more", "goal_rating": "3"})
    page = client.get(f"/people/{person.pk}/contact/").content.decode()
    assert "Go to the allotment on Saturday" in page and "Text Jo" in page
    action = AgreedAction.objects.get(text="Text Jo")
    today = timezone.localdate()
    response = client.post(f"/people/{person.pk}/contact/", {
        "contact_on": today.isoformat(), "mode": "telephone", "minutes": "30",
        "next_contact_on": (today + timedelta(days=14)).isoformat(), f"action_{action.pk}": "done",
        "idempotency_key": "contact-1"})
    assert response.status_code == 302, response.content.decode()[:3000]
    action.refresh_from_db()
    assert action.status == "done" and action.reviewed_contact is not None
    assert StructuredSession.objects.get().contact == action.reviewed_contact  # the session was in this contact
    page = client.get(f"/people/{person.pk}/contact/").content.decode()
    assert "Text Jo" not in page and "Go to the allotment on Saturday" in page
    new_goals = Goal.objects.filter(words="Get out more").order_by("pk")
    assert [(g.life_area, g.steps) for g in new_goals] == [
        ("leisure", "- Go to the allotment on Saturday"), ("social", "- Text Jo")]


def test_the_second_session_shows_each_rating_against_the_first(world: Any, login_as: Any) -> None:
    person = world.people["p1"]
    client = login_as(world.users["cp1"])
    first = _run_session(client, person.pk, RATINGS, ["job"], {"job": "One"})
    StructuredSession.objects.filter(pk=first).update(held_on=timezone.localdate() - timedelta(days=14))
    response = client.post(f"/people/{person.pk}/session/new/", {"idempotency_key": "second"})
    base = response["Location"].rsplit("/ratings/", 1)[0]
    assert "Last time: 3 (fairly dissatisfied)" in client.get(f"{base}/ratings/").content.decode()
    _post_ratings(client, f"{base}/ratings/", {**RATINGS, "mental_health": 5})
    page = client.get(f"{base}/choose/").content.decode()
    found = re.search(r'data-testid="compare-mental_health">(.*?)</tr>', page, re.S)
    assert found is not None
    row = found.group(1)
    assert ">5<" in row and ">3<" in row and "up 2 since last time" in row


def test_more_than_three_areas_cannot_be_chosen(world: Any, login_as: Any) -> None:
    person = world.people["p1"]
    client = login_as(world.users["cp1"])
    response = client.post(f"/people/{person.pk}/session/new/", {"idempotency_key": "x"})
    base = response["Location"].rsplit("/ratings/", 1)[0]
    _post_ratings(client, f"{base}/ratings/", RATINGS)
    response = client.post(f"{base}/choose/", {"areas": ["job", "leisure", "friendships", "medication"]})
    assert response.status_code == 400
    assert "Choose up to 3 areas to talk about (4 were chosen)." in response.content.decode()


def test_every_area_must_be_rated_from_1_to_7(world: Any) -> None:
    actor = actor_for(world.users["cp1"])
    session = services.session_start(actor=actor, person_id=world.people["p1"].pk)
    with pytest.raises(ValidationError) as caught:
        services.session_rate(actor=actor, person_id=world.people["p1"].pk, session_id=session.pk,
                              ratings={**RATINGS, "job": 8, "leisure": None})
    assert caught.value.message_dict == {
        "job": ["Job situation (work or occupation): 8 is not a rating from 1 to 7."],
        "leisure": ["Select how satisfied they are with leisure activities (1 to 7)."]}


def test_a_session_cannot_be_completed_before_the_chosen_areas_are_talked_through(world: Any) -> None:
    actor, pid = actor_for(world.users["cp1"]), world.people["p1"].pk
    session = services.session_start(actor=actor, person_id=pid)
    services.session_rate(actor=actor, person_id=pid, session_id=session.pk, ratings=RATINGS)
    services.session_choose(actor=actor, person_id=pid, session_id=session.pk, areas=["job"])
    with pytest.raises(ValidationError, match="Talk through Job situation"):
        services.session_complete(actor=actor, person_id=pid, session_id=session.pk)


def test_an_interpreter_assisted_session_is_recorded_as_such(world: Any) -> None:
    actor, pid = actor_for(world.users["cp1"]), world.people["p1"].pk
    session = services.session_start(actor=actor, person_id=pid, interpreter_used=True)
    services.session_rate(actor=actor, person_id=pid, session_id=session.pk, ratings=RATINGS)
    services.session_choose(actor=actor, person_id=pid, session_id=session.pk, areas=["job"])
    services.discussion_save(actor=actor, person_id=pid, session_id=session.pk, area="job", understanding="",
                             looking_forward="", options="", actions="Phone the job centre")
    services.session_complete(actor=actor, person_id=pid, session_id=session.pk)
    assert set(QuestionnaireResponse.objects.filter(person_id=pid).values_list("mode", flat=True)) == {"interpreter"}


def test_another_care_partners_person_is_not_found(world: Any, login_as: Any) -> None:
    response = login_as(world.users["cp1"]).post(f"/people/{world.people['p2'].pk}/session/new/", {})
    assert response.status_code == 404
