"""Scoring throughput of the outcome-measure engine (one process, synthetic responses).

A national roll-out re-scores whole cohorts (trial extracts, a value set change): this measures scores per
second for each instrument through ``partners.measures.engine.score``, validation included.
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

from partners.measures.engine import get_instrument, score

INSTRUMENTS = ["mansa", "wemwbs", "swemwbs", "qpr15", "eq-5d-5l", "brief-inspire", "tus", "phq9", "gad7"]


def _responses(code: str, rng: random.Random) -> list[Any]:
    out: list[Any] = []
    for item in get_instrument(code).items:
        if item.kind == "boolean":
            out.append(rng.random() < 0.5)
        elif item.kind == "hours":
            out.append(round(rng.uniform(0, 30), 1))
        else:
            out.append(rng.randint(int(item.minimum or 0), int(item.maximum or 0)))
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    n = 5_000 if args.quick else 100_000
    rng = random.Random(3)
    figures: dict[str, Any] = {"questionnaires_per_instrument": n}
    for code in INSTRUMENTS:
        batch = [_responses(code, rng) for _ in range(n)]
        started = time.perf_counter()
        for responses in batch:
            score(code, responses)
        elapsed = time.perf_counter() - started
        figures[f"{code}_scores_per_second"] = round(n / elapsed)
    return figures


def summary(figures: dict[str, Any]) -> list[str]:
    lines = [f"Scores per second, one core, {figures['questionnaires_per_instrument']:,} questionnaires each:", ""]
    lines += [f"- {k.removesuffix('_scores_per_second')}: {v:,}" for k, v in figures.items()
              if k.endswith("_scores_per_second")]
    return lines
