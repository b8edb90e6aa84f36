"""`partners dashboard refresh`: recount the leaders' dashboard figures (nightly, or after an import)."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from partners.cli import CommandError, print_json, setup_django


def register(subparsers: argparse._SubParsersAction) -> None:
    dashboard = subparsers.add_parser("dashboard", help="the leaders' dashboard figures")
    actions = dashboard.add_subparsers(dest="dashboard_command", metavar="ACTION")
    actions.required = True
    refresh = actions.add_parser(
        "refresh", help="recount every dashboard figure",
        description="Counts the register, the gap, care, contacts, goals, outcomes, safety and fidelity per "
                    "practice and month, sums them up to PCN, ICS and England, and makes them the figures the "
                    "dashboard shows. Schedule it nightly.")
    refresh.add_argument("--as-of", help="count as at this date (YYYY-MM-DD; default today)")
    refresh.add_argument("--months", type=int, default=24, help="months of history to count (default 24)")
    refresh.add_argument("--json", action="store_true")
    refresh.set_defaults(func=refresh_figures)


def refresh_figures(args: argparse.Namespace) -> int:
    as_of = None
    if args.as_of:
        try:
            as_of = date.fromisoformat(args.as_of)
        except ValueError:
            raise CommandError(f"--as-of {args.as_of!r} is not a date (use YYYY-MM-DD)") from None
    if not 1 <= args.months <= 120:
        raise CommandError(f"--months {args.months} must be between 1 and 120")
    setup_django()
    from partners.dashboards.services import figures_refresh

    result = figures_refresh(as_of=as_of, months=args.months, stream=None if args.json else sys.stderr)
    payload = {"as_of": result.as_of.isoformat(), "months": result.months, "seconds": result.seconds,
               **result.summary}
    if args.json:
        print_json(payload)
    else:
        print(f"Dashboard figures as at {result.as_of}: {result.summary.get('rows', 0):,} area-months for "
              f"{result.summary.get('areas', 0):,} areas in {result.seconds}s")
    return 0
