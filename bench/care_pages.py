"""Server time (p50/p95) and query counts of the Care Partner's pages, with the Django test client.

Pages: the caseload at 60 people, the person page for a typical person and for one with a long history
(a full year of weekly contacts plus two earlier episodes), the quick contact form, and saving a contact.
Each database runs in its own process (settings are per process): SQLite always (a file database, as
deployed), and PostgreSQL when ``DATABASE_URL`` is set (in a throwaway ``bench_<name>`` database).

Reusable: ``build_caseload(...)`` makes the synthetic data, ``measure(client, method, url, ...)`` times
one page; another suite can import them (e.g. for England-scale page benchmarks).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import date, timedelta
from typing import Any

from bench.throwaway import per_database, throwaway_database


def build_caseload(*, size: int, contacts_each: int, long_history_contacts: int, seed: int = 1) -> dict[str, Any]:
    """A practice, a Care Partner with ``size`` people on the caseload (goals, ratings, contacts, MANSA),
    the first of whom has a long history. Returns the ids the measurements need."""
    from django.utils import timezone

    from partners.accounts.models import Role, User
    from partners.care.models import Contact, Episode, Goal, GoalRating, Phase, Referral, RhythmChange, Service
    from partners.measures.models import QuestionnaireResponse
    from partners.organisations.models import Organisation
    from partners.registry.models import Person

    rng = random.Random(seed)
    today = timezone.localdate()
    practice = Organisation.objects.create(kind="practice", name="Bench Practice", ods_code=f"XB{seed:04d}")
    cp = User.objects.create(username=f"bench-cp-{seed}", role=Role.CARE_PARTNER, first_name="Bench",
                             last_name="Partner", is_demo=True)
    service = Service.objects.create(name="Bench Mind", kind=Service.Kind.VCSO)
    people = Person.objects.bulk_create([
        Person(given_name=f"Person{i}", family_name=f"Bench{i:03d}", date_of_birth=date(1960 + i % 40, 1 + i % 12, 1),
               practice=practice, diagnosis_group="bipolar", usual_care_setting="primary")
        for i in range(size)])
    episodes: list[Episode] = []
    for i, person in enumerate(people):
        start = today - timedelta(days=330)
        if i == 0:  # two earlier episodes for the long-history person
            for k in (2, 1):
                old = today - timedelta(days=400 * k + 30)
                episodes.append(Episode(person=person, care_partner=cp, practice=practice, phase=Phase.ENDED,
                                        referred_on=old, started_on=old, ended_on=old + timedelta(days=360),
                                        end_reason="completed"))
        episodes.append(Episode(
            person=person, care_partner=cp, practice=practice, phase=rng.choice([Phase.ACTIVE, Phase.STEPPED_DOWN]),
            referred_on=start, started_on=start, planned_end_on=start + timedelta(days=365),
            transition_from=start + timedelta(days=304), next_contact_on=today + timedelta(days=rng.randint(-6, 20)),
            last_contact_on=today - timedelta(days=rng.randint(1, 20)), last_contact_mode="telephone"))
    Episode.objects.bulk_create(episodes)
    open_episodes = [e for e in episodes if e.phase != Phase.ENDED]
    goals = Goal.objects.bulk_create([
        Goal(episode=e, person_id=e.person_id, life_area="social", words=f"Goal {k} in their own words",
             agreed_on=(e.started_on or today) + timedelta(days=20), review_on=today + timedelta(days=k * 9 - 10))
        for i, e in enumerate(open_episodes) for k in range(30 if i == 0 else 3)])
    GoalRating.objects.bulk_create([GoalRating(goal=g, rated_on=g.agreed_on + timedelta(days=50 * k),
                                               rating=min(10, 2 + k), kind="agreement" if k == 0 else "review")
                                    for g in goals for k in range(4)])
    by_episode: dict[int, list[Goal]] = {}
    for g in goals:
        by_episode.setdefault(g.episode_id, []).append(g)
    contacts = []
    for e in episodes:
        n = long_history_contacts if e.person_id == people[0].pk else contacts_each
        for k in range(n):
            contacts.append(Contact(episode=e, person_id=e.person_id, care_partner=cp,
                                    contact_on=(e.ended_on or today) - timedelta(days=(k * 300) // max(n, 1)),
                                    mode=rng.choice(["face_to_face", "telephone", "text"]), place="", minutes=20,
                                    goals_discussed=True, notes="Talked about the week and the next small step. " * 3,
                                    next_contact_on=today + timedelta(days=7)))
    Contact.objects.bulk_create(contacts, batch_size=2000)
    through: Any = Contact.goals.through
    through.objects.bulk_create([through(contact_id=c.pk, goal_id=g.pk) for c in contacts
                                 for g in by_episode.get(c.episode_id, [])[:2]], batch_size=5000)
    long_episode = open_episodes[0]
    RhythmChange.objects.bulk_create([RhythmChange(episode=long_episode, changed_on=today - timedelta(days=k * 7),
                                                   direction="step_down" if k % 2 else "step_up",
                                                   to_interval_days=28 if k % 2 else 14, agreed_with="both",
                                                   reason="By agreement") for k in range(40)])
    Referral.objects.bulk_create([Referral(episode=long_episode, person_id=long_episode.person_id, service=service,
                                           referred_on=today - timedelta(days=k * 8), reason="Peer group")
                                  for k in range(40)])
    QuestionnaireResponse.objects.bulk_create([
        QuestionnaireResponse(person=p, instrument="mansa", score=3.0 + rng.random() * 2,
                              completed_on=today - timedelta(days=90 * k)) for p in people for k in range(4)])
    return {"care_partner": cp, "long": people[0].pk, "typical": people[1].pk, "contacts": len(contacts),
            "long_contacts": long_history_contacts}


def measure(client: Any, method: str, url: str, *, repeat: int, data_for: Any = None) -> dict[str, Any]:
    """Server time through the full middleware stack (p50/p95 ms) and the queries of one request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call = getattr(client, method)
    for _ in range(3):  # warm caches and the connection
        call(url, *([data_for()] if data_for else []))
    times, cpu = [], []
    queries = 0
    for i in range(repeat):
        args = [data_for()] if data_for else []
        if i == 0:
            with CaptureQueriesContext(connection) as ctx:
                response = call(url, *args)
            queries = len(ctx.captured_queries)
        started, started_cpu = time.perf_counter(), time.process_time()
        response = call(url, *args)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        if response.status_code not in (200, 302):
            raise RuntimeError(f"{method.upper()} {url} answered {response.status_code}")
    times.sort()
    return {"p50_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))] * 1000, 1),
            "cpu_p50_ms": round(statistics.median(cpu) * 1000, 1), "queries": queries, "requests": repeat}


def worker(quick: bool) -> dict[str, Any]:
    with throwaway_database("bench-care-") as connection:
        return _measure_pages(connection, quick)


def _measure_pages(connection: Any, quick: bool) -> dict[str, Any]:
    from django.test import Client
    from django.utils import timezone

    repeat = 15 if quick else 60
    small = build_caseload(size=10, contacts_each=5, long_history_contacts=5, seed=2)
    data = build_caseload(size=60, contacts_each=25, long_history_contacts=365, seed=1)
    client = Client()
    client.force_login(data["care_partner"], backend="django.contrib.auth.backends.ModelBackend")
    other = Client()
    other.force_login(small["care_partner"], backend="django.contrib.auth.backends.ModelBackend")
    today = timezone.localdate()
    counter = iter(range(10**9))

    def contact_form() -> dict[str, str]:
        return {"contact_on": today.isoformat(), "mode": "telephone", "minutes": "15",
                "next_contact_on": (today + timedelta(days=14)).isoformat(), "notes": "Checked in.",
                "idempotency_key": f"bench-{next(counter)}"}

    figures = {
        "engine": connection.vendor,
        "caseload_10_people": measure(other, "get", "/caseload/", repeat=repeat),
        "caseload_60_people": measure(client, "get", "/caseload/", repeat=repeat),
        "person_page_typical": measure(client, "get", f"/people/{data['typical']}/", repeat=repeat),
        "person_page_long_history": measure(client, "get", f"/people/{data['long']}/", repeat=repeat),
        "contact_form": measure(client, "get", f"/people/{data['typical']}/contact/", repeat=repeat),
        "contact_save": measure(client, "post", f"/people/{data['typical']}/contact/", repeat=repeat,
                                data_for=contact_form),
        "long_history_contacts": data["long_contacts"],
        "contacts_total": data["contacts"],
    }
    return figures


def run(args: argparse.Namespace) -> dict[str, Any]:
    return per_database("bench.care_pages", *(["--quick"] if args.quick else []))


def summary(figures: dict[str, Any]) -> list[str]:
    lines = ["Server time through the whole middleware stack (Django test client), one process; CPU is this "
             "process's CPU time per request (steadier than wall time on a shared machine):", "",
             "| database | page | p50 ms | p95 ms | CPU p50 ms | queries |", "|---|---|---|---|---|---|"]
    for engine, pages in figures.items():
        if not isinstance(pages, dict) or engine.startswith("_"):
            continue
        if "error" in pages:
            lines.append(f"| {engine} | error: {pages['error']} | | | | |")
            continue
        for page, f in pages.items():
            if isinstance(f, dict):
                lines.append(f"| {engine} | {page} | {f['p50_ms']} | {f['p95_ms']} | {f.get('cpu_p50_ms', '')} | "
                             f"{f['queries']} |")
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    if options.worker:
        print(json.dumps(worker(options.quick), default=str))
    else:
        print(json.dumps(run(options), indent=2))
