"""`make bench`: national-scale benchmarks. Writes bench/results.json and bench/results.md.

Each benchmark module in SUITES has ``run(args) -> dict`` returning its figures (and, optionally,
``summary(figures) -> list[str]`` for the Markdown). ``make bench BENCH_ARGS="--only casefind"`` runs
one. Results from earlier runs of other suites are kept, so one suite can be re-measured alone.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
SUMMARY = HERE / "results.md"

# Module names under bench/, run in this order.
SUITES: list[str] = ["measures", "trial", "measures_collection", "supervision", "care_pages", "casefind",
                     "dashboard", "letters", "england", "load"]


def machine() -> dict[str, object]:
    import os

    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--only", action="append", default=[], help="run only this suite (repeatable)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for trying the harness")
    args = parser.parse_args(argv)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.setdefault("suites", {})
    suites = args.only or SUITES
    for name in suites:
        if name not in SUITES:
            sys.stderr.write(f"unknown suite {name!r}; one of {', '.join(SUITES)}\n")
            return 2
        module = importlib.import_module(f"bench.{name}")
        print(f"== bench {name} ==", flush=True)
        started = time.perf_counter()
        figures = module.run(args)
        figures["_wall_seconds"] = round(time.perf_counter() - started, 2)
        figures["_measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        figures["_quick"] = bool(args.quick)
        results["suites"][name] = figures
    results["machine"] = machine()
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    lines = ["# Benchmark results", "", f"Machine: {results['machine']}", ""]
    for name, figures in results["suites"].items():
        lines += [f"## {name}", ""]
        module = importlib.import_module(f"bench.{name}")
        if hasattr(module, "summary"):
            lines += module.summary(figures)
        else:
            lines += [f"- {k}: {v}" for k, v in figures.items()]
        lines.append("")
    SUMMARY.write_text("\n".join(lines))
    print(f"wrote {RESULTS} and {SUMMARY}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
