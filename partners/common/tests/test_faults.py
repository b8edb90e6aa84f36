"""Faults: a database crash under a stream of writes, a worker killed mid-request, backup and restore.

Each runs against a real gunicorn (``partners serve``, production settings) and a throwaway PostgreSQL
cluster started for this module (never the shared server). PostgreSQL-only: deselected in the SQLite
pass, and failing (never skipping) in the PostgreSQL pass when the PostgreSQL binaries are missing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.utils import timezone

from partners.common.dbcompare import differences, table_fingerprints
from partners.common.tests.faultkit import (
    SEED,
    Gunicorn,
    ThrowawayPostgres,
    app_env,
    pid_owning_local_port,
    request,
    run_python,
)

# django_db: so pytest-django creates the test database this module copies (the tests themselves talk to
# their own cluster over HTTP and psycopg).
pytestmark = [pytest.mark.postgresql, pytest.mark.django_db]

DB = "partners_faults"


@dataclass
class Stack:
    pg: ThrowawayPostgres
    server: Gunicorn
    clients: list[dict[str, Any]]
    var_dir: Path

    def conn(self, dbname: str = DB) -> psycopg.Connection[Any]:
        return psycopg.connect(self.pg.url(dbname), autocommit=True, connect_timeout=5)


@pytest.fixture(scope="module")
def stack(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The migrated (empty) test database copied into a throwaway cluster, seeded, and served by gunicorn."""
    from django.db import connection

    pg = ThrowawayPostgres().init()
    server = None
    try:
        pg.start()
        pg.createdb(DB)
        var_dir = tmp_path_factory.mktemp("faults-var")
        pg.copy_database_from(connection.settings_dict, DB)
        env = app_env(pg.url(DB), var_dir)
        seeded = json.loads(run_python(env, SEED))
        server = Gunicorn(env, workers=2)
        server.wait_ready()
        yield Stack(pg=pg, server=server, clients=seeded["clients"], var_dir=var_dir)
    finally:
        if server is not None:
            server.stop()
        pg.destroy()


def contact_body(key: str) -> dict[str, Any]:
    today = timezone.localdate()
    return {"contact_on": today.isoformat(), "mode": "telephone", "minutes": 20, "reached": True,
            "notes": f"fault-test {key}", "next_contact_on": (today + timedelta(days=7)).isoformat()}


def post_contact(stack: Stack, client: dict[str, Any], person_id: int, key: str,
                 timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    return request("POST", f"{stack.server.base}/api/v1/service-users/{person_id}/contacts",
                   body=contact_body(key), timeout=timeout,
                   headers={"Authorization": f"Bearer {client['token']}", "Idempotency-Key": key})


def contacts_by_note(stack: Stack, key: str) -> list[int]:
    with stack.conn() as conn:
        return [row[0] for row in conn.execute("SELECT id FROM care_contact WHERE notes = %s",
                                               [f"fault-test {key}"])]


@dataclass
class Writer:
    """One client thread: writes contacts one after another, retrying each with its key until acknowledged."""

    stack: Stack
    client: dict[str, Any]
    person_id: int
    writes: int
    acknowledged: dict[str, int] = field(default_factory=dict)
    acknowledged_at: dict[str, float] = field(default_factory=dict)
    failures_seen: int = 0
    unexpected: list[str] = field(default_factory=list)

    def run(self) -> None:
        for _ in range(self.writes):
            key = uuid.uuid4().hex
            deadline = time.monotonic() + 90
            while True:
                try:
                    status, _, body = post_contact(self.stack, self.client, self.person_id, key, timeout=20)
                except OSError:
                    status, body = 0, b""
                if status == 201:
                    self.acknowledged[key] = json.loads(body)["id"]
                    self.acknowledged_at[key] = time.monotonic()
                    break
                if status in (0, 409, 500, 502, 503):  # cut off, in progress elsewhere, or database down: retry
                    self.failures_seen += 1
                    if time.monotonic() > deadline:
                        self.unexpected.append(f"{key}: never acknowledged")
                        break
                    time.sleep(0.25)
                    continue
                self.unexpected.append(f"{key}: HTTP {status} {body[:200]!r}")
                break


def test_no_acknowledged_write_is_lost_and_none_duplicated_when_postgresql_crashes_under_load(stack):
    master = stack.server.proc.pid
    workers_before = stack.server.worker_pids()
    writers = [Writer(stack, client, person, writes=12) for client in stack.clients for person in client["people"]]
    threads = [threading.Thread(target=w.run) for w in writers]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while sum(len(w.acknowledged) for w in writers) < 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sum(len(w.acknowledged) for w in writers) >= 8, stack.server.log()
    stack.pg.crash_restart()  # writes are in flight: connections cut, uncommitted work lost, WAL replayed
    restarted_at = time.monotonic()
    for thread in threads:
        thread.join(timeout=180)

    assert not any(thread.is_alive() for thread in threads)
    assert [u for w in writers for u in w.unexpected] == []
    acknowledged = {key: cid for w in writers for key, cid in w.acknowledged.items()}
    assert len(acknowledged) == sum(w.writes for w in writers)
    with stack.conn() as conn:
        rows = dict(conn.execute("SELECT notes, count(*) FROM care_contact WHERE notes LIKE 'fault-test %%' "
                                 "GROUP BY notes").fetchall())
        ids = {row[0] for row in conn.execute("SELECT id FROM care_contact")}
    # every acknowledged write survived the crash, exactly once
    for key, contact_id in acknowledged.items():
        assert contact_id in ids, f"acknowledged contact {contact_id} ({key}) was lost"
        assert rows.get(f"fault-test {key}") == 1, f"{key} stored {rows.get(f'fault-test {key}')} times"
    assert sum(rows.values()) == len(acknowledged)
    # writes went on being acknowledged after the crash, by the same server: no restart of the app
    assert any(at > restarted_at for w in writers for at in w.acknowledged_at.values())
    assert stack.server.proc.poll() is None and stack.server.proc.pid == master
    assert stack.server.worker_pids() == workers_before
    # a client repeating any acknowledged request with its key gets the first answer back, no new record
    writer = writers[0]
    for key, contact_id in list(writer.acknowledged.items())[:3]:
        status, headers, body = post_contact(stack, writer.client, writer.person_id, key)
        assert status == 201 and headers.get("Idempotent-Replayed") == "true"
        assert json.loads(body)["id"] == contact_id
        assert contacts_by_note(stack, key) == [contact_id]


def test_the_app_answers_the_first_requests_after_a_database_restart_without_being_restarted(stack):
    """Persistent connections are health-checked (CONN_HEALTH_CHECKS) so a dead one is replaced, not used."""
    for _ in range(24):  # every worker thread now holds an open database connection
        assert request("GET", f"{stack.server.base}/healthz")[0] == 200
    workers = stack.server.worker_pids()
    with stack.conn() as conn:  # the app keeps its connections open between requests (CONN_MAX_AGE)
        assert conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
                            "AND state = 'idle'", [DB]).fetchone()[0] > 0
    stack.pg.crash_restart()
    statuses = [request("GET", f"{stack.server.base}/healthz")[0] for _ in range(24)]
    assert statuses == [200] * 24
    assert stack.server.worker_pids() == workers


def test_a_worker_killed_mid_request_leaves_nothing_half_written_and_the_retry_creates_one_record(stack):
    client = stack.clients[1]
    person_id = client["people"][0]
    key = uuid.uuid4().hex
    workers_before = stack.server.worker_pids()
    outcome: dict[str, Any] = {}

    def send() -> None:
        try:
            outcome["status"] = post_contact(stack, client, person_id, key, timeout=60)[0]
        except OSError as exc:
            outcome["error"] = exc

    with stack.conn() as holder:
        # Hold the contact table so the request blocks half-way: its idempotency key and audit rows are
        # written inside its transaction, the contact insert waits.
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE care_contact IN SHARE ROW EXCLUSIVE MODE")
        sender = threading.Thread(target=send)
        sender.start()
        blocked = None
        deadline = time.monotonic() + 30
        with stack.conn() as watcher:
            while blocked is None and time.monotonic() < deadline:
                blocked = watcher.execute(
                    "SELECT pid, client_port FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE 'INSERT INTO \"care_contact\"%%'").fetchone()
                time.sleep(0.05)
            assert blocked is not None, "the request never reached the contact insert"
            backend_pid, client_port = blocked
            worker = pid_owning_local_port(client_port, workers_before)
            assert worker is not None
            os.kill(worker, signal.SIGKILL)
            sender.join(timeout=30)
            holder.execute("ROLLBACK")
            # the dead worker's transaction is rolled back by PostgreSQL, never committed
            deadline = time.monotonic() + 30
            while watcher.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend_pid]).fetchone():
                assert time.monotonic() < deadline, "the killed worker's database session lingered"
                time.sleep(0.05)

    assert "status" not in outcome or outcome["status"] >= 500, outcome  # never a false acknowledgement
    assert contacts_by_note(stack, key) == []
    with stack.conn() as conn:
        assert conn.execute("SELECT count(*) FROM common_idempotencyrecord WHERE key = %s", [key]).fetchone()[0] == 0
    # the master replaces the worker
    deadline = time.monotonic() + 30
    while (worker in stack.server.worker_pids() or len(stack.server.worker_pids()) < 2) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert worker not in stack.server.worker_pids() and len(stack.server.worker_pids()) == 2
    assert stack.server.proc.poll() is None
    # the client's retry with the same key succeeds once; a second retry replays it
    first = post_contact(stack, client, person_id, key)
    again = post_contact(stack, client, person_id, key)
    assert first[0] == again[0] == 201
    assert again[1].get("Idempotent-Replayed") == "true"
    assert contacts_by_note(stack, key) == [json.loads(first[2])["id"]]


def test_a_backup_restored_into_a_fresh_database_matches_the_original_table_by_table(stack, tmp_path):
    # make sure the database holds a little of everything the API writes, whatever ran before
    client = stack.clients[0]
    for _ in range(3):
        assert post_contact(stack, client, client["people"][1], uuid.uuid4().hex)[0] == 201
    dump = stack.pg.dir / "partners.dump"
    bin_dir = stack.pg.bin
    conn_args = ["-h", "127.0.0.1", "-p", str(stack.pg.port), "-U", "postgres"]
    # the documented procedure (docs/operations.md): pg_dump -Fc, createdb, pg_restore --no-owner
    subprocess.run([str(bin_dir / "pg_dump"), *conn_args, "-Fc", "--no-owner", "-f", str(dump), DB], check=True)
    stack.pg.createdb("partners_restored")
    subprocess.run([str(bin_dir / "pg_restore"), *conn_args, "--no-owner", "--exit-on-error", "--single-transaction",
                    "-d", "partners_restored", str(dump)], check=True)

    with stack.conn() as original, stack.conn("partners_restored") as restored:
        before = table_fingerprints(original)
        after = table_fingerprints(restored)
        assert differences(before, after) == []
        assert before == after
        assert before["care_contact"]["rows"] >= 3 and before["audit_auditevent"]["rows"] > 0
        assert len(before) > 40  # every table of every app, not a sample
        # the restored audit trail is still append-only
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            restored.execute("DELETE FROM audit_auditevent")
