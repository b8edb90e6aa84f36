"""Supervision: the caseload review page and fidelity, on generated data in a throwaway test database.

1. The supervisor's caseload review at 10 supervisees with 30 people each (six months of fortnightly
   contacts, goals and reviews, MANSA scores, safety events, monthly supervision with actions): queries per
   request and p50/p95 server time through Django's test client (no network), and the same for the
   new-safety-events fragment the page polls every few seconds.
2. Fidelity over a year for one practice and for the whole system on a generated history (national-scale
   by default: 200 practices, 240 Care Partners, ~9,000 people, ~100,000 contacts in the year): database
   read time (``gather_records``) and computation time (the pure core) separately; and the supervisor's
   "Fidelity for the team" page end to end (it also computes the system row from every record).

The database is SQLite in memory unless ``DATABASE_URL`` is set (then a ``test_`` copy is created on that
server and dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import date, timedelta
from typing import Any

SUPERVISEES = 10
PEOPLE_EACH = 30


def _setup_django() -> Any:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partners.settings")
    os.environ.setdefault("PARTNERS_ENV", "test")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)  # as in production: no query log, no debug overhead
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    return connection


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _organisations(n_practices: int, prefix: str) -> list[Any]:
    from partners.organisations.models import Organisation

    pcn = Organisation.objects.create(kind="pcn", name=f"Bench PCN {prefix}", ods_code=f"U{prefix}001")
    Organisation.objects.bulk_create([
        Organisation(kind="practice", name=f"Bench Practice {prefix}{i:04d}", ods_code=f"{prefix}{i:05d}", parent=pcn)
        for i in range(n_practices)])
    return list(Organisation.objects.filter(kind="practice", parent=pcn).order_by("ods_code"))


def _history(rng: random.Random, today: date, practices: list[Any], care_partners: list[Any], people_each: int,
             months: int, *, extras: bool, tag: str) -> None:
    """Posts, absences with cover, episodes, fortnightly contacts, goals; with ``extras`` also goal ratings,
    MANSA scores and safety events."""
    from partners.care.models import Absence, CarePartnerPost, Contact, CoverArrangement, Episode, Goal, GoalRating
    from partners.measures.models import QuestionnaireResponse
    from partners.registry.models import Person
    from partners.safety.models import SafetyEvent

    posts, absences, covers = [], [], []
    for i, cp in enumerate(care_partners):
        practice = practices[i % len(practices)]
        start = today - timedelta(days=rng.choice([500, 420, 200]))
        posts.append(CarePartnerPost(care_partner=cp, practice=practice, starts_on=start))
        if rng.random() < 0.3:
            away = today - timedelta(days=rng.randint(20, 300))
            absences.append(Absence(care_partner=cp, starts_on=away, ends_on=away + timedelta(days=rng.randint(5, 40))))
            if rng.random() < 0.6:
                covering = care_partners[(i + 1) % len(care_partners)]
                covers.append(CoverArrangement(absent=cp, covering=covering, starts_on=away,
                                               ends_on=away + timedelta(days=10)))
    CarePartnerPost.objects.bulk_create(posts)
    Absence.objects.bulk_create(absences)
    CoverArrangement.objects.bulk_create(covers)

    people = []
    for i in range(len(care_partners)):
        practice = practices[i % len(practices)]
        for k in range(people_each):
            people.append(Person(given_name=f"G{i}", family_name=f"{tag}{i:04d}{k:03d}", date_of_birth=date(1970, 1, 1),
                                 practice=practice, diagnosis_group="bipolar", usual_care_setting="primary"))
    Person.objects.bulk_create(people, batch_size=2000)
    people = list(Person.objects.filter(family_name__startswith=tag).order_by("pk"))
    episodes = []
    for n, person in enumerate(people):
        cp = care_partners[n // people_each]
        referred = today - timedelta(days=rng.randint(20, months * 30))
        episodes.append(Episode(person=person, care_partner=cp, practice=person.practice, phase="active",
                                referred_on=referred, started_on=referred + timedelta(days=5),
                                planned_end_on=referred + timedelta(days=365),
                                next_contact_on=today + timedelta(days=rng.randint(-10, 14)),
                                last_contact_on=today - timedelta(days=rng.randint(1, 20))))
    Episode.objects.bulk_create(episodes, batch_size=2000)
    episodes = list(Episode.objects.filter(person__in=people).select_related("care_partner"))
    contacts, goals, scores, events = [], [], [], []
    for e in episodes:
        day = e.started_on
        while day < today:
            if rng.random() < 0.85:
                contacts.append(Contact(episode=e, person_id=e.person_id, care_partner=e.care_partner, contact_on=day,
                                        mode=rng.choice(["face_to_face", "telephone", "video", "text"]),
                                        minutes=rng.choice([5, 15, 30, 45]), reached=rng.random() < 0.9,
                                        goals_discussed=rng.random() < 0.5, next_contact_on=day + timedelta(days=14)))
            day += timedelta(days=14)
        if (today - e.started_on).days > 30:
            goals.append(Goal(episode=e, person_id=e.person_id, life_area="social", words="A goal",
                              agreed_on=e.started_on + timedelta(days=21),
                              review_on=today + timedelta(days=rng.randint(-20, 40))))
        if extras:
            for m in range(0, (today - e.referred_on).days, 90):
                scores.append(QuestionnaireResponse(person_id=e.person_id, episode=e, instrument="mansa",
                                                    completed_on=e.referred_on + timedelta(days=m),
                                                    score=round(rng.uniform(2.5, 6), 2), status="completed"))
            if rng.random() < 0.08:
                onset = today - timedelta(days=rng.randint(1, 100))
                events.append(SafetyEvent(person_id=e.person_id, episode=e, kind=rng.choice(["admission", "crisis"]),
                                          onset_on=onset, ended_on=None if rng.random() < 0.3 else onset))
    Contact.objects.bulk_create(contacts, batch_size=5000)
    Goal.objects.bulk_create(goals, batch_size=5000)
    if extras:
        GoalRating.objects.bulk_create([GoalRating(goal=g, rated_on=g.agreed_on, rating=4, kind="agreement")
                                        for g in Goal.objects.filter(episode__in=episodes)], batch_size=5000)
        QuestionnaireResponse.objects.bulk_create(scores, batch_size=5000)
        SafetyEvent.objects.bulk_create(events, batch_size=5000)


def _users(prefix: str, n: int, role: str, supervisor: Any = None) -> list[Any]:
    """Synthetic accounts (marked demo, so the test client skips two-factor sign-in outside production)."""
    from partners.accounts.models import User

    User.objects.bulk_create([User(username=f"{prefix}{i:04d}", role=role, first_name="Bench", last_name=f"{prefix}{i}",
                                   supervisor=supervisor, is_demo=True) for i in range(n)])
    return list(User.objects.filter(username__startswith=prefix).order_by("username"))


def _time_requests(client: Any, url: str, n: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured.captured_queries)  # read now: later requests clear the query log
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code in (200, 204)
    return times, queries


def _review(figures: dict[str, Any], rng: random.Random, today: date, n: int) -> Any:
    from django.test import Client

    from partners.supervision.models import SupervisionAction, SupervisionSession

    supervisor = _users("benchsup", 1, "supervisor")[0]
    care_partners = _users("benchcp", SUPERVISEES, "care_partner", supervisor)
    practices = _organisations(5, "R")
    _history(rng, today, practices, care_partners, PEOPLE_EACH, 6, extras=True, tag="Review")
    for cp in care_partners:
        for m in range(6):
            session = SupervisionSession.objects.create(supervisee=cp, supervisor=supervisor,
                                                        held_on=today - timedelta(days=30 * m + 3))
            SupervisionAction.objects.create(session=session, description="Follow up", owner=cp,
                                             due_on=session.held_on + timedelta(days=14),
                                             completed_on=None if m < 2 else session.held_on + timedelta(days=10))
    client = Client()
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    times, queries = _time_requests(client, "/supervision/", n)
    figures.update({
        "review_supervisees": SUPERVISEES, "review_people_each": PEOPLE_EACH, "review_queries": queries,
        "review_p50_ms": round(_percentile(times, 0.5), 1), "review_p95_ms": round(_percentile(times, 0.95), 1),
        "review_requests": n,
    })
    feed, feed_queries = _time_requests(client, "/supervision/safety-events/", n)
    figures.update({"safety_feed_queries": feed_queries, "safety_feed_p50_ms": round(_percentile(feed, 0.5), 1),
                    "safety_feed_p95_ms": round(_percentile(feed, 0.95), 1)})
    return client


def _fidelity(figures: dict[str, Any], rng: random.Random, today: date, quick: bool) -> None:
    from partners.care.models import Contact
    from partners.supervision.fidelity import Unit, fidelity
    from partners.supervision.fidelity_selectors import gather_records

    n_practices, n_cps, people_each = (20, 24, 20) if quick else (200, 240, 38)
    care_partners = _users("fidcp", n_cps, "care_partner")
    practices = _organisations(n_practices, "F")
    started = time.perf_counter()
    _history(rng, today, practices, care_partners, people_each, 12, extras=False, tag="Fidelity")
    figures["fidelity_generate_seconds"] = round(time.perf_counter() - started, 1)
    end, start = today, today - timedelta(days=364)
    one = practices[0].pk

    started = time.perf_counter()
    records = gather_records(start, end, practice_ids={one})
    figures["fidelity_practice_read_ms"] = round((time.perf_counter() - started) * 1000, 1)
    started = time.perf_counter()
    fidelity(records, Unit.practice(one), start, end)
    figures["fidelity_practice_compute_ms"] = round((time.perf_counter() - started) * 1000, 1)

    started = time.perf_counter()
    records = gather_records(start, end)
    figures["fidelity_system_read_seconds"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    system = fidelity(records, Unit.system(), start, end)
    figures["fidelity_system_compute_seconds"] = round(time.perf_counter() - started, 2)
    figures.update({
        "fidelity_practices": n_practices, "fidelity_care_partners": n_cps, "fidelity_people": system.people,
        "fidelity_contacts_in_year": system.contacts,
        "fidelity_contacts_stored": Contact.objects.filter(care_partner__username__startswith="fidcp").count(),
    })


def run(args: argparse.Namespace) -> dict[str, Any]:
    connection = _setup_django()
    rng = random.Random(11)
    from django.utils import timezone

    today = timezone.localdate()
    figures: dict[str, Any] = {"database": connection.vendor}
    try:
        client = _review(figures, rng, today, 20 if args.quick else 100)
        _fidelity(figures, rng, today, bool(args.quick))
        page, page_queries = _time_requests(client, "/fidelity/", 5 if args.quick else 10)
        figures.update({"fidelity_page_queries": page_queries, "fidelity_page_p50_ms": round(_percentile(page, 0.5)),
                        "fidelity_page_p95_ms": round(_percentile(page, 0.95))})
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    return figures


def summary(figures: dict[str, Any]) -> list[str]:
    return [
        f"Database: {figures['database']} (test database created for the run).",
        f"- Caseload review, {figures['review_supervisees']} supervisees x {figures['review_people_each']} people: "
        f"{figures['review_queries']} queries, p50 {figures['review_p50_ms']} ms, p95 {figures['review_p95_ms']} ms "
        f"({figures['review_requests']} requests, Django test client).",
        f"- New-safety-events fragment (polled): {figures['safety_feed_queries']} queries, "
        f"p50 {figures['safety_feed_p50_ms']} ms, p95 {figures['safety_feed_p95_ms']} ms.",
        f"- Fidelity over a year, {figures['fidelity_practices']} practices, {figures['fidelity_care_partners']} "
        f"Care Partners, {figures['fidelity_people']:,} people, {figures['fidelity_contacts_in_year']:,} contacts: "
        f"one practice read {figures['fidelity_practice_read_ms']} ms + compute "
        f"{figures['fidelity_practice_compute_ms']} ms; system read {figures['fidelity_system_read_seconds']} s + "
        f"compute {figures['fidelity_system_compute_seconds']} s.",
        f"- \"Fidelity for the team\" page over that history (system row included): "
        f"{figures['fidelity_page_queries']} queries, p50 {figures['fidelity_page_p50_ms']} ms, "
        f"p95 {figures['fidelity_page_p95_ms']} ms.",
    ]
