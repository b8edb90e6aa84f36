"""Fail loudly (exit 1) when the PostgreSQL server for the test suite cannot be reached."""

import sys

import psycopg

url = sys.argv[1]
try:
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=5) as conn:
        conn.execute("select 1")
except psycopg.Error as exc:
    sys.stderr.write(
        f"PostgreSQL is not reachable at {url}: {exc}\n"
        "Start it (e.g. pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)\n"
        "or run `make test POSTGRES=skip` to run the SQLite pass only.\n"
    )
    sys.exit(1)
