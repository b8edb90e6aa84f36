"""The England-scale benchmark harness (bench/dashboard.py generator, bench/england.py pages) works, at a tiny
size (1,000 people) on PostgreSQL: what `make bench` runs at 600,000 people. Needs PostgreSQL (the generator
uses COPY and server-side INSERT ... SELECT): it fails, never skips, when the server is not there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]


def _check_database_url() -> str:
    """A database of its own next to the test database: ``<test database>_benchcheck``."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.postgresql":
        name = (db.get("TEST") or {}).get("NAME") or f"test_{db['NAME']}"
        return f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/" \
               f"{name}_benchcheck"
    base = os.environ.get("DATABASE_URL_TEST") or "postgres://postgres@127.0.0.1:5432/partners_test"
    return base + "_benchcheck"


def test_the_bench_generator_and_page_measurements_work_at_a_tiny_size():
    url = _check_database_url()
    env = {**os.environ, "DATABASE_URL": url, "PARTNERS_ENV": "development", "PARTNERS_LOG_LEVEL": "ERROR"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run([sys.executable, "-m", "bench.england", "--check", url], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, f"the bench harness failed on {url}:\n{result.stderr[-3000:]}"
    figures = json.loads(result.stdout.strip().splitlines()[-1])

    dataset = figures["dataset"]
    assert dataset["people"] == 1_000
    assert dataset["open_episodes"] == 100
    assert dataset["episodes"] == 100 + 270  # the ended episodes behind the contact history
    assert 10_000 < dataset["contacts"] < 30_000  # ~17 contacts per person, like 10 million for 600,000
    assert 2_000 < dataset["questionnaires"] < 6_000
    assert figures["caseload_size"] == 50
    assert figures["long_history_contacts"] >= 365
    assert set(figures["pages"]) == {
        "caseload", "person_long_history", "person_typical", "supervisor_review", "dashboard",
        "api_service_users_list", "api_service_user_detail", "api_episodes", "api_contacts", "api_goals",
        "api_questionnaires"}
    for name, page in figures["pages"].items():
        assert page["requests"] == 2 and page["p50_ms"] > 0 and page["p95_ms"] >= page["p50_ms"], name
        assert page["queries"] > 0 and page["sql_p50_ms"] > 0 and page["ratio_p50"] > 0, name
    assert figures["pages"]["caseload"]["queries"] <= 15
    assert figures["pages"]["person_long_history"]["queries"] <= 15
