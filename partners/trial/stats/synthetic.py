"""Synthetic trial analysis datasets (data-formats.md section 4) for tests, benchmarks and demonstrations.

Nothing here resembles a real person: identifiers are ``SYN-P0001``/``SYN-C01``, values are random draws.
:func:`synthetic_trial` returns CSV-ready rows (dicts of text) shaped like PARTNERS2 by default: 39 practices
allocated by minimisation on region and practice size, about 200 participants with unequal cluster sizes,
MANSA and the secondary measures at baseline and follow-up with realistic missingness, a pre/during
disruption ``period``, follow-up windows, Care Partner contacts and availability, and a few Table 1
characteristics (age, gender, ethnicity). :func:`write_csv` writes them.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from partners.trial.stats.minimisation import MinimisationConfig, minimise

REGIONS = ("North", "South", "East", "West")
# measure: (mean, sd, low, high, decimals, share of baseline values missing, share of follow-up values missing)
SECONDARY: dict[str, tuple[float, float, float, float, int, float, float]] = {
    "tus": (32.0, 24.0, 0.0, 130.0, 1, 0.01, 0.0),
    "wemwbs": (39.5, 12.0, 14.0, 70.0, 0, 0.0, 0.01),
    "swemwbs": (19.0, 4.4, 7.0, 35.0, 1, 0.04, 0.03),
    "qpr15": (30.0, 12.5, 0.0, 60.0, 0, 0.03, 0.02),
    "icecap_a": (0.62, 0.22, 0.0, 1.0, 2, 0.04, 0.02),
    "eq_5d_5l": (0.51, 0.32, -0.25, 1.0, 2, 0.05, 0.02),
    "brief_inspire": (50.0, 25.0, 0.0, 100.0, 0, 0.5, 0.45),
}


def _fmt(value: float, decimals: int) -> str:
    if np.isnan(value):
        return ""
    return f"{value:.{decimals}f}"


def synthetic_trial(seed: int = 1, *, practices: int = 39, mean_cluster_size: float = 5.1, cv: float = 0.65,
                    effect: float = 0.05, icc: float = 0.1, sd: float = 0.9, baseline_correlation: float = 0.65,
                    followup_missing: float = 0.14, secondary: bool = True, period: bool = True,
                    boundary: bool = False) -> list[dict[str, str]]:
    """Rows of a synthetic cluster trial. ``boundary=True`` removes the practice effect (ICC 0)."""
    rng = np.random.default_rng(seed)
    if practices < 2:
        raise ValueError("a trial needs at least two practices")
    shape = 1.0 / cv**2 if cv > 0 else None
    sizes = (rng.gamma(shape, mean_cluster_size / shape, practices) if shape else
             np.full(practices, mean_cluster_size))
    sizes = np.maximum(1, np.floor(sizes + rng.random(practices))).astype(int)
    plist = []
    for k in range(practices):
        plist.append((f"SYN-C{k + 1:02d}", {"region": REGIONS[rng.integers(len(REGIONS))],
                                            "practice_size": "large" if rng.random() < 0.6 else "small"}))
    allocations = minimise(plist, config=MinimisationConfig(("region", "practice_size")), seed=seed)
    icc_eff = 0.0 if boundary else icc
    rows: list[dict[str, str]] = []
    pid = 0
    r = baseline_correlation
    for alloc, size in zip(allocations, sizes, strict=True):
        intervention = alloc.arm == "intervention"
        cov = np.array([[1.0, r], [r, 1.0]])
        u = rng.multivariate_normal([0, 0], cov * icc_eff * sd**2)
        availability = float(np.clip(rng.beta(6, 1.5), 0, 1)) if intervention else None
        for _ in range(size):
            pid += 1
            e = rng.multivariate_normal([0, 0], cov * (1 - icc_eff) * sd**2)
            base = 4.3 + u[0] + e[0]
            follow = 4.3 + 0.2 + (effect if intervention else 0.0) + u[1] + e[1]
            base, follow = float(np.clip(base, 1, 7)), float(np.clip(follow, 1, 7))
            if rng.random() < 0.01:
                base = np.nan
            if rng.random() < followup_missing:
                follow = np.nan
            contacts = int(rng.poisson(9)) if intervention else 0
            row = {
                "participant_id": f"SYN-P{pid:04d}", "practice_id": alloc.practice_id, "arm": alloc.arm,
                "region": alloc.levels["region"], "practice_size": alloc.levels["practice_size"],
                "diagnosis_group": str(rng.choice(["bipolar", "schizophrenia", "other_psychosis"],
                                                  p=[0.58, 0.22, 0.20])),
                "care_setting": "primary" if rng.random() < (0.72 if intervention else 0.57) else "secondary",
                "baseline_mansa": _fmt(base, 2), "followup_mansa": _fmt(follow, 2),
                "followup_in_window": "" if np.isnan(follow) else ("true" if rng.random() < 0.55 else "false"),
                "contacts_10min": str(contacts) if intervention else "",
                "contacts_goals": str(int(rng.binomial(contacts, 0.55))) if intervention else "",
                "cp_availability": "" if availability is None else f"{availability:.2f}",
                "age": f"{float(np.clip(rng.normal(53, 13), 18, 90)):.1f}",
                "gender": str(rng.choice(["female", "male"], p=[0.63, 0.37])),
                "ethnicity": str(rng.choice(["White", "Mixed", "Asian", "Black", "Other"],
                                            p=[0.89, 0.02, 0.03, 0.04, 0.02])),
            }
            if period:
                row["period"] = "pre_disruption" if rng.random() < 0.3 else "during_disruption"
            if secondary:
                for name, (mean, msd, low, high, dec, miss_b, miss_f) in SECONDARY.items():
                    zb, zf = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]])
                    b = float(np.clip(mean + msd * zb, low, high))
                    f = float(np.clip(mean + msd * zf + 0.05 * msd * intervention, low, high))
                    if rng.random() < miss_b:
                        b = np.nan
                    if np.isnan(follow) or rng.random() < miss_f:
                        f = np.nan
                    if name == "brief_inspire" and not intervention and rng.random() < 0.6:
                        f = np.nan
                    row[f"baseline_{name}"] = _fmt(b, dec)
                    row[f"followup_{name}"] = _fmt(f, dec)
            rows.append(row)
    return rows


def write_csv(rows: Sequence[dict[str, Any]], path: str | Path) -> Path:
    path = Path(path)
    header: list[str] = []
    for row in rows:
        for key in row:
            if key not in header:
                header.append(key)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def csv_text(rows: Sequence[dict[str, Any]]) -> str:
    import io

    header: list[str] = []
    for row in rows:
        for key in row:
            if key not in header:
                header.append(key)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def synthetic_dataset(seed: int = 1, **kwargs: Any) -> Any:
    """:func:`synthetic_trial` parsed into a :class:`~partners.trial.stats.dataset.TrialDataset`."""
    import io

    from partners.trial.stats.dataset import parse_dataset

    return parse_dataset(io.StringIO(csv_text(synthetic_trial(seed, **kwargs))), f"synthetic-{seed}.csv")
