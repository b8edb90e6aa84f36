"""The pages and API at England scale: server time (p50/p95/p99) and SQL query count per request.

On the England-scale database of the dashboard suite (``bench.dashboard.ensure_dataset``: 600,000 people on
registers, 60,000 open episodes, ~10 million contacts, ~2 million questionnaire responses; generated once and
reused), in-process through the whole middleware stack (Django test client, no network):

- the Care Partner's caseload (50 people), the person page for a person with a long history (a year of daily
  contacts and three earlier episodes) and for a typical person, the supervisor's review (10 Care Partners,
  ~500 people), the leaders' dashboard (an ICS leader, the default period);
- the API: the service-users list and detail, and a person's episodes, contacts, goals and questionnaires.

Each is warmed up, then requested ``repeat`` times. For each page the SQL it ran is replayed bare through a
cursor (same statements, inside a transaction rolled back at the end) the same number of times: the ratio
server time / bare SQL time says how much the application adds, a figure that means something on a noisy
shared machine where absolute times drift.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

from bench.dashboard import PEOPLE, _percentile, _setup, database_url, ensure_dataset

SKIP = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")


def _figures(times: list[float]) -> dict[str, float]:
    return {"p50_ms": round(1000 * statistics.median(times), 1), "p95_ms": round(1000 * _percentile(times, 95), 1),
            "p99_ms": round(1000 * _percentile(times, 99), 1)}


def measure(client: Any, url: str, *, repeat: int, warmup: int = 3, **extra: Any) -> dict[str, Any]:
    """Server time of ``GET url`` (p50/p95/p99 ms), its queries, and the same SQL replayed bare."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        response = client.get(url, **extra)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        client.get(url, **extra)
    queries = len(captured.captured_queries)  # read now: the next request clears the query log
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(SKIP)]
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, **extra)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
    bare = []
    with transaction.atomic(), connection.cursor() as cursor:  # writes (audit, session) are rolled back
        for _ in range(repeat):
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
            bare.append(time.perf_counter() - started)
        transaction.set_rollback(True)
    figures: dict[str, Any] = {**_figures(times), "cpu_p50_ms": round(1000 * statistics.median(cpu), 1),
                               "cpu_p95_ms": round(1000 * _percentile(cpu, 95), 1), "queries": queries,
                               "requests": repeat, "bytes": len(response.content)}
    sql = _figures(bare)
    figures.update({"sql_p50_ms": sql["p50_ms"], "sql_p95_ms": sql["p95_ms"],
                    "ratio_p50": round(figures["p50_ms"] / sql["p50_ms"], 1) if sql["p50_ms"] else None})
    return figures


def run(args: argparse.Namespace) -> dict[str, Any]:
    scale = float(os.environ.get("BENCH_SCALE", 0.05 if args.quick else 1.0))
    repeat = int(os.environ.get("BENCH_REPEAT", 15 if args.quick else 60))
    url = database_url(quick=args.quick)
    _setup(url)
    return measure_all(scale=scale, repeat=repeat, database=url.rsplit("@", 1)[-1])


def measure_all(*, scale: float, repeat: int, database: str = "", say: Any = None, warmup: int = 3) -> dict[str, Any]:
    """Generate (or reuse) the dataset at ``scale`` in the current PostgreSQL database and measure every page."""
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client

    from partners.accounts.models import User
    from partners.accounts.services import api_token_create
    from partners.care.models import OPEN_PHASES, Contact, Episode
    from partners.dashboards.selectors import current_refresh
    from partners.dashboards.services import figures_refresh
    from partners.measures.models import QuestionnaireResponse
    from partners.registry.models import Person

    def _say(message: str) -> None:
        print(f"  {message}", flush=True)

    say = say or _say
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    state = ensure_dataset(scale, say)
    if current_refresh() is None:
        say("no dashboard figures yet: running the nightly refresh once")
        figures_refresh(stream=None)
    figures: dict[str, Any] = {
        "database": database, "scale": scale, "repeat": repeat, "dataset_reused": bool(state.get("reused")),
        "generate_seconds": state.get("generate_seconds"),
        "dataset": {"people": Person.objects.count(), "episodes": Episode.objects.count(),
                    "open_episodes": Episode.objects.filter(phase__in=OPEN_PHASES).count(),
                    "contacts": Contact.objects.count(), "questionnaires": QuestionnaireResponse.objects.count()},
    }
    cp = User.objects.get(pk=state["care_partner"])
    long_person = state["long_history_person"]
    caseload = list(Episode.objects.filter(care_partner=cp, phase__in=OPEN_PHASES).values_list("person_id", flat=True))
    # The typical person: the median of the caseload by contacts in their open episode (not simply the first
    # listed, which may be someone invited and not yet seen: a page with an empty timeline).
    in_episode = dict(Contact.objects.filter(episode__care_partner=cp, episode__phase__in=OPEN_PHASES)
                      .exclude(person_id=long_person).values("person_id").annotate(n=Count("pk"))
                      .values_list("person_id", "n"))
    ranked = sorted((p for p in caseload if p != long_person), key=lambda p: (in_episode.get(p, 0), p))
    typical = ranked[len(ranked) // 2]
    figures["caseload_size"] = len(caseload)
    figures["long_history_contacts"] = Contact.objects.filter(person_id=long_person).count()
    figures["typical_contacts"] = Contact.objects.filter(person_id=typical).count()
    backend = "django.contrib.auth.backends.ModelBackend"
    clients = {}
    for name, user in (("cp", cp), ("supervisor", cp.supervisor), ("leader", User.objects.get(username="bench-ics"))):
        clients[name] = Client()
        clients[name].force_login(user, backend=backend)
    token = api_token_create(user=cp, name="bench")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    supervisees = User.objects.filter(supervisor=cp.supervisor).count()
    figures["supervisor_people"] = Episode.objects.filter(care_partner__supervisor=cp.supervisor,
                                                          phase__in=OPEN_PHASES).count()
    figures["supervisees"] = supervisees
    pages = [
        ("caseload", clients["cp"], "/caseload/"),
        ("person_long_history", clients["cp"], f"/people/{long_person}/"),
        ("person_typical", clients["cp"], f"/people/{typical}/"),
        ("supervisor_review", clients["supervisor"], "/supervision/"),
        ("dashboard", clients["leader"], "/dashboard/"),
        ("api_service_users_list", api, "/api/v1/service-users?limit=50"),
        ("api_service_user_detail", api, f"/api/v1/service-users/{long_person}"),
        ("api_episodes", api, f"/api/v1/service-users/{long_person}/episodes"),
        ("api_contacts", api, f"/api/v1/service-users/{long_person}/contacts"),
        ("api_goals", api, f"/api/v1/service-users/{long_person}/goals"),
        ("api_questionnaires", api, f"/api/v1/service-users/{long_person}/questionnaire-responses"),
    ]
    from partners.common.runtime import settle_for_serving

    settle_for_serving()  # as partners.wsgi does in every server process
    figures["pages"] = {}
    for name, client, page in pages:
        figures["pages"][name] = measure(client, page, repeat=repeat, warmup=warmup)
        f = figures["pages"][name]
        say(f"{name}: p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms, p99 {f['p99_ms']} ms, CPU p50 {f['cpu_p50_ms']} ms, "
            f"{f['queries']} queries, "
            f"bare SQL p50 {f['sql_p50_ms']} ms (x{f['ratio_p50']})")
    figures["load_average_1min_at_end"] = round(os.getloadavg()[0], 1)
    return figures


def summary(figures: dict[str, Any]) -> list[str]:
    d = figures.get("dataset", {})
    lines = [
        f"England-scale database ({figures.get('database')}, scale {figures.get('scale')}): {d.get('people', 0):,} "
        f"people, {d.get('episodes', 0):,} episodes ({d.get('open_episodes', 0):,} open), {d.get('contacts', 0):,} "
        f"contacts, {d.get('questionnaires', 0):,} questionnaire responses. Caseload {figures.get('caseload_size')} "
        f"people; long-history person {figures.get('long_history_contacts')} contacts, typical person (the "
        f"caseload's median) {figures.get('typical_contacts')}; supervisor review "
        f"{figures.get('supervisees')} Care Partners, {figures.get('supervisor_people')} people. "
        f"{figures.get('repeat')} requests each after warm-up, Django test client (server time, no network); "
        "CPU is this process's CPU time per request (steadier than wall time on a shared machine); 'bare SQL' "
        "replays the page's own statements through a cursor; server/SQL is the ratio of the p50s.",
        "",
        "| page | p50 ms | p95 ms | p99 ms | CPU p50 ms | queries | bare SQL p50 ms | server/SQL |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, f in figures.get("pages", {}).items():
        lines.append(f"| {name} | {f['p50_ms']} | {f['p95_ms']} | {f['p99_ms']} | {f['cpu_p50_ms']} | {f['queries']} | "
                     f"{f['sql_p50_ms']} | {f['ratio_p50']} |")
    lines.append(f"\nMachine load average (1 min) at the end: {figures.get('load_average_1min_at_end')} (2 cores, "
                 "shared).")
    return lines


CHECK_PEOPLE = 1_000


def check(url: str) -> dict[str, Any]:
    """The harness at a tiny size (1,000 people), always regenerated: for the test suite (``bench/check``)."""
    import json

    _setup(url)
    from django.db import connection

    with connection.cursor() as cursor:  # force a fresh generation: this checks the generator itself
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)")
        cursor.execute("DELETE FROM bench_meta")
    figures = measure_all(scale=CHECK_PEOPLE / PEOPLE, repeat=2, database=url.rsplit("@", 1)[-1],
                          say=lambda message: None, warmup=1)
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        sys.stderr.write("usage: python -m bench.england --check POSTGRES_URL\n")
        raise SystemExit(2)
