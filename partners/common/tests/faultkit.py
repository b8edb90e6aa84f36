"""Test support for fault injection: a throwaway PostgreSQL cluster and a real gunicorn server.

Never touches the shared PostgreSQL server: the cluster lives in its own temporary directory on a free
port, owned by the ``postgres`` account when the tests run as root (initdb refuses root), and is removed
afterwards. Missing PostgreSQL binaries are an error, never a skip.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bin_dir() -> Path:
    """The directory holding initdb, pg_ctl, pg_dump and pg_restore (PARTNERS_PG_BIN overrides)."""
    override = os.environ.get("PARTNERS_PG_BIN")
    candidates = [Path(override)] if override else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if out:
            candidates.append(Path(out))
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) were not found: install PostgreSQL "
                       "(apt-get install postgresql) or set PARTNERS_PG_BIN. These fault tests never skip.")


class ThrowawayPostgres:
    """An initdb'd cluster under /tmp on a free port; restartable; deleted by ``destroy``."""

    def __init__(self) -> None:
        self.bin = postgres_bin_dir()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="partners-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self._run_as: dict[str, Any] = {}
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            import pwd

            account = pwd.getpwnam("postgres")
            os.chown(self.dir, account.pw_uid, account.pw_gid)
            self._run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([str(self.bin / args[0]), *args[1:]], capture_output=True, text=True,
                                check=False, cwd=self.dir, **self._run_as)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}): {result.stdout}{result.stderr}"
                               f"\n{self.server_log()}")
        return result

    def server_log(self) -> str:
        try:
            return self.log.read_text()[-3000:]
        except OSError:
            return ""

    def init(self) -> ThrowawayPostgres:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.dir}'\nmax_connections = 50\n"
                       "shared_buffers = 32MB\nfsync = on\nsynchronous_commit = on\n")
        return self

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def crash_restart(self) -> None:
        """Stops the server as a crash would (no checkpoint, clients cut off), then starts it again."""
        self.stop("immediate")
        self.start()

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def psql(self, dbname: str, sql: str) -> str:
        return self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", dbname,
                         "-v", "ON_ERROR_STOP=1", "-Atc", sql).stdout

    def createdb(self, name: str) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def copy_database_from(self, settings_dict: dict[str, Any], name: str) -> None:
        """Copies a database (e.g. the migrated test database) from another server into this cluster."""
        source = ["-h", str(settings_dict.get("HOST") or "127.0.0.1"), "-p", str(settings_dict.get("PORT") or 5432),
                  "-U", str(settings_dict.get("USER") or "postgres")]
        env = {**os.environ, "PGPASSWORD": str(settings_dict.get("PASSWORD") or "")}
        dump = self.dir / "copy.dump"  # inside the cluster's directory, which the postgres account can read
        subprocess.run([str(self.bin / "pg_dump"), *source, "-Fc", "--no-owner", "-f", str(dump),
                        str(settings_dict["NAME"])], check=True, env=env, capture_output=True)
        os.chmod(dump, 0o644)
        self._run("pg_restore", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "--no-owner",
                  "--exit-on-error", "--single-transaction", "-d", name, str(dump))

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def app_env(database_url: str, var_dir: Path) -> dict[str, str]:
    """The server's settings: not test mode, so database connections persist between requests
    (CONN_MAX_AGE) and are health-checked (CONN_HEALTH_CHECKS), exactly as in production."""
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "PARTNERS_", "DATABASE_URL", "PYTEST", "NOTIFY_"))}
    return {
        **keep,
        "PARTNERS_ENV": "development",
        "PARTNERS_VAR_DIR": str(var_dir),
        "PARTNERS_NODE_MODULES": str(ROOT / "node_modules"),
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "partners.settings",
        "PYTHONPATH": str(ROOT),
    }


def run_python(env: dict[str, str], code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"python -c failed: {result.stdout}{result.stderr}")
    return result.stdout


SEED = """
import json, django
django.setup()
from datetime import timedelta
from django.utils import timezone
from partners.accounts.models import Role, User
from partners.accounts.services import api_token_create
from partners.care.models import Episode, Phase
from partners.organisations.models import Organisation
from partners.registry.models import Person

ics = Organisation.objects.create(kind="ics", name="Fault ICS", ods_code="QF1")
pcn = Organisation.objects.create(kind="pcn", name="Fault PCN", ods_code="UF001", parent=ics)
practice = Organisation.objects.create(kind="practice", name="Fault Practice", ods_code="XF0001", parent=pcn)
trust = Organisation.objects.create(kind="trust", name="Fault Trust", ods_code="RF1", parent=ics)
sup = User.objects.create(username="fsup", role=Role.SUPERVISOR, organisation=trust)
today = timezone.localdate()
out = {"clients": []}
for c in range(2):
    cp = User.objects.create(username=f"fcp{c}", role=Role.CARE_PARTNER, organisation=trust, supervisor=sup)
    people = []
    for i in range(2):
        person = Person.objects.create(given_name=f"Fault{c}{i}", family_name="Person", practice=practice,
                                       date_of_birth="1970-01-01", diagnosis_group="bipolar",
                                       usual_care_setting="primary")
        Episode.objects.create(person=person, care_partner=cp, practice=practice, phase=Phase.ACTIVE,
                               referred_on=today - timedelta(days=30), started_on=today - timedelta(days=20),
                               next_contact_on=today + timedelta(days=3))
        people.append(person.pk)
    out["clients"].append({"token": api_token_create(user=cp, name="fault"), "people": people})
print(json.dumps(out))
"""


class Gunicorn:
    """gunicorn started exactly as ``partners serve`` starts it (same worker class, threads, timeouts)."""

    def __init__(self, env: dict[str, str], workers: int = 2) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.logfile = Path(env["PARTNERS_VAR_DIR"]) / "gunicorn.log"
        code = (f"from partners.cli.demo import _serve_gunicorn; "
                f"_serve_gunicorn('127.0.0.1:{self.port}', workers={workers}, threads=4)")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT, env=env, stdout=open(self.logfile, "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
            start_new_session=True,
        )
        self.workers = workers

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}): {self.log()}")
            with contextlib.suppress(OSError):
                status, _, _ = request("GET", f"{self.base}/healthz", timeout=2)
                if status == 200 and len(self.worker_pids()) == self.workers:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout}s: {self.log()}")

    def log(self) -> str:
        return self.logfile.read_text()[-4000:]

    def worker_pids(self) -> set[int]:
        """The master's live children (gunicorn workers)."""
        pids: set[int] = set()
        for task in Path(f"/proc/{self.proc.pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                pids.update(int(p) for p in (task / "children").read_text().split())
        return {pid for pid in pids if _alive(pid)}

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)  # gunicorn's quick shutdown
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def pid_owning_local_port(port: int, candidates: set[int]) -> int | None:
    """Which of these processes holds the TCP socket whose local port is ``port`` (Linux /proc)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    for pid in candidates:
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return pid
    return None


def request(method: str, url: str, *, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
            timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request to the local server; HTTP errors are answers, connection failures raise OSError."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,  # noqa: S310 - loopback test server only
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310  # nosec B310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()
