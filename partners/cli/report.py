"""`partners report`: the trial report and the pseudonymised research extract (core in partners.trial.reports).

- ``partners report trial DATA.csv --out DIR`` - Tables 1-3 and the CONSORT diagram as HTML, CSV and PDF (plus
  ``consort.svg`` and ``analysis.json``). ``--recruitment FILE`` (JSON or CSV, see
  ``partners.trial.reports.consort``) fills the enrolment part of the CONSORT diagram and the reasons.
- ``partners report extract DATA.csv --out DIR --key-file KEY`` - CSV, Stata .dta and a data dictionary with
  keyed pseudonyms (HMAC-SHA256) for participant and practice ids; direct identifiers are dropped. The key can
  also come from the environment variable ``PARTNERS_EXTRACT_KEY``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from partners.cli import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("report", help="trial report and research extract",
                                   description="Reports: the trial tables and CONSORT diagram; research extracts.")
    sub = parser.add_subparsers(dest="report_command", metavar="SUBCOMMAND")
    sub.required = True

    p = sub.add_parser("trial", help="Tables 1-3 and the CONSORT diagram (HTML, CSV, PDF)",
                       description="Table 1 (baseline characteristics by arm and overall), Table 2 (primary "
                       "outcome with every sensitivity analysis), Table 3 (secondary outcomes with crude ICC) and "
                       "the CONSORT flow diagram, formatted as the PARTNERS2 paper; written to DIR as "
                       "report.html, table1.csv, table2.csv, table3.csv, consort.svg, report.pdf and "
                       "analysis.json.")
    p.add_argument("data", metavar="DATA.csv")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--outcome", default="mansa", help="primary outcome measure (default mansa)")
    p.add_argument("--recruitment", default=None, metavar="FILE",
                   help="recruitment records (JSON or CSV) for the enrolment part of the CONSORT diagram")
    p.add_argument("--safety", default=None, metavar="EVENTS.csv", help="safety events (see partners trial analyse)")
    p.add_argument("--df", dest="df_method", choices=["wald", "satterthwaite", "between-within"], default="wald")
    p.add_argument("--imputations", type=int, default=50)
    p.add_argument("--seed", type=int, default=20230101)
    p.add_argument("--exclude-outliers", action="append", default=[], metavar="MEASURE:ID,ID")
    p.add_argument("--outlier-sd", type=float, default=None, metavar="K")
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF")
    p.set_defaults(func=cmd_trial)

    p = sub.add_parser("extract", help="pseudonymised research extract (CSV, Stata .dta, data dictionary)",
                       description="A pseudonymised research extract of a trial dataset: participant and practice "
                       "ids replaced by keyed pseudonyms (HMAC-SHA256, irreversible without the key), direct "
                       "identifiers dropped, CSV + Stata .dta + data dictionary.")
    p.add_argument("data", metavar="DATA.csv")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--key-file", default=None, metavar="KEY",
                   help="file holding the secret key (default: the PARTNERS_EXTRACT_KEY environment variable)")
    p.add_argument("--name", default="trial_extract", help="file name stem (default trial_extract)")
    p.set_defaults(func=cmd_extract)


def cmd_trial(args: argparse.Namespace) -> int:
    from partners.cli.trial import _outliers
    from partners.trial.reports.consort import read_recruitment
    from partners.trial.reports.render import write_report
    from partners.trial.stats.analysis import AnalysisOptions, analyse
    from partners.trial.stats.dataset import DatasetError, read_dataset
    from partners.trial.stats.safety import read_safety_csv

    try:
        options = AnalysisOptions(df_method=args.df_method, imputations=args.imputations, seed=args.seed,
                                  outliers=_outliers(args.exclude_outliers), outlier_sd=args.outlier_sd)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    try:
        ds = read_dataset(args.data)
        recruitment = read_recruitment(args.recruitment) if args.recruitment else None
        events = read_safety_csv(args.safety) if args.safety else None
        analysis = analyse(ds, args.outcome, options, sensitivity=True, safety_events=events)
    except DatasetError as exc:
        raise CommandError(str(exc)) from None
    try:
        files = write_report(ds, analysis, args.out, recruitment=recruitment, pdf=not args.no_pdf)
    except OSError as exc:
        raise CommandError(f"{args.out}: cannot write the report ({exc.strerror or exc})") from None
    for kind, path in files.items():
        print(f"{kind}: {path}")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from partners.trial.reports.extract import ExtractError, rows_from_csv, write_extract

    if args.key_file:
        try:
            key = Path(args.key_file).read_bytes().strip()
        except OSError as exc:
            raise CommandError(f"{args.key_file}: cannot read the key ({exc.strerror or exc})") from None
    else:
        env = os.environ.get("PARTNERS_EXTRACT_KEY", "")
        if not env:
            raise CommandError("no key: give --key-file or set PARTNERS_EXTRACT_KEY")
        key = env.encode()
    try:
        rows = rows_from_csv(args.data)
        files = write_extract(rows, args.out, key, name=args.name)
    except ExtractError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"{args.out}: cannot write the extract ({exc.strerror or exc})") from None
    for kind, path in files.items():
        print(f"{kind}: {path}")
    return 0
