"""The leaders' dashboard at England scale: 600,000 people on registers, 60,000 open episodes of care (and
~160,000 ended ones), ~10 million contacts, ~2 million questionnaire responses.

Generates a synthetic England (42 ICSs, ~1,250 PCNs, ~6,300 practices; secondary care histories, episodes,
contacts, goals, ratings, questionnaires, safety events, health checks, Care Partner posts) with
PostgreSQL COPY and server-side ``INSERT ... SELECT`` into its own database (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/partners_bench``; reused when this generator version made it at this
scale; ``ensure_dataset`` is shared with the page and load suites), times the nightly refresh
(``partners dashboard refresh``), then times the dashboard and equity pages in-process (Django test
client: server time, no network) for a national leader, an ICS leader, and PCN and practice filters over
several periods: cold (level cache empty) and warm.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from datetime import date, timedelta
from typing import Any

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/partners_bench"


def database_url(*, quick: bool = False) -> str:
    """The England-scale bench database (its own; every table in it is rebuilt by the generator). ``--quick``
    runs use ``<name>_quick``, so they do not replace the full-size dataset."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("BENCH_DASHBOARD_DATABASE_URL") or DEFAULT_URL
    return url + "_quick" if quick else url
PEOPLE = 600_000
EPISODES = 60_000
ICS = 42
PCNS_PER_ICS = 30
PRACTICES_PER_PCN = 5


def _setup(url: str) -> None:
    import psycopg

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partners.settings")
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    import django
    from django.conf import settings

    if settings.configured and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("the dashboard bench needs PostgreSQL; Django is already set up on another database")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


class Copier:
    """COPY rows into a model's table, filling every column the caller does not give with its default."""

    def __init__(self, model: Any) -> None:
        from django.db import models as djm

        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.name == "id")]
        self.columns = [f.column for f in self.fields]
        now = time.strftime("%Y-%m-%d %H:%M:%S+00")
        self.defaults: list[Any] = []
        for f in self.fields:
            if isinstance(f, djm.DateTimeField) and (f.auto_now or f.auto_now_add):
                self.defaults.append(now)
            elif isinstance(f, djm.JSONField):
                self.defaults.append(json.dumps(f.get_default()))
            elif f.has_default():
                self.defaults.append(f.get_default())
            elif f.null:
                self.defaults.append(None)
            elif isinstance(f, djm.CharField | djm.TextField):
                self.defaults.append("")
            else:
                self.defaults.append(None)

    def copy(self, rows: Any, given: list[str]) -> int:
        from django.db import connection

        position = [self.columns.index(self.model._meta.get_field(name).column) for name in given]
        template = list(self.defaults)
        table = self.model._meta.db_table
        count = 0
        with connection.cursor() as cursor:
            raw = cursor.cursor
            columns = ", ".join(f'"{c}"' for c in self.columns)
            with raw.copy(f'COPY "{table}" ({columns}) FROM STDIN') as cp:
                for row in rows:
                    full = list(template)
                    for i, value in zip(position, row, strict=True):
                        full[i] = value
                    cp.write_row(full)
                    count += 1
        return count


def _ids(model: Any) -> list[int]:
    return list(model.objects.order_by("pk").values_list("pk", flat=True))


def insert_select(model: Any, given: dict[str, str], from_sql: str, params: dict[str, Any] | None = None) -> int:
    """``INSERT INTO <model's table> SELECT ...`` on the server: ``given`` maps field names to SQL expressions
    over ``from_sql``; every other column gets its default (cast to the column's type). For the big tables
    (millions of contacts and questionnaire responses) the rows never leave PostgreSQL, which is faster than
    any COPY from Python."""
    from django.db import connection

    copier = Copier(model)
    columns, values = [], []
    bind = dict(params or {})
    for k, (f, default) in enumerate(zip(copier.fields, copier.defaults, strict=True)):
        columns.append(f'"{f.column}"')
        if f.name in given:
            values.append(given[f.name])
        else:
            bind[f"_d{k}"] = default
            values.append(f"%(_d{k})s::{f.db_type(connection)}")
    sql = (f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) SELECT {", ".join(values)} '  # noqa: S608  # nosec B608
           f"FROM {from_sql}")  # the bench's own fixed SQL; values are bound parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, bind)
        return int(cursor.rowcount)


class IndexesOff:
    """Drop a table's secondary indexes (not those behind constraints) for a bulk load; rebuild them after."""

    def __init__(self, *tables: str) -> None:
        self.tables = tables
        self.definitions: list[tuple[str, str]] = []

    def __enter__(self) -> IndexesOff:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", [list(self.tables)])
            self.definitions = list(cursor.fetchall())
            for name, _ in self.definitions:
                cursor.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc: object) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _, definition in self.definitions:
                cursor.execute(definition)


# Bump when the generated data changes shape: the benches regenerate a database made by another version.
GENERATOR_VERSION = 2
# Every generated account (Care Partners, supervisors, leaders) signs in with this synthetic password; they are
# demo accounts (no two-factor step outside production), for the load test's real sign-ins.
BENCH_PASSWORD = "bench-load-Sign-in-2026"  # noqa: S105 - synthetic accounts in a throwaway database  # nosec B105
CASELOAD = 50  # open episodes per Care Partner (a realistic 40-60 person caseload)
SUPERVISEES = 10
ENDED_PER_OPEN = 2.7  # ended episodes per open one: the history behind ~10 million contacts
LONG_HISTORY_CONTACTS = 365


def generator_state() -> dict[str, Any]:
    """What the database was generated with (empty when it never was)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)")
        cursor.execute("SELECT value FROM bench_meta WHERE key = 'generator'")
        row = cursor.fetchone()
    if not row:
        return {}
    value = row[0]
    return json.loads(value) if isinstance(value, str) else dict(value)


def _record_state(state: dict[str, Any]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_meta (key, value) VALUES ('generator', %s::jsonb) ON CONFLICT (key) "
                       "DO UPDATE SET value = EXCLUDED.value", [json.dumps(state)])


def ensure_dataset(scale: float, say: Any) -> dict[str, Any]:
    """The England-scale dataset at ``scale`` in the current (PostgreSQL) database: reused when it was made
    by this generator version at this scale, generated otherwise. Returns the generator state (counts,
    the ids the page benchmarks use, and generate_seconds when it was generated now)."""
    state = generator_state()
    if state.get("version") == GENERATOR_VERSION and state.get("scale") == scale and state.get("complete"):
        say(f"reusing the generated dataset (generator version {GENERATOR_VERSION}, scale {scale})")
        return {**state, "reused": True}
    started = time.perf_counter()
    state = generate(scale, random.Random(2026), say)
    state.update({"version": GENERATOR_VERSION, "scale": scale, "complete": True,
                  "generate_seconds": round(time.perf_counter() - started, 1)})
    _record_state(state)
    say(f"generated in {state['generate_seconds']} s")
    return state


def generate(scale: float, rng: random.Random, say: Any) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from partners.accounts.models import Role, User
    from partners.care.models import Absence, CarePartnerPost, Contact, Episode, Goal, GoalRating
    from partners.dashboards.models import ImdLookup
    from partners.measures.models import QuestionnaireResponse
    from partners.organisations.models import Organisation
    from partners.registry.models import Person, SecondaryCareEpisode
    from partners.safety.models import HealthCheck, SafetyEvent

    today = date.today()
    n_people, n_open = int(PEOPLE * scale), int(EPISODES * scale)
    n_ended = int(n_open * ENDED_PER_OPEN)
    n_ics = max(2, int(ICS * min(1.0, scale * 4)))
    counts: dict[str, Any] = {}
    with connection.cursor() as cursor:  # the bench database is its own: start from nothing
        tables = [m._meta.db_table for m in (Organisation, User, ImdLookup)]
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
        cursor.execute("DELETE FROM bench_meta")
        # Bulk load: no foreign-key triggers (the generator only writes ids it has just read back).
        cursor.execute("SET session_replication_role = replica")
    orgs = Copier(Organisation)
    orgs.copy(((f"BI{i:03d}", f"Bench ICS {i}", "ics") for i in range(n_ics)), ["ods_code", "name", "kind"])
    ics_ids = list(Organisation.objects.filter(ods_code__startswith="BI").order_by("pk").values_list("pk", flat=True))
    orgs.copy(((f"BT{i:03d}", f"Bench Trust {i}", "trust", ics) for i, ics in enumerate(ics_ids)),
              ["ods_code", "name", "kind", "parent"])
    pcn_rows = [(f"BP{i:05d}", f"Bench PCN {i}", "pcn", ics_ids[i % n_ics]) for i in range(n_ics * PCNS_PER_ICS)]
    orgs.copy(pcn_rows, ["ods_code", "name", "kind", "parent"])
    pcn_ids = list(Organisation.objects.filter(ods_code__startswith="BP").order_by("pk").values_list("pk", flat=True))
    practice_rows = [(f"BX{i:05d}", f"Bench Practice {i}", "practice", pcn_ids[i // PRACTICES_PER_PCN],
                      "large" if i % 3 else "small") for i in range(len(pcn_ids) * PRACTICES_PER_PCN)]
    orgs.copy(practice_rows, ["ods_code", "name", "kind", "parent", "size"])
    practices = list(Organisation.objects.filter(ods_code__startswith="BX").order_by("pk").values_list("pk", flat=True))
    trusts = list(Organisation.objects.filter(ods_code__startswith="BT").order_by("pk").values_list("pk", flat=True))
    counts["practices"], counts["pcns"], counts["icss"] = len(practices), len(pcn_ids), n_ics
    say(f"organisations: {n_ics} ICSs, {len(pcn_ids)} PCNs, {len(practices)} practices")

    ImdLookup.objects.bulk_create([ImdLookup(lsoa_code=f"E01{i:06d}", imd_decile=1 + i % 10, source="bench",
                                             loaded_at=time.strftime("%Y-%m-%dT%H:%M:%SZ")) for i in range(33_000)],
                                  batch_size=5000)
    # Accounts: Care Partners with ~50 open episodes each, a supervisor per ten, and two leaders; all demo
    # accounts with one synthetic password (hashed once) so the load test can sign in for real.
    password = make_password(BENCH_PASSWORD)
    n_cp = max(2, n_open // CASELOAD)
    n_sup = max(1, n_cp // SUPERVISEES)
    users = Copier(User)
    account = ["username", "first_name", "last_name", "role", "password", "is_active", "is_demo", "organisation"]
    users.copy(((f"bench-sup{i}", "Bench", f"Supervisor {i}", Role.SUPERVISOR, password, True, True, trusts[0])
                for i in range(n_sup)), account)
    sups = list(User.objects.filter(username__startswith="bench-sup").order_by("pk").values_list("pk", flat=True))
    users.copy(((f"bench-cp{i}", "Bench", f"Partner {i}", Role.CARE_PARTNER, password, True, True, trusts[0],
                 sups[i // SUPERVISEES % len(sups)]) for i in range(n_cp)), [*account, "supervisor"])
    users.copy((("bench-england", "Bench", "England", Role.SYSTEM_LEADER, password, True, True, None),
                ("bench-ics", "Bench", "ICS leader", Role.SYSTEM_LEADER, password, True, True, ics_ids[0])), account)
    cps = list(User.objects.filter(username__startswith="bench-cp").order_by("pk").values_list("pk", flat=True))
    counts["care_partners"], counts["supervisors"] = len(cps), len(sups)

    ethnic = list("AAAAAAAAAAAAABCCDEFGHHJJKLMMNNPRSZZ")

    def people_rows():
        for i in range(n_people):
            born = today - timedelta(days=int(365.25 * rng.uniform(16, 90)))
            yield (practices[i % len(practices)], born, rng.choice(("female", "male")), rng.choice(ethnic),
                   f"E01{rng.randrange(33_500):06d}", rng.choice(("schizophrenia", "bipolar", "other_psychosis")),
                   "primary", "Bench", f"Person{i}")

    counts["people"] = Copier(Person).copy(people_rows(), [
        "practice", "date_of_birth", "sex", "ethnicity", "lsoa", "diagnosis_group", "usual_care_setting",
        "given_name", "family_name"])
    persons = _ids(Person)
    say(f"people: {counts['people']:,}")

    def secondary_rows():
        for i, pid in enumerate(persons):
            for _ in range(rng.choice((0, 0, 1, 1, 1, 2))):
                start = today - timedelta(days=rng.randint(30, 6000))
                end = None if rng.random() < 0.35 else start + timedelta(days=rng.randint(20, 2000))
                if end and end >= today:
                    end = None
                team = rng.choice(("cmht", "eip", "outpatient", "outpatient", "inpatient", "crisis_home_treatment"))
                level = "cpa" if team in ("cmht", "eip") and rng.random() < 0.5 else (
                    "outpatient_only" if team == "outpatient" else "standard")
                yield (pid, trusts[i % len(trusts)], team, level, start, end)

    counts["secondary_care"] = Copier(SecondaryCareEpisode).copy(secondary_rows(), [
        "person", "provider", "team_type", "care_level", "referral_date", "discharge_date"])
    say(f"secondary care episodes: {counts['secondary_care']:,}")

    # Open episodes: one per person, CASELOAD per Care Partner. Ended episodes: the history (some people have
    # several). The long-history person (the first Care Partner's first person) has three earlier episodes.
    chosen = rng.sample(range(len(persons)), n_open)
    person_practice = dict(Person.objects.values_list("pk", "practice_id"))
    long_person = persons[chosen[0]]

    def interval(k: int) -> int:  # the contact rhythm of the k-th generated episode, 7 to 14 days
        return 7 + k % 8

    def episode_rows():
        for k, i in enumerate(chosen):
            pid = persons[i]
            cp = cps[k // CASELOAD % len(cps)]
            if k == 0:
                referred = today - timedelta(days=LONG_HISTORY_CONTACTS + 10)
                started: date | None = referred + timedelta(days=5)
            else:
                referred = today - timedelta(days=rng.randint(5, 730))
                started = referred + timedelta(days=rng.randint(3, 20)) if rng.random() < 0.9 else None
                started = started if started and started < today else None
            phase = rng.choice(("active", "active", "active", "stepped_down", "engaging")) if started else "invited"
            last = nxt = None
            if started:
                step = 1 if k == 0 else interval(k)
                last = started + timedelta(days=(today - started).days // step * step)
                nxt = last + timedelta(days=step)
            yield (pid, cp, person_practice[pid], phase, referred, started, None, referred + timedelta(days=380),
                   last, nxt, "telephone" if last else "")
        for k in range(n_ended):
            pid = long_person if k < 3 else persons[rng.randrange(len(persons))]
            referred = today - timedelta(days=400 * (k + 1) + 30 if k < 3 else rng.randint(330, 2200))
            started = referred + timedelta(days=rng.randint(3, 20))
            ended = min(today - timedelta(days=1), started + timedelta(days=rng.randint(280, 700)))
            yield (pid, cps[rng.randrange(len(cps))], person_practice[pid], "ended", referred, started, ended,
                   None, ended, None, "telephone")

    counts["episodes"] = Copier(Episode).copy(episode_rows(), [
        "person", "care_partner", "practice", "phase", "referred_on", "started_on", "ended_on", "planned_end_on",
        "last_contact_on", "next_contact_on", "last_contact_mode"])
    counts["open_episodes"] = n_open
    episodes = list(Episode.objects.order_by("pk").values_list("pk", "person_id", "care_partner_id", "started_on",
                                                               "ended_on"))
    long_episode = episodes[0][0]
    say(f"episodes: {counts['episodes']:,} ({n_open:,} open)")

    def goal_rows():
        for ep, pid, _, started, _ in episodes:
            if started:
                for _ in range(rng.choice((0, 1, 2, 2, 3)) if ep != long_episode else 6):
                    yield (ep, pid, rng.choice(("social", "housing", "physical_health", "money")), "A goal",
                           started + timedelta(days=rng.randint(7, 40)), started + timedelta(days=rng.randint(60, 200)))

    counts["goals"] = Copier(Goal).copy(goal_rows(), ["episode", "person", "life_area", "words", "agreed_on",
                                                      "review_on"])
    goals = list(Goal.objects.order_by("pk").values_list("pk", "agreed_on"))

    def rating_rows():
        for gid, agreed in goals:
            yield (gid, agreed, rng.randint(1, 5), "agreement")
            if rng.random() < 0.7:
                review = agreed + timedelta(days=rng.randint(60, 200))
                if review <= today:
                    yield (gid, review, rng.randint(3, 9), "review")

    counts["ratings"] = Copier(GoalRating).copy(rating_rows(), ["goal", "rated_on", "rating", "kind"])
    say(f"goals: {counts['goals']:,}, ratings: {counts['ratings']:,}")

    # Contacts and questionnaire responses: generated on the server, every episode's rhythm from its start to
    # its end (or today); secondary indexes rebuilt once at the end.
    with IndexesOff(Contact._meta.db_table, QuestionnaireResponse._meta.db_table):
        step = f"(CASE WHEN e.id = {long_episode} THEN 1 ELSE 7 + (e.id - {long_episode}) %% 8 END)::int"
        series = (f"care_episode e CROSS JOIN LATERAL generate_series(0, (COALESCE(e.ended_on, %(today)s::date) "
                  f"- e.started_on) / {step}) AS g(n) WHERE e.started_on IS NOT NULL")
        counts["contacts"] = insert_select(Contact, {
            "episode": "e.id", "person": "e.person_id", "care_partner": "e.care_partner_id",
            "contact_on": f"e.started_on + g.n * {step}",
            "mode": "(ARRAY['face_to_face','telephone','telephone','video','text'])[1 + (e.id + g.n) %% 5]",
            "minutes": "(ARRAY[5,10,15,20,30,45])[1 + (e.id * 7 + g.n) %% 6]",
            "reached": "(e.id + g.n * 3) %% 10 <> 0", "goals_discussed": "(e.id + g.n) %% 2 = 0",
            "next_contact_on": f"e.started_on + (g.n + 1) * {step}",
            "notes": "'Talked about the week and the next small step.'",
        }, series, {"today": today})
        say(f"contacts: {counts['contacts']:,}")
        responses = 0
        for code, every, low, high in (("mansa", 91, 2.0, 6.0), ("phq9", 120, 0, 27)):
            responses += insert_select(QuestionnaireResponse, {
                "person": "e.person_id", "episode": "e.id", "instrument": f"'{code}'",
                "point": "CASE WHEN g.n = 0 THEN 'baseline' ELSE 'review' END", "status": "'completed'",
                "completed_on": f"e.started_on + g.n * {every}",
                "score": f"round(({low} + ((e.id * 31 + g.n * 17) %% 100) / 100.0 * ({high} - {low}))::numeric, "
                         f"{2 if code == 'mansa' else 0})::float",
            }, f"care_episode e CROSS JOIN LATERAL generate_series(0, (COALESCE(e.ended_on, %(today)s::date) "
               f"- e.started_on) / {every}) AS g(n) WHERE e.started_on IS NOT NULL", {"today": today})
        counts["questionnaires"] = responses
        say(f"questionnaire responses: {responses:,}; rebuilding indexes")
    with connection.cursor() as cursor:  # the long-history person's contacts discussed their first two goals
        cursor.execute(
            "INSERT INTO care_contact_goals (contact_id, goal_id) SELECT c.id, g.id FROM care_contact c "
            "JOIN LATERAL (SELECT id FROM care_goal WHERE episode_id = c.episode_id ORDER BY id LIMIT 2) g ON true "
            "WHERE c.episode_id = %s", [long_episode])
    counts["safety_events"] = Copier(SafetyEvent).copy(
        ((persons[rng.randrange(len(persons))], rng.choice(("admission", "crisis", "sae")),
          today - timedelta(days=rng.randint(1, 720))) for _ in range(int(8000 * scale))),
        ["person", "kind", "onset_on"])
    counts["health_checks"] = Copier(HealthCheck).copy(
        ((persons[rng.randrange(len(persons))], today - timedelta(days=rng.randint(1, 720)))
         for _ in range(n_people // 3)), ["person", "checked_on"])
    programme = practices[: len(practices) // 4]
    Copier(CarePartnerPost).copy(((cps[i % len(cps)], p, today - timedelta(days=rng.randint(100, 900)))
                                  for i, p in enumerate(programme)), ["care_partner", "practice", "starts_on"])
    Copier(Absence).copy(((cp, today - timedelta(days=rng.randint(20, 600)), None) for cp in cps[7::7]),
                         ["care_partner", "starts_on", "ends_on"])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE care_absence SET ends_on = starts_on + 14")
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("VACUUM ANALYZE" if connection.get_autocommit() else "ANALYZE")
    say("care records generated")
    counts["long_history_person"] = long_person
    counts["care_partner"] = User.objects.get(username="bench-cp0").pk
    return counts


def _time(client: Any, url: str) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}")
    return elapsed, len(queries), len(response.content)


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(args: argparse.Namespace) -> dict[str, Any]:
    url = database_url(quick=args.quick)
    scale = 0.05 if args.quick else 1.0
    _setup(url)
    from django.core.cache import cache
    from django.test import Client

    from partners.accounts.models import User
    from partners.dashboards.models import FigureRefresh
    from partners.dashboards.selectors import available_months, current_refresh
    from partners.dashboards.services import figures_refresh
    from partners.organisations.models import Organisation
    from partners.registry.models import Person

    def say(message: str) -> None:
        print(f"  {message}", flush=True)

    figures: dict[str, Any] = {"database": url.rsplit("@", 1)[-1], "scale": scale}
    state = ensure_dataset(scale, say)
    counts = {k: v for k, v in state.items() if k in ("practices", "pcns", "icss")}
    figures["generate_seconds"] = state.get("generate_seconds")
    figures["dataset_reused"] = bool(state.get("reused"))
    figures["dataset"] = counts
    figures["dataset"]["people"] = Person.objects.count()
    from partners.care.models import Contact, Episode

    figures["dataset"]["episodes"] = Episode.objects.count()
    figures["dataset"]["contacts"] = Contact.objects.count()

    started = time.perf_counter()
    figures_refresh(stream=None)
    figures["refresh_seconds"] = round(time.perf_counter() - started, 1)
    refresh = current_refresh()
    assert refresh is not None
    figures["refresh_rows"] = refresh.summary.get("rows")
    say(f"refresh: {figures['refresh_seconds']}s for {figures['refresh_rows']:,} area-months")

    months = [f"{m:%Y-%m}" for m in available_months(refresh)]
    periods = [(months[-12], months[-1]), (months[-3], months[-1]), (months[0], months[-1]), (months[-6], months[-4])]
    ics = Organisation.objects.filter(ods_code__startswith="BI").order_by("pk").first()
    pcns = list(Organisation.objects.filter(ods_code__startswith="BP", parent=ics).order_by("pk")[:4])
    practices = list(Organisation.objects.filter(parent__in=pcns).order_by("pk")[:4])
    england = Client()
    england.force_login(User.objects.get(username="bench-england"), backend="django.contrib.auth.backends.ModelBackend")
    leader = Client()
    leader.force_login(User.objects.get(username="bench-ics"), backend="django.contrib.auth.backends.ModelBackend")
    views: list[tuple[str, Any, str]] = []
    for first, last in periods:
        q = f"start={first}&end={last}"
        views += [("england", england, f"/dashboard/?{q}"), ("england-ics", england, f"/dashboard/?ics={ics.pk}&{q}"),
                  ("ics", leader, f"/dashboard/?{q}")]
        views += [("pcn", leader, f"/dashboard/?pcn={p.pk}&{q}") for p in pcns[:2]]
        views += [("practice", leader, f"/dashboard/?pcn={p.parent_id}&practice={p.pk}&{q}") for p in practices[:2]]
    equity_views = [("equity-" + name, c, u.replace("/dashboard/", "/dashboard/equity/")) for name, c, u in views]
    results: dict[str, list[tuple[float, int, int]]] = {}
    _time(leader, "/dashboard/")  # imports and templates
    from partners.dashboards.selectors import area_tree

    for label, batch in (("dashboard", views), ("equity", equity_views)):
        cold = []
        for _, client, page in batch:  # cold: no protected level cached (the area tree, built once per refresh, is)
            cache.clear()
            area_tree(refresh)
            cold.append(_time(client, page))
        results[f"{label}_cold"] = cold
        for _, client, page in batch:
            client.get(page)
        results[f"{label}_warm"] = [_time(client, page) for _, client, page in batch]
    for key, times in results.items():
        seconds = [t for t, _, _ in times]
        figures[f"{key}_p50_ms"] = round(1000 * statistics.median(seconds))
        figures[f"{key}_p95_ms"] = round(1000 * _percentile(seconds, 95))
        figures[f"{key}_max_ms"] = round(1000 * max(seconds))
        figures[f"{key}_queries_max"] = max(q for _, q, _ in times)
        figures[f"{key}_requests"] = len(times)
    national = [t for (name, _, _), t in zip(views, results["dashboard_cold"], strict=True) if name == "england"]
    figures["dashboard_cold_england_p95_ms"] = round(1000 * _percentile([t for t, _, _ in national], 95))
    figures["refreshes_kept"] = FigureRefresh.objects.count()
    figures["load_average_1min_at_end"] = round(os.getloadavg()[0], 1)
    return figures


def summary(figures: dict[str, Any]) -> list[str]:
    d = figures.get("dataset", {})
    lines = [
        f"England-scale dataset on PostgreSQL ({figures.get('database')}): {d.get('people', 0):,} people on registers, "
        f"{d.get('episodes', 0):,} episodes, {d.get('contacts', 0):,} contacts; {d.get('practices', '?')} practices "
        f"in {d.get('pcns', '?')} PCNs and {d.get('icss', '?')} ICSs (scale {figures.get('scale')}).",
        "",
        f"- nightly refresh (`partners dashboard refresh`): {figures.get('refresh_seconds')} s for "
        f"{figures.get('refresh_rows', 0):,} area-months",
    ]
    for page in ("dashboard", "equity"):
        for mode in ("cold", "warm"):
            key = f"{page}_{mode}"
            lines.append(f"- {page} ({mode} level cache, {figures.get(key + '_requests')} views): p50 "
                         f"{figures.get(key + '_p50_ms')} ms, p95 {figures.get(key + '_p95_ms')} ms, max "
                         f"{figures.get(key + '_max_ms')} ms, at most {figures.get(key + '_queries_max')} queries")
    lines.append(f"- national view, cold: p95 {figures.get('dashboard_cold_england_p95_ms')} ms")
    lines.append(f"- machine load average (1 min) at the end of the run: {figures.get('load_average_1min_at_end')} "
                 "(2 cores; other work on the machine inflates these timings)")
    return lines
