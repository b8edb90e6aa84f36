"""Trial statistics: simulation-based power against lme4 and statsmodels loops, and analysis timings.

Figures (all in one run, same machine):

- ``power_seconds``: ``partners trial power --simulate 10000`` for a PARTNERS2-sized design (39 practices, mean
  size 5.1, cv 0.74, baseline correlation 0.5), every simulated trial fitted (target: at most 10 s);
- ``lme4_seconds_per_fit``: R ``lmer(REML = TRUE)`` on 200 simulated datasets of that design, timed inside R
  (``system.time`` around the loop, so R's start-up is excluded), per fit;
- ``statsmodels_seconds_per_fit``: statsmodels ``MixedLM(...).fit(reml=True)`` on 100 of the datasets, per fit;
- ratios: (per-fit time x 10,000) / power_seconds (targets: >= 10 for lme4, >= 100 for statsmodels);
- agreement of the arm effect with lme4 over the 200 datasets for our single fit and for statsmodels;
- analysis timings: ``analyse`` with every sensitivity analysis (m = 50 imputations) and the report (HTML, CSV,
  PDF) for a PARTNERS2-sized synthetic dataset.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

DESIGN: dict[str, Any] = {"clusters": 39, "mean_cluster_size": 5.1, "cv": 0.74, "delta": 0.45, "sd": 0.9, "icc": 0.05,
          "baseline_correlation": 0.5}

R_LOOP = r"""
suppressPackageStartupMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
ids <- unique(d$dataset)
parts <- lapply(ids, function(i) { s <- d[d$dataset == i, ]; s$cluster <- factor(s$cluster); s })
est <- numeric(length(parts))
t <- system.time(for (k in seq_along(parts)) {
  f <- suppressMessages(lmer(y ~ arm + x + (1 | cluster), data = parts[[k]], REML = TRUE))
  est[k] <- fixef(f)[["arm"]]
})[["elapsed"]]
cat(sprintf("%.17g", t), "\n")
cat(sprintf("%.17g", est), sep = "\n")
"""


Data = list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


def _datasets(n: int, seed: int) -> Data:
    rng = np.random.default_rng(seed)
    k = int(DESIGN["clusters"])
    m, cv, icc, sd, r = (DESIGN["mean_cluster_size"], DESIGN["cv"], DESIGN["icc"], DESIGN["sd"],
                         DESIGN["baseline_correlation"])
    out = []
    for _ in range(n):
        shape = 1 / cv**2
        sizes = np.maximum(1, np.floor(rng.gamma(shape, m / shape, k) + rng.random(k))).astype(int)
        cl = np.repeat(np.arange(k), sizes)
        arm = (np.arange(k) < k - k // 2).astype(float)[cl]
        z1 = rng.standard_normal(k)
        tau, sig = np.sqrt(icc) * sd, np.sqrt(1 - icc) * sd
        u_b = tau * z1
        u_f = tau * (r * z1 + np.sqrt(1 - r * r) * rng.standard_normal(k))
        e1, e2 = rng.standard_normal(cl.size), rng.standard_normal(cl.size)
        x = u_b[cl] + sig * e1
        y = DESIGN["delta"] * arm + u_f[cl] + sig * (r * e1 + np.sqrt(1 - r * r) * e2)
        out.append((y, arm, x, cl))
    return out


def _lme4(datasets: Data) -> tuple[float, float, np.ndarray]:
    rscript = shutil.which("Rscript")
    if rscript is None:
        raise RuntimeError("Rscript is not installed (apt-get install r-base-core r-cran-lme4)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "d.csv"
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["dataset", "cluster", "y", "arm", "x"])
            for i, (y, arm, x, cl) in enumerate(datasets):
                for j in range(y.size):
                    w.writerow([i, int(cl[j]), repr(float(y[j])), int(arm[j]), repr(float(x[j]))])
        script = Path(tmp) / "loop.R"
        script.write_text(R_LOOP)
        started = time.perf_counter()
        proc = subprocess.run([rscript, str(script), str(path)],  # noqa: S603 - our own script and file, no shell  # nosec B603
                              capture_output=True, text=True, check=True)
        wall = time.perf_counter() - started
    values = [float(v) for v in proc.stdout.split()]
    return values[0], wall, np.array(values[1:])


def _statsmodels(datasets: Data) -> tuple[float, np.ndarray]:
    from statsmodels.regression.mixed_linear_model import MixedLM

    est = []
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for y, arm, x, cl in datasets:
            exog = np.column_stack([np.ones(y.size), arm, x])
            res = MixedLM(y, exog, groups=cl).fit(reml=True)
            est.append(float(res.fe_params[1]))
    return time.perf_counter() - started, np.array(est)


def _ours(datasets: Data) -> tuple[float, np.ndarray]:
    from partners.trial.stats import mixed

    est = []
    started = time.perf_counter()
    for y, arm, x, cl in datasets:
        fit = mixed.fit(y, np.column_stack([np.ones(y.size), arm, x]), list(cl), ["(Intercept)", "arm", "x"])
        est.append(fit.coef("arm"))
    return time.perf_counter() - started, np.array(est)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from partners.trial.reports.render import write_report
    from partners.trial.stats.analysis import AnalysisOptions, analyse
    from partners.trial.stats.power import simulate_power
    from partners.trial.stats.synthetic import synthetic_dataset

    quick = bool(getattr(args, "quick", False))
    sims = 1000 if quick else 10_000
    n_lme4 = 40 if quick else 200
    n_sm = 20 if quick else 100
    figures: dict[str, Any] = {"design": DESIGN, "simulations": sims}

    simulate_power(simulations=200, seed=1, **DESIGN)  # warm-up (imports, caches)
    started = time.perf_counter()
    result = simulate_power(simulations=sims, seed=2024, **DESIGN)
    power_seconds = time.perf_counter() - started
    figures.update({
        "power_seconds": round(power_seconds, 3),
        "power_seconds_per_fit": power_seconds / sims,
        "power": result["power"], "mc_se": result["mc_se"], "analytic_power": result["analytic_power"],
        "power_minus_analytic_in_mc_se": (result["power"] - result["analytic_power"]) / result["mc_se"],
        "expected_power_known_variance": result["expected_power_known_variance"],
        "empirical_se": result["empirical_se"], "mean_model_se": result["mean_model_se"],
        "boundary_fits": result["boundary_fits"],
    })
    print(f"power: {sims} simulated trials fitted in {power_seconds:.2f} s; power {result['power']:.4f} "
          f"(MC SE {result['mc_se']:.4f}), analytic {result['analytic_power']:.4f}", flush=True)

    datasets = _datasets(n_lme4, seed=7)
    lme4_loop, lme4_wall, lme4_est = _lme4(datasets)
    figures["lme4_fits"] = n_lme4
    figures["lme4_seconds_per_fit"] = lme4_loop / n_lme4
    figures["lme4_wall_seconds_including_r_startup"] = round(lme4_wall, 3)
    figures["speedup_vs_lme4_loop"] = round(figures["lme4_seconds_per_fit"] * sims / power_seconds, 1)
    print(f"lme4: {lme4_loop / n_lme4 * 1000:.2f} ms per fit; speed-up {figures['speedup_vs_lme4_loop']}x",
          flush=True)

    sm_seconds, sm_est = _statsmodels(datasets[:n_sm])
    figures["statsmodels_fits"] = n_sm
    figures["statsmodels_seconds_per_fit"] = sm_seconds / n_sm
    figures["speedup_vs_statsmodels_loop"] = round(figures["statsmodels_seconds_per_fit"] * sims / power_seconds, 1)
    print(f"statsmodels: {sm_seconds / n_sm * 1000:.2f} ms per fit; speed-up "
          f"{figures['speedup_vs_statsmodels_loop']}x", flush=True)

    ours_seconds, ours_est = _ours(datasets)
    figures["single_fit_seconds_per_fit"] = ours_seconds / n_lme4
    figures["max_abs_diff_arm_effect_ours_vs_lme4"] = float(np.max(np.abs(ours_est - lme4_est)))
    figures["max_abs_diff_arm_effect_statsmodels_vs_lme4"] = float(np.max(np.abs(sm_est - lme4_est[:n_sm])))

    ds = synthetic_dataset(2024)
    opts = AnalysisOptions(imputations=50)
    analyse(ds, "mansa", AnalysisOptions(imputations=2), sensitivity=True)  # warm-up
    started = time.perf_counter()
    analysis = analyse(ds, "mansa", opts, sensitivity=True)
    figures["analyse_with_sensitivity_seconds"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    analyse(ds, "mansa", opts, sensitivity=False, secondary=False, subgroups=False)
    figures["analyse_primary_only_seconds"] = round(time.perf_counter() - started, 3)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        write_report(ds, analysis, tmp)
        figures["report_seconds"] = round(time.perf_counter() - started, 3)
    figures["analysis_participants"] = len(ds)
    return figures


def summary(figures: dict[str, Any]) -> list[str]:
    f = figures
    return [
        f"- Simulation-based power, {f['simulations']} trials of a PARTNERS2-sized design, every trial fitted: "
        f"**{f['power_seconds']:.2f} s** (target <= 10 s); power {f['power']:.4f} (MC SE {f['mc_se']:.4f}), "
        f"analytic {f['analytic_power']:.4f} ({f['power_minus_analytic_in_mc_se']:+.1f} MC SE); with the variance "
        f"components known {f['expected_power_known_variance']:.4f}; empirical SE of the effect "
        f"{f['empirical_se']:.4f} v. mean model SE {f['mean_model_se']:.4f}",
        f"- lme4 loop: {f['lme4_seconds_per_fit'] * 1000:.2f} ms per fit ({f['lme4_fits']} fits timed inside R) -> "
        f"**{f['speedup_vs_lme4_loop']}x** faster (target >= 10x)",
        f"- statsmodels MixedLM loop: {f['statsmodels_seconds_per_fit'] * 1000:.1f} ms per fit "
        f"({f['statsmodels_fits']} fits) -> **{f['speedup_vs_statsmodels_loop']}x** faster (target >= 100x)",
        f"- One-at-a-time exact fit: {f['single_fit_seconds_per_fit'] * 1000:.2f} ms per fit; max |arm effect - "
        f"lme4| {f['max_abs_diff_arm_effect_ours_vs_lme4']:.1e} (statsmodels: "
        f"{f['max_abs_diff_arm_effect_statsmodels_vs_lme4']:.1e})",
        f"- analyse with every sensitivity analysis (m = 50) on {f['analysis_participants']} participants: "
        f"{f['analyse_with_sensitivity_seconds']} s; primary only {f['analyse_primary_only_seconds']} s; "
        f"report (HTML, CSV, PDF) {f['report_seconds']} s",
    ]
