"""Case finding at national scale: `partners casefind` on a synthetic England-sized pair of extracts.

Generates (once, into bench/data/, which git ignores) a register of 600,000 rows and a secondary
care extract of about 1.4 million rows with the generator's default corruption, and two more pairs
with half and double those rates. For each it runs ``partners casefind`` as a subprocess and
reports the wall time, CPU time and peak memory of that process, and its accuracy against the
generator's truth: the share of register rows with the right status, precision and recall of the
in-gap set, match methods and the review queue, beside the naive NHS-number-only lookup. It also
times the platform's import of the default register file (``bench/casefind_import.py``).
``--quick`` uses 60,000 register rows.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
AS_OF = date(2026, 4, 1)
VARIANTS = {"default": 1.0, "half-corruption": 0.5, "double-corruption": 2.0}
TARGETS = {"seconds": 60, "peak_gb": 8, "status_accuracy": 0.995, "gap_precision": 0.995}


def _dataset(name: str, factor: float, n_register: int) -> Path:
    from partners.casefinding import synth

    folder = DATA / f"casefind-{n_register}-{name}"
    if (folder / "register_truth.csv").exists():
        return folder
    print(f"  generating {name} ({n_register} register rows, corruption x{factor}) ...", flush=True)
    rates = synth.CorruptionRates().scaled(factor)
    extracts = synth.generate(n_register, seed=11 + int(factor * 10), rates=rates, as_of=AS_OF)
    tmp = folder.with_suffix(".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    synth.write(extracts, tmp)
    tmp.rename(folder)
    return folder


def _partners() -> list[str]:
    exe = Path(sys.executable).with_name("partners")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "partners"]


def _run_casefind(folder: Path, out: Path, engine: str = "duckdb") -> dict[str, Any]:
    command = [*_partners(), "casefind", "--register", str(folder / "register.csv"), "--secondary",
               str(folder / "secondary.csv"), "--as-of", AS_OF.isoformat(), "--out", str(out), "--engine", engine,
               "--json"]
    timer = shutil.which("time") or "/usr/bin/time"
    stats = out.with_suffix(".time")
    use_timer = Path(timer).exists()
    if use_timer:
        command = [timer, "-f", "%M %e %U %S", "-o", str(stats), *command]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - our own command line, no shell  # nosec B603
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"partners casefind failed ({completed.returncode}): {completed.stderr[-2000:]}")
    figures: dict[str, Any] = {"seconds": round(wall, 2), "load_average_before": round(load_before, 2),
                               "load_average_after": round(os.getloadavg()[0], 2)}
    if use_timer:
        rss_kb, _elapsed, user, system = stats.read_text().split()[-4:]
        figures["peak_gb"] = round(int(rss_kb) / 1024 / 1024, 2)
        figures["cpu_seconds"] = round(float(user) + float(system), 2)
    import json

    summary = json.loads(completed.stdout)
    figures["review_pairs"] = summary["review_queue"]["pairs"]
    figures["review_register_rows"] = summary["review_queue"]["register_rows"]
    figures["stage_seconds"] = summary["timings"]
    return figures


def _accuracy(folder: Path, out: Path) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    truth = con.sql(f"SELECT row, status, in_gap FROM read_csv('{folder / 'register_truth.csv'}', header=true) "
                    "ORDER BY row").fetchall()
    predicted = con.sql(f"SELECT status, match_method FROM read_csv('{out}', header=true, all_varchar=true)"
                        ).fetchall()
    con.close()
    return score([p[0] for p in predicted], [t[1] for t in truth], methods=[p[1] for p in predicted])


def score(predicted: list[str], truth: list[str], methods: list[str] | None = None) -> dict[str, Any]:
    from collections import Counter

    from partners.casefinding.core.gaprule import GAP_STATUSES

    if len(predicted) != len(truth):
        raise RuntimeError(f"{len(predicted)} output rows for {len(truth)} register rows")
    right = sum(p == t for p, t in zip(predicted, truth, strict=True))
    tp = sum(p in GAP_STATUSES and t in GAP_STATUSES for p, t in zip(predicted, truth, strict=True))
    predicted_gap = sum(p in GAP_STATUSES for p in predicted)
    true_gap = sum(t in GAP_STATUSES for t in truth)
    figures: dict[str, Any] = {
        "register_rows": len(truth),
        "status_accuracy": round(right / len(truth), 6),
        "wrong_statuses": len(truth) - right,
        "gap_precision": round(tp / predicted_gap, 6) if predicted_gap else None,
        "gap_recall": round(tp / true_gap, 6) if true_gap else None,
    }
    if methods is not None:
        figures["match_methods"] = dict(Counter(methods))
    return figures


def _baseline(folder: Path) -> dict[str, Any]:
    """The naive lookup: link only on an identical valid NHS number."""
    import duckdb
    import pyarrow as pa

    from partners.casefinding.core.extracts import read_register, read_secondary
    from partners.casefinding.core.gaprule import apply_gap_rule

    register, _ = read_register(folder / "register.csv")
    secondary, _ = read_secondary(folder / "secondary.csv")
    assert register is not None and secondary is not None
    con = duckdb.connect()
    con.register("r", register)
    con.register("s", secondary)
    links = con.sql("""
        SELECT r.row AS register_row, s.row AS secondary_row, 'nhs_number' AS method, 1.0 AS match_probability
        FROM r JOIN s ON r.nhs_number = s.nhs_number WHERE r.nhs_valid AND s.nhs_valid
    """).to_arrow_table()
    gap = apply_gap_rule(register, secondary, links, pa.table({"register_row": pa.array([], pa.int64())}),
                         as_of=AS_OF, con=con)
    truth = con.sql(f"SELECT status FROM read_csv('{folder / 'register_truth.csv'}', header=true) ORDER BY row"
                    ).fetchall()
    con.close()
    result = score(gap.column("status").to_pylist(), [t[0] for t in truth])
    return {k: result[k] for k in ("status_accuracy", "wrong_statuses", "gap_precision", "gap_recall")}


def run(args: argparse.Namespace) -> dict[str, Any]:
    n_register = 60_000 if getattr(args, "quick", False) else 600_000
    DATA.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = {"register_rows": n_register, "targets": TARGETS}
    for name, factor in VARIANTS.items():
        folder = _dataset(name, factor, n_register)
        out = folder / "casefind-output.csv"
        print(f"  partners casefind on {name} ...", flush=True)
        run_figures = _run_casefind(folder, out)
        run_figures.update(_accuracy(folder, out))
        with open(folder / "secondary.csv", encoding="utf-8") as handle:
            run_figures["secondary_rows"] = sum(1 for _ in handle) - 1
        run_figures["nhs_number_only_baseline"] = _baseline(folder)
        run_figures["corruption_factor"] = factor
        figures[name] = run_figures
        print(f"    {run_figures['seconds']} s, {run_figures.get('peak_gb')} GB, "
              f"status accuracy {run_figures['status_accuracy']}, gap precision {run_figures['gap_precision']}",
              flush=True)
    print("  platform import of the default register ...", flush=True)
    from bench import casefind_import

    figures["platform_import"] = casefind_import.measure(_dataset("default", 1.0, n_register) / "register.csv")
    default = figures["default"]
    figures["meets_targets"] = bool(
        default["seconds"] <= TARGETS["seconds"] and default.get("peak_gb", 0) <= TARGETS["peak_gb"]
        and default["status_accuracy"] >= TARGETS["status_accuracy"]
        and default["gap_precision"] >= TARGETS["gap_precision"])
    return figures


def summary(figures: dict[str, Any]) -> list[str]:
    lines = [f"`partners casefind` on {figures['register_rows']:,} register rows (targets: at most 60 s and "
             "8 GB, at least 99.5% of statuses right and 99.5% precision of the in-gap set).", "",
             "| data | secondary rows | seconds | CPU s | peak GB | statuses right | wrong | gap precision | "
             "gap recall | review pairs | NHS-number-only: statuses right | load avg |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in VARIANTS:
        f = figures.get(name)
        if not f:
            continue
        base = f["nhs_number_only_baseline"]
        lines.append(
            f"| {name} | {f['secondary_rows']:,} | {f['seconds']} | {f.get('cpu_seconds')} | {f.get('peak_gb')} | "
            f"{f['status_accuracy']:.4%} | {f['wrong_statuses']} | {f['gap_precision']:.4%} | {f['gap_recall']:.4%} | "
            f"{f['review_pairs']} | {base['status_accuracy']:.4%} | {f['load_average_before']} |")
    lines.append("")
    lines.append(f"Meets the targets on the default data: {figures.get('meets_targets')}.")
    imports = figures.get("platform_import") or {}
    if imports:
        lines += ["", "Platform import of the default register file (`casefinding.services.extract_import`: "
                  "the core's validation, then every row and warning stored in one transaction; "
                  "`bench/casefind_import.py`):", "",
                  "| database | rows | seconds | rows/s | same file again (s) | peak GB |", "|---|---|---|---|---|---|"]
        for engine, f in imports.items():
            if "error" in f:
                lines.append(f"| {engine} | error: {f['error']} | | | | |")
                continue
            lines.append(f"| {engine} | {f['rows']:,} | {f['seconds']} | {f['rows_per_second']:,} | "
                         f"{f['same_file_again_seconds']} | {f['peak_gb']} |")
    return lines
