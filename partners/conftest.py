"""Shared fixtures: a small world of organisations, one account per role, people in and out of scope,
API clients, and headless Chromium (Debian's binary, driven by Playwright) with axe-core."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from hypothesis import settings as hypothesis_settings

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by tests between
# browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Hypothesis's default 200 ms deadline per example is a timing assertion: on a loaded two-core CI machine a
# correct scoring test failed on it. Speed is measured by `make bench`, never by tests.
hypothesis_settings.register_profile("partners", deadline=None, print_blob=True)
hypothesis_settings.load_profile("partners")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Every test starts with an empty cache: throttles (dead questionnaire links, sign-in) count per address,
    and every test's client is 127.0.0.1, so one test's misses would otherwise refuse another's link (429)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - test accounts only  # nosec B105


def on_postgresql() -> bool:
    return bool(settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql")


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("PARTNERS_REQUIRE_POSTGRES") == "1":
        engine = settings.DATABASES["default"]["ENGINE"]
        if engine != "django.db.backends.postgresql":
            raise pytest.UsageError(f"PARTNERS_REQUIRE_POSTGRES=1 but the database engine is {engine}.")


POSTGRESQL_ONLY = (
    "tests marked 'postgresql' (database-level guards, fault injection, backup and restore) run in the "
    "PostgreSQL pass only"
)


def pytest_report_header(config: pytest.Config) -> str:
    if on_postgresql():
        return f"PostgreSQL pass: {POSTGRESQL_ONLY} and must pass here (they fail if PostgreSQL is absent)."
    return f"SQLite pass: {POSTGRESQL_ONLY}; they are DESELECTED here, not skipped."


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On SQLite, deselect (never skip) the tests that need PostgreSQL; `make test` runs them in its second pass."""
    if on_postgresql():
        return
    needs_postgresql = [item for item in items if item.get_closest_marker("postgresql")]
    if needs_postgresql:
        config.hook.pytest_deselected(items=needs_postgresql)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"SQLite pass: deselected {len(needs_postgresql)} PostgreSQL-only tests "
                                "(they run in the PostgreSQL pass of `make test`).")


@dataclass
class World:
    ics: Any
    pcn: Any
    practice_a: Any
    practice_b: Any
    trust: Any
    users: dict[str, Any]
    people: dict[str, Any]
    episodes: dict[str, Any]


def make_person(practice: Any, *, nhs_number: str | None, given: str, family: str, **extra: Any) -> Any:
    from partners.registry.models import Person

    defaults = {"date_of_birth": date(1970, 5, 17), "sex": "female", "ethnicity": "A", "postcode": "ZZ1 1AA",
                "diagnosis_group": "bipolar", "usual_care_setting": "primary"}
    defaults.update(extra)
    return Person.objects.create(nhs_number=nhs_number, given_name=given, family_name=family, practice=practice,
                                 **defaults)


@pytest.fixture
def world(db: None) -> World:
    from partners.accounts.models import Role, User
    from partners.care.models import Episode, Phase
    from partners.organisations.models import Organisation

    ics = Organisation.objects.create(kind="ics", name="Test ICS", ods_code="QT1")
    pcn = Organisation.objects.create(kind="pcn", name="Test PCN", ods_code="UT001", parent=ics, region="North")
    practice_a = Organisation.objects.create(kind="practice", name="Practice A", ods_code="XT0001", parent=pcn,
                                             region="North", size="large")
    practice_b = Organisation.objects.create(kind="practice", name="Practice B", ods_code="XT0002", parent=pcn,
                                             region="North", size="small")
    trust = Organisation.objects.create(kind="trust", name="Test Trust", ods_code="RT1", parent=ics)

    def user(username: str, role: str, **extra: Any) -> Any:
        u = User(username=username, role=role, first_name=username.title(), last_name="Tester", **extra)
        u.set_password(PASSWORD)
        u.save()
        return u

    sup1 = user("sup1", Role.SUPERVISOR, organisation=trust, is_demo=True)
    sup2 = user("sup2", Role.SUPERVISOR, organisation=trust, is_demo=True)
    users = {
        "cp1": user("cp1", Role.CARE_PARTNER, organisation=trust, supervisor=sup1, is_demo=True),
        "cp2": user("cp2", Role.CARE_PARTNER, organisation=trust, supervisor=sup1, is_demo=True),
        "cp3": user("cp3", Role.CARE_PARTNER, organisation=trust, supervisor=sup2, is_demo=True),
        "sup1": sup1,
        "sup2": sup2,
        "practice_a": user("practice_a", Role.PRACTICE_STAFF, organisation=practice_a, is_demo=True),
        "leader": user("leader", Role.SYSTEM_LEADER, organisation=ics, is_demo=True),
        "researcher": user("researcher", Role.RESEARCHER, organisation=trust, is_demo=True),
        "admin": user("admin", Role.ADMINISTRATOR, organisation=ics, is_demo=True),
    }
    people = {
        "p1": make_person(practice_a, nhs_number="9434765919", given="Ada", family="Lovelace"),
        "p2": make_person(practice_b, nhs_number="9990000018", given="Ben", family="Okri"),
        "p3": make_person(practice_a, nhs_number=None, given="Cleo", family="Laine"),
        "p4": make_person(practice_b, nhs_number=None, given="Dev", family="Patel"),
    }
    today = timezone.localdate()
    episodes = {
        "p1": Episode.objects.create(person=people["p1"], care_partner=users["cp1"], practice=practice_a,
                                     phase=Phase.ACTIVE, referred_on=today - timedelta(days=60),
                                     started_on=today - timedelta(days=55), next_contact_on=today + timedelta(days=3)),
        "p2": Episode.objects.create(person=people["p2"], care_partner=users["cp3"], practice=practice_b,
                                     phase=Phase.ACTIVE, referred_on=today - timedelta(days=30),
                                     started_on=today - timedelta(days=25), next_contact_on=today - timedelta(days=2)),
    }
    return World(ics, pcn, practice_a, practice_b, trust, users, people, episodes)


@pytest.fixture
def login_as(client: Client) -> Any:
    """Sign a test client in as one of the world's users (demo accounts skip two-factor)."""

    def _login(user: Any) -> Client:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


@pytest.fixture
def api_client(db: None) -> Any:
    from partners.accounts.services import api_token_create

    def _client(user: Any) -> Client:
        token = api_token_create(user=user, name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    return _client


def actor_for(user: Any) -> Any:
    from partners.audit.actor import Actor

    return Actor(user=user, via="test")


@pytest.fixture
def notify_server(settings: Any) -> Any:
    """A GOV.UK Notify-compatible server on 127.0.0.1, with the settings pointed at it."""
    from partners.common.notify_standin import API_KEY, NotifyStandIn

    server = NotifyStandIn().start()
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_BASE_URL = server.base_url
    yield server
    server.stop()


# Browser -------------------------------------------------------------------------------------------------

AXE_JS = Path(settings.NODE_MODULES) / "axe-core" / "axe.min.js"


def chromium_path() -> str:
    path = os.environ.get("PARTNERS_CHROMIUM") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError(f"Chromium not found at {path}: install Debian's chromium (apt-get install chromium).")
    return path


@pytest.fixture(scope="session")
def browser() -> Any:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=chromium_path(), headless=True,
                                      args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                  timezone_id="Europe/London")
    context.set_default_timeout(15_000)
    # The NHS.UK stylesheet loads its font from assets.nhs.uk; tests never wait on the internet.
    context.route("https://assets.nhs.uk/**", lambda route: route.abort())
    pg = context.new_page()
    yield pg
    context.close()


def axe_violations(pg: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """Runs axe-core (WCAG 2.0-2.2 A/AA rules) on the page; returns violations of the given impacts."""
    if not pg.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, so the page's strict CSP (no inline scripts) stays on.
        pg.evaluate(AXE_JS.read_text() + "\n;true")
    result = pg.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in impacts
    ]


def browser_sign_in(pg: Any, base_url: str, username: str, password: str) -> None:
    pg.goto(f"{base_url}/accounts/login/")
    pg.get_by_label("Username").fill(username)
    pg.get_by_label("Password").fill(password)
    pg.get_by_role("button", name="Continue").click()
    pg.wait_for_load_state("domcontentloaded")
