"""Load: 50 simulated users (Care Partners, supervisors, leaders) for 3 minutes against gunicorn + PostgreSQL.

On the England-scale bench database (``bench.dashboard.ensure_dataset``; generated once, reused), gunicorn
serves the application on 127.0.0.1 (``BENCH_LOAD_PORT``, default 8765) and Locust (``bench/locustfile.py``,
headless) signs each user in through the real sign-in form and works through the pages. Reports throughput
(requests/s), latency p50/p95/p99 over every request and per page, and errors (any answer but 200 is one).

``make load`` runs it alone (``LOAD_USERS``/``LOAD_SECONDS`` to change the size); ``make bench`` includes it.
``--quick``: 10 users for 30 seconds. Users start ``LOAD_SPAWN_RATE`` per second (default 1); statistics are
reset once all have started, so the figures are ``LOAD_SECONDS`` at full strength; sign-in times (during the
ramp) are reported apart. Think time ``LOAD_WAIT_MIN``-``LOAD_WAIT_MAX`` seconds (default 5-15).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.dashboard import BENCH_PASSWORD, _setup, database_url, ensure_dataset

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not start on port {port}")


def _row(row: dict[str, str]) -> dict[str, Any]:
    def num(key: str) -> float:
        value = row.get(key) or "0"
        return float(value) if value != "N/A" else 0.0

    return {"requests": int(num("Request Count")), "failures": int(num("Failure Count")),
            "rps": round(num("Requests/s"), 1), "p50_ms": num("50%"), "p95_ms": num("95%"), "p99_ms": num("99%"),
            "max_ms": round(num("Max Response Time")), "mean_ms": round(num("Average Response Time"), 1)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    users = int(os.environ.get("LOAD_USERS", 10 if args.quick else 50))
    seconds = int(os.environ.get("LOAD_SECONDS", 30 if args.quick else 180))
    workers = int(os.environ.get("LOAD_WORKERS", 4))
    port = int(os.environ.get("BENCH_LOAD_PORT", 8765))
    scale = float(os.environ.get("BENCH_SCALE", 0.05 if args.quick else 1.0))
    url = database_url(quick=args.quick)
    _setup(url)
    from partners.dashboards.selectors import current_refresh
    from partners.dashboards.services import figures_refresh

    state = ensure_dataset(scale, lambda m: print(f"  {m}", flush=True))
    if current_refresh() is None:
        figures_refresh(stream=None)
    from django.db import connections

    connections.close_all()
    env = {**os.environ, "DATABASE_URL": url, "PARTNERS_ENV": "development", "PARTNERS_LOG_LEVEL": "WARNING",
           "BENCH_PASSWORD": BENCH_PASSWORD, "PYTHONDONTWRITEBYTECODE": "1",
           "BENCH_CARE_PARTNERS": str(state["care_partners"]), "BENCH_SUPERVISORS": str(state["supervisors"])}
    spawn_rate = float(os.environ.get("LOAD_SPAWN_RATE", "1"))
    ramp = int(users / spawn_rate) + 1
    out = Path(tempfile.mkdtemp(prefix="bench-load-"))
    env["LOAD_SIGNIN_FILE"] = str(out / "sign_ins.csv")
    server = subprocess.Popen(  # noqa: S603 - fixed argv  # nosec B603
        [str(BIN / "gunicorn"), "partners.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers",
         str(workers), "--threads", "2", "--timeout", "120", "--preload", "--error-logfile", str(out / "gunicorn.log")],
        cwd=ROOT, env=env, start_new_session=True)
    try:
        _wait_for(port)
        for _ in range(3 * workers):  # every worker loads its URLs and templates before the clock starts
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=60).read()  # nosec B310 - http to our own server
        locust = shutil.which("locust", path=str(BIN)) or str(BIN / "locust")
        started = time.perf_counter()
        result = subprocess.run(  # noqa: S603 - fixed argv  # nosec B603
            [locust, "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--users", str(users),
             "--spawn-rate", str(spawn_rate), "--run-time", f"{ramp + seconds}s", "--reset-stats", "--host",
             f"http://127.0.0.1:{port}", "--csv", str(out / "load"), "--only-summary", "--stop-timeout", "10",
             "--exit-code-on-error", "0", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=ramp + seconds + 300)
        wall = time.perf_counter() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    stats_file = out / "load_stats.csv"
    if not stats_file.exists():
        raise RuntimeError(f"locust wrote no statistics: {result.stderr[-2000:]}")
    with stats_file.open() as handle:
        rows = list(csv.DictReader(handle))
    pages = {f"{r['Type']} {r['Name']}": _row(r) for r in rows if r["Name"] != "Aggregated"}
    total = _row(next(r for r in rows if r["Name"] == "Aggregated"))
    failures_file = out / "load_failures.csv"
    failures = []
    if failures_file.exists():
        with failures_file.open() as handle:
            failures = [f"{r['Method']} {r['Name']}: {r['Error']} (x{r['Occurrences']})"
                        for r in csv.DictReader(handle)]
    sign_ins = sorted(float(t) for t in (out / "sign_ins.csv").read_text().split(",") if t) \
        if (out / "sign_ins.csv").exists() else []
    signing_in = {"count": len(sign_ins), "p50_ms": round(statistics.median(sign_ins)) if sign_ins else None,
                  "max_ms": round(max(sign_ins)) if sign_ins else None}
    think = [float(os.environ.get("LOAD_WAIT_MIN", "5")), float(os.environ.get("LOAD_WAIT_MAX", "15"))]
    return {"users": users, "seconds": seconds, "ramp_seconds": ramp, "sign_ins": signing_in, "think_seconds": think,
            "spawn_per_second": spawn_rate, "gunicorn_workers": workers,
            "gunicorn_threads": 2,
            "database": url.rsplit("@", 1)[-1], "dataset_scale": scale, "dataset_reused": bool(state.get("reused")),
            "total": total, "pages": pages, "errors": total["failures"], "failures": failures[:20],
            "wall_seconds": round(wall, 1), "load_average_1min_at_end": round(os.getloadavg()[0], 1)}


def summary(figures: dict[str, Any]) -> list[str]:
    t = figures.get("total", {})
    lines = [
        f"{figures.get('users')} concurrent users (Care Partners 70%, supervisors 20%, leaders 10%; think time "
        f"{'-'.join(str(round(t)) for t in figures.get('think_seconds', []))} s; started "
        f"{figures.get('spawn_per_second')} per second, each signing in through the sign-in form) for "
        f"{figures.get('seconds')} s at full strength (statistics reset once all had started; ramp "
        f"{figures.get('ramp_seconds')} s) against gunicorn "
        f"({figures.get('gunicorn_workers')} workers x {figures.get('gunicorn_threads')} threads) and PostgreSQL "
        f"on 127.0.0.1, England-scale database (scale {figures.get('dataset_scale')}).",
        "",
        f"- **{t.get('requests')} requests, {t.get('rps')} req/s, {figures.get('errors')} errors**; latency p50 "
        f"{t.get('p50_ms')} ms, p95 {t.get('p95_ms')} ms, p99 {t.get('p99_ms')} ms, max {t.get('max_ms')} ms",
        "",
        "| request | count | errors | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, p in figures.get("pages", {}).items():
        lines.append(f"| {name} | {p['requests']} | {p['failures']} | {p['rps']} | {p['p50_ms']} | {p['p95_ms']} | "
                     f"{p['p99_ms']} |")
    s = figures.get("sign_ins") or {}
    lines.append(f"\nSign-ins during the ramp (PBKDF2 password check, real form): {s.get('count')}, p50 "
                 f"{s.get('p50_ms')} ms, max {s.get('max_ms')} ms.")
    for failure in figures.get("failures", []):
        lines.append(f"- failure: {failure}")
    return lines
