"""`partners trial list`, `partners trial report-platform` and `partners trial unblind`: the platform side of the
trial commands (they use the database; the other `partners trial` commands are pure).

- ``partners trial list [--json]`` - trials on this platform with their ids, status and counts.
- ``partners trial report-platform TRIAL --out DIR --as USERNAME [--extract] [--no-pdf] [--json]`` - the trial
  report from the platform's records (Tables 1-3 once unblinded, the CONSORT diagram from the recruitment and
  follow-up records, HTML/CSV/PDF/SVG) into DIR, and with ``--extract`` the pseudonymised research extract into
  DIR/extract; audited as exports by USERNAME (a researcher). TRIAL is the trial's id or name.
- ``partners trial unblind TRIAL --as USERNAME --decision TEXT`` - record the decision to unblind (an administrator).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from partners.cli import CommandError, print_json, setup_django


def register_platform(sub: Any) -> None:
    p = sub.add_parser("list", help="trials on this platform", description="Trials on this platform.")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("report-platform", help="trial report (and extract) from the platform's records",
                       description="The trial report from the platform's own records: Tables 1-3 and the safety "
                       "table once the trial is unblinded (blinded before: recruitment, completeness, balance), the "
                       "CONSORT diagram from the recruitment, allocation and follow-up records, as HTML, CSV, PDF "
                       "and SVG, and the allocation log; with --extract also the pseudonymised research extract "
                       "(CSV, Stata .dta, data dictionary) in DIR/extract. Audited as exports by --as.")
    p.add_argument("trial", metavar="TRIAL", help="the trial's id or name")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--as", dest="username", required=True, metavar="USERNAME", help="the researcher producing it")
    p.add_argument("--extract", action="store_true", help="also write the pseudonymised extract to DIR/extract")
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_report_platform)

    p = sub.add_parser("unblind", help="record the decision to unblind a trial (administrator)",
                       description="Record the decision to unblind (who decided, when, on what basis). Only an "
                       "administrator can; researchers then see outcomes by arm and the seed.")
    p.add_argument("trial", metavar="TRIAL", help="the trial's id or name")
    p.add_argument("--as", dest="username", required=True, metavar="USERNAME", help="the administrator")
    p.add_argument("--decision", required=True, help="the decision, in at least 20 characters")
    p.set_defaults(func=cmd_unblind)


def _actor(username: str) -> Any:
    from partners.accounts.models import User
    from partners.audit.actor import Actor

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"--as: no active account has the username {username!r}.")
    return Actor.system(user, via="cli")


def _trial(ref: str) -> Any:
    from partners.trial.models import Trial

    trial = Trial.objects.filter(pk=int(ref)).first() if ref.isdigit() else Trial.objects.filter(
        name__iexact=ref.strip()).first()
    if trial is None:
        names = ", ".join(f"{t.pk}: {t.name}" for t in Trial.objects.order_by("pk")) or "none"
        raise CommandError(f"no trial {ref!r} (trials: {names}).")
    return trial


def _messages(exc: Any) -> str:
    return "; ".join(m for ms in exc.message_dict.values() for m in ms)


def cmd_list(args: argparse.Namespace) -> int:
    setup_django()
    from partners.trial.models import Trial
    from partners.trial.selectors import trial_list

    trials = trial_list(actor=None)
    rows = [{"id": t.pk, "name": t.name, "registration": t.registration, "status": t.status,
             "unblinded": t.is_unblinded, "practices": t.n_practices,  # type: ignore[attr-defined]
             "randomised": t.n_allocated, "participants_with_baseline": t.n_baseline}  # type: ignore[attr-defined]
            for t in trials]
    if args.json:
        print_json({"trials": rows})
    else:
        for r in rows:
            print(f"{r['id']}: {r['name']} ({dict(Trial.Status.choices)[r['status']]}; {r['practices']} practices, "
                  f"{r['randomised']} randomised, {r['participants_with_baseline']} participants with baseline)")
    return 0


def cmd_report_platform(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.exceptions import PermissionDenied, ValidationError

    from partners.trial import services

    actor = _actor(args.username)
    trial = _trial(args.trial)
    out = Path(args.out)
    try:
        report = services.trial_report_produce(actor=actor, trial_id=trial.pk, out_dir=out, pdf=not args.no_pdf)
        extract = services.trial_extract_produce(actor=actor, trial_id=trial.pk, out_dir=out / "extract") \
            if args.extract else None
    except PermissionDenied as exc:
        raise CommandError(f"--as {args.username}: {exc}") from None
    except ValidationError as exc:
        raise CommandError(_messages(exc)) from None
    except OSError as exc:
        raise CommandError(f"{out}: cannot write ({exc.strerror or exc})") from None
    files = {label: str(Path(report.directory) / name) for label, name in report.files.items()}
    if extract is not None:
        files |= {f"extract_{label}": str(Path(extract.directory) / name) for label, name in extract.files.items()}
    if args.json:
        print_json({"trial": trial.name, "blinded": report.blinded, "participants": report.rows, "files": files})
    else:
        print(f"{trial.name}: {'blinded ' if report.blinded else ''}report of {report.rows} participants")
        for label, path in files.items():
            print(f"{label}: {path}")
    return 0


def cmd_unblind(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.exceptions import PermissionDenied, ValidationError

    from partners.trial import services

    actor = _actor(args.username)
    trial = _trial(args.trial)
    try:
        services.trial_unblind(actor=actor, trial_id=trial.pk, decision=args.decision)
    except PermissionDenied as exc:
        raise CommandError(f"--as {args.username}: {exc}") from None
    except ValidationError as exc:
        raise CommandError(_messages(exc)) from None
    print(f"{trial.name} is unblinded.")
    return 0
