"""Files in, the case-finding table out: what ``partners casefind`` runs.

    result = run_casefind("register.csv", "secondary.csv", as_of=date(2026, 4, 1))
    if result.refused:                       # a file had errors: result.reports name every bad row
        ...
    write_output(result.output, "casefind.csv")

``result.output`` is an Arrow table with one row per imported register row, in register order, and
exactly the columns of ``data-formats.md`` section 3; ``result.links.review`` is the clerical review
queue; ``result.eligibility`` the screening (``row, eligible, exclusion_reasons``).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa

from partners.casefinding.core.codelist import CodeList
from partners.casefinding.core.extracts import ValidationReport, read_register, read_secondary
from partners.casefinding.core.gaprule import OUTPUT_COLUMNS, apply_gap_rule, screen_eligibility
from partners.casefinding.core.linkage import Decision, Engine, LinkResult, link


@dataclass
class CasefindResult:
    reports: list[ValidationReport]
    output: pa.Table | None = None  # row + OUTPUT_COLUMNS
    links: LinkResult | None = None
    eligibility: pa.Table | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return self.output is None

    def summary(self) -> dict[str, Any]:
        """Counts by status and match method, the review queue and the time taken."""
        if self.output is None:
            return {"refused": True, "errors": sum(len(r.errors) for r in self.reports)}
        statuses = Counter(self.output.column("status").to_pylist())
        methods = Counter(self.output.column("match_method").to_pylist())
        needs_review = sum(1 for v in self.output.column("needs_review").to_pylist() if v)
        from partners.casefinding.core.gaprule import GAP_STATUSES, STATUSES

        review_pairs = self.links.review.num_rows if self.links is not None else 0
        eligible = (sum(1 for v in self.eligibility.column("eligible").to_pylist() if v)
                    if self.eligibility is not None else None)
        return {
            "register_rows": self.output.num_rows,
            "statuses": {s: statuses.get(s, 0) for s in STATUSES},
            "in_gap": sum(statuses.get(s, 0) for s in GAP_STATUSES),
            "match_methods": {m: methods.get(m, 0) for m in ("nhs_number", "probabilistic", "none")},
            "review_queue": {"pairs": review_pairs, "register_rows": needs_review},
            "eligible": eligible,
            "warnings": sum(len(r.warnings) for r in self.reports),
            "quarantined_rows": sum(len(r.quarantined_rows) for r in self.reports),
            "engine": self.links.engine if self.links is not None else None,
            "seconds": round(sum(self.timings.values()), 2),
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
        }


def run_casefind(
    register_path: str | os.PathLike[str],
    secondary_path: str | os.PathLike[str],
    *,
    as_of: date,
    threshold: float = 0.9,
    engine: Engine = "duckdb",
    quarantine: bool = False,
    code_list: CodeList | None = None,
    decisions: list[Decision] | pa.Table | None = None,
    mode: Literal["service", "trial"] = "service",
) -> CasefindResult:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    register, register_report = read_register(register_path, quarantine=quarantine, code_list=code_list)
    secondary, secondary_report = read_secondary(secondary_path, quarantine=quarantine)
    timings["read"] = time.perf_counter() - started
    result = CasefindResult(reports=[register_report, secondary_report], timings=timings)
    if register is None or secondary is None:
        return result
    return casefind_tables(register, secondary, as_of=as_of, threshold=threshold, engine=engine,
                           decisions=decisions, mode=mode, result=result)


def casefind_tables(
    register: pa.Table,
    secondary: pa.Table,
    *,
    as_of: date,
    threshold: float = 0.9,
    engine: Engine = "duckdb",
    decisions: list[Decision] | pa.Table | None = None,
    mode: Literal["service", "trial"] = "service",
    flags: pa.Table | None = None,
    result: CasefindResult | None = None,
) -> CasefindResult:
    """Linkage, the gap rule and the eligibility screen on clean extract tables (what the CLI runs after
    reading the files, and what the platform runs on imported rows: one piece of code for both)."""
    result = result or CasefindResult(reports=[])
    timings = result.timings
    con = duckdb.connect()
    try:
        started = time.perf_counter()
        result.links = link(register, secondary, threshold=threshold, engine=engine, decisions=decisions, con=con)
        timings["link"] = time.perf_counter() - started
        started = time.perf_counter()
        result.output = apply_gap_rule(register, secondary, result.links.links, result.links.review, as_of=as_of,
                                       con=con)
        result.eligibility = screen_eligibility(register, result.output, as_of=as_of, mode=mode, flags=flags,
                                                con=con)
        timings["gap_rule"] = time.perf_counter() - started
    finally:
        con.close()
    return result


def write_table(table: pa.Table, path: str | os.PathLike[str], columns: tuple[str, ...] | list[str]) -> None:
    """Write ``columns`` of ``table`` as CSV (booleans ``true``/``false``, ISO dates, blank for missing),
    atomically: a temporary file in the same folder is renamed into place, so a failure never leaves a
    half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    con = duckdb.connect()
    try:
        con.register("out_table", table.select(list(columns)))
        escaped = tmp.replace("'", "''")
        con.execute(f"COPY (SELECT * FROM out_table) TO '{escaped}' (FORMAT csv, HEADER true)")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        con.close()


def write_output(output: pa.Table, path: str | os.PathLike[str]) -> None:
    """The case-finding CSV: exactly the columns of data-formats.md section 3, register order."""
    write_table(output, path, OUTPUT_COLUMNS)
