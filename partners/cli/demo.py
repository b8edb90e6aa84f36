"""`partners demo` and `partners serve`."""

from __future__ import annotations

import argparse
import os
import sys

from partners.cli import CommandError, setup_django


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser(
        "demo", help="create the SQLite database, load the synthetic demo ICS and serve the web app",
        description="Creates the database, migrates, loads the synthetic demo ICS (a second run reuses it) "
                    "and serves the web app on http://127.0.0.1:PORT.",
    )
    demo.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--no-serve", action="store_true", help="load the demo data and stop")
    demo.add_argument("--seed", type=int, default=2026, help="random seed for the synthetic data")
    demo.set_defaults(func=run_demo)

    serve = subparsers.add_parser("serve", help="production server (gunicorn) on DATABASE_URL",
                                  description="Migrates, collects static files and runs gunicorn.")
    serve.add_argument("--bind", default=os.environ.get("PARTNERS_BIND", "127.0.0.1:8000"))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 3)))
    serve.set_defaults(func=run_serve)


def _check_port(host: str, port: int) -> None:
    import socket

    if not 1 <= port <= 65535:
        raise CommandError(f"--port {port} is not a port number (1-65535).")
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise CommandError(f"port {port} on {host} is already in use; try `make demo PORT=8123`.") from None


def run_demo(args: argparse.Namespace) -> int:
    if not args.no_serve:
        _check_port(args.host, args.port)
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    if not settings.PARTNERS_ALLOW_DEMO_ACCOUNTS:
        raise CommandError("the demo cannot run with PARTNERS_ENV=production.")
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    from partners.demo.loader import load_demo

    report = load_demo(seed=args.seed, stream=sys.stdout)
    password = os.environ.get("DEMO_PASSWORD", "partners-demo")
    url = f"http://{args.host}:{args.port}/"
    sys.stdout.write(
        f"\nPARTNERS demo ({report})\n"
        f"  Open {url}\n"
        f"  Demo accounts (password {password!r}): carepartner1, carepartner2, carepartner3, supervisor1,\n"
        f"  supervisor2, practice1, leader1, researcher1, admin1\n"
        "  Synthetic data only. Press Ctrl+C to stop.\n\n"
    )
    sys.stdout.flush()
    if args.no_serve:
        return 0
    _serve_gunicorn(f"{args.host}:{args.port}", workers=2, threads=4)
    return 0


def _serve_gunicorn(bind: str, *, workers: int, threads: int) -> None:
    from gunicorn.app.wsgiapp import run

    sys.argv = ["gunicorn", "partners.wsgi:application", "--bind", bind, "--workers", str(workers),
                "--threads", str(threads), "--access-logfile", "-", "--graceful-timeout", "10",
                "--timeout", "60"]
    run()


def run_serve(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    _serve_gunicorn(args.bind, workers=args.workers, threads=4)
    return 0
