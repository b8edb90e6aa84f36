"""Suites that measure the app in a database of their own: one worker process per database engine (SQLite
always, PostgreSQL when ``DATABASE_URL`` is set), each in a throwaway database created and destroyed
around the measurement."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def throwaway_database(prefix: str) -> Iterator[Any]:
    """Django set up on a fresh test database (a file under a temporary folder for SQLite, ``bench_<name>``
    on PostgreSQL), destroyed on the way out; yields the connection."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partners.settings")
    import django
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db["TEST"] = {"NAME": str(Path(tempfile.mkdtemp(prefix=prefix)) / "bench.sqlite3")}
    else:
        db["TEST"] = {"NAME": f"bench_{db['NAME']}"}
    django.setup()
    from django.db import connection

    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield connection
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


def per_database(module: str, *worker_args: str) -> dict[str, Any]:
    """``python -m <module> --worker <args>`` once per engine; {engine: the JSON of its last output line, or
    {"error": its last error line}}."""
    engines = {"sqlite": ""}
    if os.environ.get("DATABASE_URL"):
        engines["postgresql"] = os.environ["DATABASE_URL"]
    figures: dict[str, Any] = {}
    for name, url in engines.items():
        env = {**os.environ, "DATABASE_URL": url, "PARTNERS_LOG_LEVEL": "ERROR"}
        argv = [sys.executable, "-m", module, "--worker", *worker_args]
        result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv of our own commands, no shell  # nosec B603
        if result.returncode != 0:
            figures[name] = {"error": result.stderr.strip().splitlines()[-1] if result.stderr else "failed"}
            continue
        figures[name] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures
