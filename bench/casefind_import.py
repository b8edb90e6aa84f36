"""The platform's import of a national register extract: ``casefinding.services.extract_import`` on the
600,000-row synthetic register of the ``casefind`` suite (validation by the core, then storing every row
and every warning in one transaction), in rows per second, and the same file again (idempotent: found by
its SHA-256, nothing stored). Runs in its own process per database: SQLite (a file database) always,
PostgreSQL when ``DATABASE_URL`` is set (a throwaway ``bench_<name>`` database).

    python -m bench.casefind_import --worker REGISTER.csv     # one database, prints JSON
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from bench.throwaway import per_database, throwaway_database


def worker(register: Path) -> dict[str, Any]:
    with throwaway_database("bench-cf-import-") as connection:
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


def measure(register: Path) -> dict[str, Any]:
    return per_database("bench.casefind_import", str(register))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        print(json.dumps(worker(Path(sys.argv[2]))))
    else:
        print(json.dumps(measure(Path(sys.argv[1]))))
