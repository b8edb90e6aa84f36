"""`partners casefind`: the gap rule of data-formats.md, files in and a file out.

    partners casefind --register R.csv --secondary S.csv --as-of 2026-04-01 --out OUT.csv \\
        [--threshold 0.9] [--engine duckdb|spark] [--json]

OUT.csv has one row per register row, in register order, with the columns of data-formats.md
section 3. The command prints counts by status, match methods, the review queue and the time taken
(``--json``: one object). A file with errors is refused whole: exit 2, every bad row on stderr
(row, column, value, reason) and no output file; ``--quarantine`` imports the good rows instead and
lists what was set aside. ``--report FILE`` saves the full validation report (warnings included),
``--review-out FILE`` the clerical review queue, ``--decisions FILE`` feeds recorded clerical
decisions back in (columns ``register_key, secondary_key, decision`` with ``accept``/``reject``, the
keys as in the review queue), ``--eligibility-out FILE`` the eligibility screening.
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

OUTPUT_HELP = "the case-finding CSV to write (one row per register row)"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "casefind",
        help="find people on SMI registers who are not under secondary mental health care",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--register", required=True, metavar="R.csv",
                        help="practice SMI register extract (CSV or XLSX)")
    parser.add_argument("--secondary", required=True, metavar="S.csv",
                        help="secondary mental health care extract (CSV or XLSX)")
    parser.add_argument("--as-of", required=True, metavar="YYYY-MM-DD", help="the date the status is worked out for")
    parser.add_argument("--out", required=True, metavar="OUT.csv", help=OUTPUT_HELP)
    parser.add_argument("--threshold", default="0.9", help="match probability at which a pair is linked (default 0.9)")
    parser.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"],
                        help="where the linkage runs (default duckdb; spark runs splink's Spark backend locally)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quarantine", action="store_true",
                        help="import the good rows and set the bad ones aside instead of refusing the file")
    parser.add_argument("--report", metavar="FILE", help="write the validation report (every problem) as CSV")
    parser.add_argument("--review-out", metavar="FILE", help="write the clerical review queue as CSV")
    parser.add_argument("--decisions", metavar="FILE", help="recorded clerical decisions to apply (CSV)")
    parser.add_argument("--eligibility-out", metavar="FILE", help="write the eligibility screening as CSV")
    parser.add_argument("--mode", default="service", choices=["service", "trial"],
                        help="eligibility criteria: the service's (default) or the trial's")
    parser.add_argument("--code-list", metavar="FILE", help="SNOMED CT code list (snomed_code, diagnosis_group)")
    parser.set_defaults(func=run)


def _as_of(text: str) -> date:
    from partners.cli import CommandError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of: {text!r} is not a date (YYYY-MM-DD)") from None


def _threshold(text: str) -> float:
    from partners.cli import CommandError

    try:
        value = float(text)
    except ValueError:
        raise CommandError(f"--threshold: {text!r} is not a number") from None
    if not 0.5 < value <= 1:
        raise CommandError(f"--threshold: {value} must be above 0.5 (the review floor) and at most 1")
    return value


def _read_decisions(path: str) -> pa.Table:
    from partners.cli import CommandError

    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            fields = {(f or "").strip().lower() for f in reader.fieldnames or []}
            missing = {"register_key", "secondary_key", "decision"} - fields
            if missing:
                raise CommandError(f"{path}: row 1: missing column(s) {', '.join(sorted(missing))}")
            rows: list[tuple[str, str, bool]] = []
            for number, record in enumerate(reader, start=2):
                record = {(k or "").strip().lower(): (v or "").strip() for k, v in record.items()}
                decision = record["decision"].lower()
                if decision not in ("accept", "reject"):
                    raise CommandError(f"{path}: row {number}, column 'decision', value {record['decision']!r}: "
                                       "must be accept or reject")
                rows.append((record["register_key"], record["secondary_key"], decision == "accept"))
    except OSError as exc:
        raise CommandError(f"{path}: cannot read the decisions file ({exc.strerror})") from None
    return pa.table({"register_key": [r[0] for r in rows], "secondary_key": [r[1] for r in rows],
                     "accept": pa.array([r[2] for r in rows], type=pa.bool_())})


def run(args: argparse.Namespace) -> int:
    from partners.casefinding.core.codelist import CodeListError, load_code_list
    from partners.casefinding.core.pipeline import run_casefind, write_output, write_table
    from partners.cli import CommandError, print_json

    as_of = _as_of(args.as_of)
    threshold = _threshold(args.threshold)
    for flag, value in (("--register", args.register), ("--secondary", args.secondary)):
        if not Path(value).is_file():
            raise CommandError(f"{flag}: {value}: no such file")
    try:
        code_list = load_code_list(args.code_list) if args.code_list else None
    except CodeListError as exc:
        raise CommandError(str(exc)) from None
    decisions = _read_decisions(args.decisions) if args.decisions else None

    result = run_casefind(args.register, args.secondary, as_of=as_of, threshold=threshold, engine=args.engine,
                          quarantine=args.quarantine, code_list=code_list, decisions=decisions, mode=args.mode)
    if args.report:
        _write_report(result.reports, args.report)
    if result.refused:
        lines: list[str] = []
        for report in result.reports:
            if not report.ok:
                lines.append(f"{report.path}: refused, {len(report.errors)} error(s); nothing was imported")
                lines.extend(report.lines("error"))
        if args.json:
            print_json({"refused": True, "errors": [
                {"file": r.path, **issue.as_dict()} for r in result.reports for issue in r.errors]})
        raise CommandError("\n".join(lines))

    assert result.output is not None and result.links is not None
    write_output(result.output, args.out)
    if args.review_out:
        write_table(result.links.review, args.review_out, result.links.review.column_names)
    if args.eligibility_out:
        screened = result.eligibility
        assert screened is not None
        reasons = pa.array([";".join(r or []) for r in screened.column("exclusion_reasons").to_pylist()])
        table = pa.table({"row": screened.column("row"), "nhs_number": result.output.column("nhs_number"),
                          "practice_ods": result.output.column("practice_ods"),
                          "status": result.output.column("status"), "eligible": screened.column("eligible"),
                          "exclusion_reasons": reasons})
        write_table(table, args.eligibility_out, table.column_names)
    summary = result.summary()
    summary["out"] = args.out
    summary["as_of"] = as_of.isoformat()
    summary["threshold"] = threshold
    if args.json:
        print_json(summary)
    else:
        _print_summary(summary, result.reports)
    return 0


def _write_report(reports: list[Any], path: str) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "row", "column", "value", "reason", "severity", "quarantined"])
        for report in reports:
            quarantined = set(report.quarantined_rows)
            for issue in report.issues:
                writer.writerow([report.path, issue.row, issue.column, issue.value, issue.reason, issue.severity,
                                 "yes" if issue.row in quarantined else "no"])


def _print_summary(summary: dict[str, Any], reports: list[Any]) -> None:
    out = sys.stdout
    out.write(f"Case finding as of {summary['as_of']}: {summary['register_rows']} register rows -> {summary['out']}\n")
    out.write("Status:\n")
    for status, count in summary["statuses"].items():
        out.write(f"  {status:<20} {count:>9}\n")
    out.write(f"  {'(in the gap)':<20} {summary['in_gap']:>9}\n")
    out.write("Match method:\n")
    for method, count in summary["match_methods"].items():
        out.write(f"  {method:<20} {count:>9}\n")
    queue = summary["review_queue"]
    out.write(f"Review queue: {queue['pairs']} pairs for {queue['register_rows']} register rows "
              f"(match probability between 0.5 and {summary['threshold']})\n")
    if summary["eligible"] is not None:
        out.write(f"Eligible ({'service criteria'}): {summary['eligible']}\n")
    for report in reports:
        if report.warnings or report.quarantined_rows:
            out.write(f"{report.path}: {len(report.warnings)} warning(s)"
                      + (f", {len(report.quarantined_rows)} row(s) quarantined" if report.quarantined_rows else "")
                      + " (--report FILE lists them)\n")
    out.write(f"Time taken: {summary['seconds']:.1f} s ({summary['engine']})\n")
