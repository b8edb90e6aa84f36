"""`partners reminders send [--date YYYY-MM-DD] [--days-before N] [--json]`: contact reminders (run daily)."""

from __future__ import annotations

import argparse
from datetime import date

from partners.cli import CommandError, print_json, setup_django


def register(subparsers: argparse._SubParsersAction) -> None:
    reminders = subparsers.add_parser("reminders", help="reminders of planned contacts to people who opted in")
    actions = reminders.add_subparsers(dest="reminders_command", metavar="ACTION")
    actions.required = True
    send = actions.add_parser(
        "send", help="send the reminders due today (idempotent: never twice for one contact date)",
        description="Sends an SMS and/or email (as each person agreed) through GOV.UK Notify to everyone whose "
                    "next planned contact is in the next N days. Safe to run more than once a day.")
    send.add_argument("--date", help="run as of this date (YYYY-MM-DD); default today")
    send.add_argument("--days-before", type=int, default=2, help="how many days ahead to remind (default 2)")
    send.add_argument("--json", action="store_true")
    send.set_defaults(func=send_reminders)


def send_reminders(args: argparse.Namespace) -> int:
    on: date | None = None
    if args.date:
        try:
            on = date.fromisoformat(args.date)
        except ValueError:
            raise CommandError(f"--date {args.date!r} is not a date (use YYYY-MM-DD).") from None
    if args.days_before < 1 or args.days_before > 14:
        raise CommandError(f"--days-before {args.days_before} must be between 1 and 14.")
    setup_django()
    from django.utils import timezone

    from partners.care.reminders import reminders_send

    run = reminders_send(on=on or timezone.localdate(), days_before=args.days_before)
    if args.json:
        print_json(run.as_dict())
    else:
        print(f"Reminders for contacts {run.window[0]} to {run.window[1]}: {run.sent} sent, {run.recorded} recorded "
              f"(Notify not configured), {run.failed} failed, {run.already_sent} already sent.")
        for error in run.errors:
            print(f"  failed: {error}")
    return 0 if not run.failed else 1
