"""The platform's import of a national register extract: ``casefinding.services.extract_import`` on the
600,000-row synthetic register of the ``casefind`` suite (validation by the core, then storing every row
and every warning in one transaction), in rows per second, and the same file again (idempotent: found by
its SHA-256, nothing stored). Runs in its own process per database: SQLite (a file database) always,
PostgreSQL when ``DATABASE_URL`` is set (a throwaway ``bench_<name>`` database).

    python -m bench.casefind_import --worker REGISTER.csv     # one database, prints JSON
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def worker(register: Path) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partners.settings")
    import django
    from django.conf import settings

    tmp = tempfile.mkdtemp(prefix="bench-cf-import-")
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db["TEST"] = {"NAME": str(Path(tmp) / "bench.sqlite3")}
    else:
        db["TEST"] = {"NAME": f"bench_{db['NAME']}"}
    django.setup()
    from django.db import connection

    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from partners.accounts.models import Role, User
        from partners.audit.actor import Actor
        from partners.casefinding import services
        from partners.casefinding.models import ImportIssue, RegisterRow

        admin = User.objects.create(username="bench-admin", role=Role.ADMINISTRATOR)
        actor = Actor.system(admin, via="bench")
        data = register.read_bytes()
        started = time.perf_counter()
        outcome = services.extract_import(actor=actor, kind="register", filename=register.name, data=data)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = services.extract_import(actor=actor, kind="register", filename=register.name, data=data)
        again_seconds = time.perf_counter() - started
        rows = RegisterRow.objects.count()
        return {
            "engine": connection.vendor, "status": outcome.batch.status, "rows": rows,
            "warnings_stored": ImportIssue.objects.count(), "seconds": round(seconds, 2),
            "rows_per_second": round(rows / seconds) if seconds else None,
            "same_file_again_seconds": round(again_seconds, 3), "same_file_again_reused": again.already_imported,
            "peak_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
        }
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


def measure(register: Path) -> dict[str, Any]:
    engines = {"sqlite": ""}
    if os.environ.get("DATABASE_URL"):
        engines["postgresql"] = os.environ["DATABASE_URL"]
    figures: dict[str, Any] = {}
    for name, url in engines.items():
        env = {**os.environ, "DATABASE_URL": url, "PARTNERS_LOG_LEVEL": "ERROR"}
        argv = [sys.executable, "-m", "bench.casefind_import", "--worker", str(register)]
        result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            figures[name] = {"error": result.stderr.strip().splitlines()[-1] if result.stderr else "failed"}
            continue
        figures[name] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        print(json.dumps(worker(Path(sys.argv[2]))))
    else:
        print(json.dumps(measure(Path(sys.argv[1]))))
