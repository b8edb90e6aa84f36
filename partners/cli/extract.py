"""`partners extract practice-list` and `partners extract research`: files for GP systems and researchers."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from partners.cli import CommandError, print_json, setup_django

if TYPE_CHECKING:
    from partners.audit.actor import Actor


def register(subparsers: argparse._SubParsersAction) -> None:
    extract = subparsers.add_parser("extract", help="extracts for GP systems and researchers")
    actions = extract.add_subparsers(dest="extract_command", metavar="ACTION")
    actions.required = True
    practice = actions.add_parser(
        "practice-list", help="the practice's SMI list with gap status and PARTNERS care (CSV)",
        description="Writes one row per person registered at the practice (identifiable: the practice's own "
                    "patients) for the GP system. Run as a member of that practice's staff; audited.")
    practice.add_argument("--practice", required=True, help="ODS code of the practice")
    practice.add_argument("--user", required=True, help="the practice staff account the extract is made for")
    practice.add_argument("--out", required=True, type=Path)
    practice.add_argument("--as-of", help="gap status and overdue contacts as at this date (YYYY-MM-DD)")
    practice.add_argument("--json", action="store_true")
    practice.set_defaults(func=practice_list)
    research = actions.add_parser(
        "research", help="pseudonymised research extract of a trial's consented participants (data-formats.md 4)",
        description="The trial module's research extract (the same as 'Pseudonymised extract' on the trial page): "
                    "randomised participants with research consent, keyed pseudonyms (PARTNERS_PSEUDONYM_KEY), "
                    "CSV, Stata .dta and a data dictionary; blinded until the trial is unblinded. Audited.")
    research.add_argument("trial", metavar="TRIAL", help="the trial's id or name (partners trial list)")
    research.add_argument("--user", required=True, help="the researcher account")
    research.add_argument("--out", required=True, type=Path, metavar="DIR")
    research.add_argument("--json", action="store_true")
    research.set_defaults(func=research_extract)


def _actor(username: str) -> Actor:
    from partners.accounts.models import User
    from partners.audit.actor import Actor

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no active account has the username {username!r}.")
    return Actor.system(user, via="cli")


def practice_list(args: argparse.Namespace) -> int:
    as_of = None
    if args.as_of:
        try:
            as_of = date.fromisoformat(args.as_of)
        except ValueError:
            raise CommandError(f"--as-of {args.as_of!r} is not a date (use YYYY-MM-DD)") from None
    setup_django()
    from partners.interop.extracts import PRACTICE_LIST_COLUMNS, ExtractRefused, to_csv
    from partners.interop.extracts import practice_list as build

    try:
        rows = build(actor=_actor(args.user), practice_ods=args.practice, as_of=as_of)
    except ExtractRefused as exc:
        raise CommandError(str(exc)) from None
    try:
        args.out.write_text(to_csv(rows, PRACTICE_LIST_COLUMNS), encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{args.out}: cannot write ({exc.strerror})") from None
    if args.json:
        print_json({"practice": args.practice.upper(), "rows": len(rows), "out": str(args.out)})
    else:
        print(f"{args.out}: {len(rows)} people registered at {args.practice.upper()}")
    return 0



def research_extract(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.exceptions import PermissionDenied, ValidationError

    from partners.trial import services
    from partners.trial.cli import _messages, _trial

    trial = _trial(args.trial)
    try:
        run = services.trial_extract_produce(actor=_actor(args.user), trial_id=trial.pk, out_dir=args.out)
    except PermissionDenied as exc:
        raise CommandError(f"--user {args.user}: {exc}") from None
    except ValidationError as exc:
        raise CommandError(_messages(exc)) from None
    except OSError as exc:
        raise CommandError(f"{args.out}: cannot write ({exc.strerror or exc})") from None
    files = {kind: str(Path(run.directory) / name) for kind, name in run.files.items()}
    if args.json:
        print_json({"trial": trial.name, "blinded": run.blinded, "participants": run.rows, **files})
    else:
        print(f"{run.rows} consented participants{' (blinded)' if run.blinded else ''}")
        for kind, path in files.items():
            print(f"{kind}: {path}")
    return 0
