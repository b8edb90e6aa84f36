"""`partners retention run [--dry-run] [--as-of YYYY-MM-DD] [--json]`: delete records past retention."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from partners.cli import CommandError, print_json, setup_django


def register(subparsers: argparse._SubParsersAction) -> None:
    retention = subparsers.add_parser("retention", help="records retention")
    actions = retention.add_subparsers(dest="retention_command", metavar="ACTION")
    actions.required = True
    run = actions.add_parser(
        "run", help="delete records past their retention period (each deletion is audited)",
        description="Deletes every record past the retention configured per record type "
                    "(settings PARTNERS['RETENTION']) and writes an audit row for each deletion. "
                    "--dry-run lists what is due and changes nothing.")
    run.add_argument("--dry-run", action="store_true")
    run.add_argument("--as-of", default="", help="YYYY-MM-DD (default today)")
    run.add_argument("--json", action="store_true")
    run.set_defaults(func=run_retention)


def run_retention(args: argparse.Namespace) -> int:
    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        raise CommandError(f"--as-of {args.as_of!r} is not a date (use YYYY-MM-DD).") from None
    setup_django()
    from partners.accounts.models import User
    from partners.audit.actor import Actor
    from partners.audit.retention import retention_run

    system = User(username="system:retention", role="")  # unsaved: names the actor in the audit rows
    summary = retention_run(actor=Actor.system(system), today=as_of, dry_run=args.dry_run)
    if args.json:
        print_json(summary)
    else:
        verb = "due" if args.dry_run else "deleted"
        people = len(summary["due"]["mental_health_record"])
        sys.stdout.write(f"Retention {'(dry run) ' if args.dry_run else ''}as of {summary['today']}: "
                         f"{people} mental health record(s) {verb}, "
                         f"{summary['due']['idempotency_record']} stored API answer(s), "
                         f"{summary['due']['outbound_message']} message log entr(ies).\n")
    return 0
