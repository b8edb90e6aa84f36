"""The profiled REML fit against R's lme4, live (one Rscript call for every dataset; no skipping)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partners.trial.stats import mixed
from partners.trial.stats.analysis import analyse
from partners.trial.stats.synthetic import synthetic_dataset
from partners.trial.tests.rlmer import Dataset, lmer_many

TOL = 1e-5
FORMULAS = ["arm + x", "arm + x + r1 + r2", "1"]


@dataclass
class Case:
    kind: str
    data: Dataset


def _simulate(rng: np.random.Generator, kind: str) -> Dataset:
    if kind == "balanced":
        k, sizes, tau = 30, None, 0.5
        sizes = np.full(k, 5)
    elif kind == "zero_variance":
        k, tau = 12, 0.0
        sizes = np.full(k, 3)
    elif kind == "singletons":
        k, tau = 20, 0.3
        sizes = np.maximum(1, rng.poisson(4, k))
        sizes[: k // 3] = 1
    else:  # unbalanced, like PARTNERS2
        k, tau = 39, 0.6
        sizes = np.maximum(1, np.round(rng.gamma(1 / 0.74**2, 5.1 * 0.74**2, k))).astype(int)
    cl = np.repeat(np.arange(k), sizes)
    arm = (np.arange(k) % 2)[cl].astype(float)
    x = rng.normal(4.3, 0.9, cl.size)
    region = rng.permutation(np.arange(k) % 3)[cl]
    y = 1.0 + 0.3 * arm + 0.5 * x + rng.normal(0, tau, k)[cl] + rng.normal(0, 0.8, cl.size)
    return Dataset(y=y, cluster=[f"c{c:02d}" for c in cl],
                   columns={"arm": arm, "x": x, "r1": (region == 1).astype(float), "r2": (region == 2).astype(float)})


def _trial_dataset(seed: int, boundary: bool):
    return synthetic_dataset(seed, boundary=boundary, secondary=False)


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(20240611)
    cases = [Case(kind, _simulate(rng, kind)) for kind in ["balanced", "zero_variance", "singletons", "unbalanced"]
             for _ in range(4)]
    trials = [_trial_dataset(11, False), _trial_dataset(12, True)]
    trial_sets = []
    for ds in trials:
        b, f = ds.baseline["mansa"], ds.followup["mansa"]
        trial_sets.append(Dataset(y=f - b, cluster=list(ds.practice_id),
                                  columns={"arm": ds.intervention.astype(float), "baseline": b,
                                           "region": list(ds.text["region"]),
                                           "practice_size": list(ds.text["practice_size"])}))
    datasets = [c.data for c in cases] + trial_sets
    formulas = [FORMULAS] * len(cases) + [["arm + baseline", "arm + baseline + region + practice_size"]] * 2
    results = lmer_many(datasets, formulas, modes=("default", "tight"))
    return cases, trials, results


def _ours(data: Dataset, rhs: str) -> mixed.MixedFit:
    names = ["(Intercept)"] + ([] if rhs == "1" else rhs.split(" + "))
    x = np.column_stack([np.ones(data.y.size)] + [np.asarray(data.columns[n], dtype=float) for n in names[1:]])
    return mixed.fit(data.y, x, data.cluster, names)


def _close(a: float, b: float, tol: float = TOL) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(b))


def test_estimates_ses_variances_and_iccs_agree_with_lme4_run_to_convergence(fitted):
    cases, _trials, results = fitted
    worst = 0.0
    for i, case in enumerate(cases):
        for j, rhs in enumerate(FORMULAS):
            ours = _ours(case.data, rhs)
            r = results[(i, j, "tight")]
            for k, name in enumerate(ours.names):
                assert _close(ours.beta[k], r.beta[name]), (case.kind, rhs, name, ours.beta[k], r.beta[name])
                assert _close(ours.se[k], r.se[name]), (case.kind, rhs, name, ours.se[k], r.se[name])
                worst = max(worst, abs(ours.beta[k] - r.beta[name]), abs(ours.se[k] - r.se[name]))
            assert _close(ours.tau2, r.tau2), (case.kind, rhs, ours.tau2, r.tau2)
            assert _close(ours.sigma2, r.sigma2), (case.kind, rhs, ours.sigma2, r.sigma2)
            assert _close(ours.icc, r.icc), (case.kind, rhs, ours.icc, r.icc)
            assert _close(ours.deviance, r.remlcrit, 1e-8)
    assert worst < TOL


def test_the_reml_optimum_is_never_worse_than_lme4_as_shipped_and_effects_agree_to_1e5(fitted):
    cases, _trials, results = fitted
    for i, case in enumerate(cases):
        for j, rhs in enumerate(FORMULAS):
            ours = _ours(case.data, rhs)
            r = results[(i, j, "default")]
            assert ours.deviance <= r.remlcrit + 1e-9, (case.kind, rhs, ours.deviance, r.remlcrit)
            for name in ours.names:
                if name == "arm":
                    assert _close(ours.coef(name), r.beta[name]), (case.kind, rhs)
                    assert _close(float(ours.se[ours.index(name)]), r.se[name]), (case.kind, rhs)


def test_zero_practice_variance_is_found_exactly_where_lme4_reports_a_singular_fit(fitted):
    cases, _trials, results = fitted
    boundary_cases = 0
    for i, case in enumerate(cases):
        for j, rhs in enumerate(FORMULAS):
            ours = _ours(case.data, rhs)
            r = results[(i, j, "tight")]
            assert ours.boundary == (r.theta < 1e-6), (case.kind, rhs, ours.lam, r.theta)
            if ours.boundary:
                boundary_cases += 1
                assert ours.tau2 == 0.0 and ours.icc == 0.0
    assert boundary_cases >= 5  # the zero-variance datasets really exercise the boundary


def test_the_trial_analysis_agrees_with_lme4_on_effects_ses_and_iccs(fitted):
    _cases, trials, results = fitted
    offset = len(fitted[0])
    for t, ds in enumerate(trials):
        out = analyse(ds, "mansa", secondary=False, subgroups=False)
        for j, label in enumerate(("partially_adjusted", "fully_adjusted")):
            r = results[(offset + t, j, "tight")]
            block = out[label]
            assert _close(block["effect"], r.beta["arm"])
            assert _close(block["se"], r.se["arm"])
            assert _close(block["icc"], r.icc)
            assert _close(block["variance"]["practice"], r.tau2)
            assert _close(block["variance"]["residual"], r.sigma2)
    boundary_trial = analyse(trials[1], "mansa", secondary=False, subgroups=False)
    assert results[(offset + 1, 0, "tight")].theta < 1e-6
    assert boundary_trial["partially_adjusted"]["boundary_fit"] is True


# ---------------------------------------------------------------------------------------------------------------
# Pure properties (no R)


def _random_dataset(seed: int, k: int, mean: float, tau: float) -> tuple[np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    sizes = np.maximum(1, rng.poisson(mean, k))
    cl = np.repeat(np.arange(k), sizes)
    arm = (np.arange(k) % 2)[cl].astype(float)
    x = rng.normal(size=cl.size)
    y = 0.2 * arm + 0.4 * x + rng.normal(0, tau, k)[cl] + rng.normal(size=cl.size)
    return y, np.column_stack([np.ones(cl.size), arm, x]), [f"c{c}" for c in cl]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(4, 40), mean=st.floats(1.0, 8.0), tau=st.floats(0.0, 1.5))
def test_the_fit_is_the_minimum_of_the_reml_deviance_over_a_fine_grid(seed, k, mean, tau):
    y, x, cl = _random_dataset(seed, k, mean, tau)
    fit = mixed.fit(y, x, cl, ["(Intercept)", "arm", "x"])
    grid = np.concatenate([[0.0], np.logspace(-8, 4, 2000)])
    devs = mixed.reml_deviance(fit.sums, grid)
    # 1e-7: with a handful of tiny clusters the deviance can be flat to within rounding over decades of the
    # variance ratio; below that, "the minimum" is noise (two-dip cases missed before were off by ~6e-4).
    assert fit.deviance <= devs.min() + 1e-7


def test_a_lower_second_dip_between_grid_points_is_found():
    # Found by hypothesis: the boundary is the best grid point, but the REML deviance dips lower at a
    # variance ratio of about 2.06, between grid points.
    y, x, cl = _random_dataset(215, 4, 1.0, 0.0)
    fit = mixed.fit(y, x, cl, ["(Intercept)", "arm", "x"])
    fine = mixed.reml_deviance(fit.sums, np.concatenate([[0.0], np.logspace(-8, 4, 4000)]))
    assert fit.deviance <= fine.min() + 1e-9
    assert fit.tau2 > 0


def test_shifting_the_outcome_by_a_large_constant_changes_only_the_intercept():
    y, x, cl = _random_dataset(3, 25, 5, 0.5)
    a = mixed.fit(y, x, cl, ["(Intercept)", "arm", "x"])
    b = mixed.fit(y + 1e6, x, cl, ["(Intercept)", "arm", "x"])
    assert math.isclose(b.coef("(Intercept)") - a.coef("(Intercept)"), 1e6, rel_tol=1e-12)
    assert math.isclose(a.coef("arm"), b.coef("arm"), rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(a.tau2, b.tau2, rel_tol=1e-7, abs_tol=1e-10)


def test_fitting_many_datasets_at_once_gives_the_same_answers_as_one_at_a_time():
    sets = [_random_dataset(s, 20, 4, 0.6) for s in range(5)]
    n = min(len(s[0]) for s in sets)
    ys = np.stack([s[0][:n] for s in sets])
    xs = np.stack([s[1][:n] for s in sets])
    clusters = sets[0][2][:n]
    batch = mixed.fit_many(ys, xs, clusters)
    for i in range(5):
        single = mixed.fit(ys[i], xs[i], clusters, ["(Intercept)", "arm", "x"])
        assert math.isclose(batch.beta[i, 1], single.coef("arm"), rel_tol=1e-9, abs_tol=1e-12)
        assert math.isclose(batch.se[i, 1], single.se[1], rel_tol=1e-9)
        assert math.isclose(batch.tau2[i], single.tau2, rel_tol=1e-7, abs_tol=1e-12)


def test_the_profile_interval_for_the_icc_ends_where_the_deviance_has_risen_by_the_chi_squared_quantile():
    y, x, cl = _random_dataset(8, 30, 5, 0.7)
    fit = mixed.fit(y, x, cl, ["(Intercept)", "arm", "x"])
    lo, hi = fit.icc_profile_ci()
    assert lo < fit.icc < hi
    for bound in (lo, hi):
        lam = bound / (1 - bound)
        rise = float(mixed.reml_deviance(fit.sums, lam)[0]) - fit.deviance
        assert math.isclose(rise, 3.841458820694124, rel_tol=1e-6)


def test_a_boundary_fit_has_an_icc_interval_starting_at_zero():
    rng = np.random.default_rng(5)
    cl = np.repeat(np.arange(10), 3)
    y = rng.normal(size=30)
    fit = mixed.fit(y, np.ones((30, 1)), list(cl), ["(Intercept)"])
    if not fit.boundary:  # make sure this seed really is a boundary dataset
        pytest.fail("expected a boundary fit for this dataset")
    lo, hi = fit.icc_profile_ci()
    assert lo == 0.0 and 0 < hi < 1


def test_searles_interval_for_balanced_clusters_follows_the_f_distribution_formula():
    from scipy import stats

    rng = np.random.default_rng(2)
    k, m = 12, 6
    cl = np.repeat(np.arange(k), m)
    y = rng.normal(0, 0.6, k)[cl] + rng.normal(size=k * m)
    icc, (lo, hi) = mixed.searle_icc_ci(y, list(cl))
    means = y.reshape(k, m).mean(1)
    msb = m * ((means - y.mean()) ** 2).sum() / (k - 1)
    msw = ((y.reshape(k, m) - means[:, None]) ** 2).sum() / (k * (m - 1))
    f = msb / msw
    fl = f / stats.f.ppf(0.975, k - 1, k * (m - 1))
    fu = f / stats.f.ppf(0.025, k - 1, k * (m - 1))
    assert math.isclose(icc, (msb - msw) / (msb + (m - 1) * msw))
    assert math.isclose(lo, max(0.0, (fl - 1) / (fl + m - 1)))
    assert math.isclose(hi, min(1.0, (fu - 1) / (fu + m - 1)))
    # For balanced data with a positive estimate REML and ANOVA agree.
    crude = mixed.crude_icc(y, list(cl))
    assert math.isclose(crude.icc, icc, rel_tol=1e-7)


def test_between_within_df_is_clusters_minus_cluster_level_parameters():
    y, x, cl = _random_dataset(4, 24, 5, 0.5)
    fit = mixed.fit(y, x, cl, ["(Intercept)", "arm", "x"])
    assert fit.between_within_df(fit.index("arm")) == 24 - 2
    w = fit.wald("arm", "between-within")
    assert w.df == 22 and w.method == "between_within_t"
    wz = fit.wald("arm")
    assert w.p > wz.p  # t with 22 df is wider than z


def test_satterthwaite_df_matches_lmertest():
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    check = subprocess.run([shutil.which("Rscript") or "Rscript", "-e", "library(lmerTest)"], capture_output=True,
                           check=False)
    assert check.returncode == 0, "lmerTest is not installed (apt-get install r-cran-lmertest; .ci/run does)"
    rows = []
    fits = []
    for s, (k, tau) in enumerate([(10, 0.5), (20, 0.3), (15, 0.0)]):
        y, x, cl = _random_dataset(100 + s, k, 4, tau)
        fits.append(mixed.fit(y, x, cl, ["(Intercept)", "arm", "x"]))
        rows += [f"{s},{c},{float(yy)!r},{float(a)!r},{float(xx)!r}"
                 for c, yy, a, xx in zip(cl, y, x[:, 1], x[:, 2], strict=True)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "d.csv"
        path.write_text("d,cluster,y,arm,x\n" + "\n".join(rows) + "\n")
        script = (f'suppressPackageStartupMessages(library(lmerTest)); d <- read.csv("{path}"); '
                  "ctl <- lmerControl(optCtrl = list(xtol_abs = 1e-14, ftol_abs = 1e-15, xtol_rel = 1e-14, "
                  "ftol_rel = 1e-15)); for (i in unique(d$d)) { f <- suppressWarnings(suppressMessages(lmer("
                  "y ~ arm + x + (1 | cluster), data = d[d$d == i, ], control = ctl))); "
                  'cat(sprintf("%.10g", summary(f)$coefficients["arm", "df"]), "\\n") }')
        out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True).stdout.split()
    for fit, df_r in zip(fits, out, strict=True):
        ours = fit.satterthwaite_df(np.array([0.0, 1.0, 0.0]))
        assert math.isclose(ours, float(df_r), rel_tol=1e-3), (ours, df_r)


def test_a_design_with_collinear_columns_is_refused():
    y, x, cl = _random_dataset(1, 10, 4, 0.5)
    x = np.column_stack([x, x[:, 1]])
    with pytest.raises(mixed.ModelError, match="collinear"):
        mixed.fit(y, x, cl, ["(Intercept)", "arm", "x", "arm2"])


def test_a_single_cluster_is_refused():
    with pytest.raises(mixed.ModelError, match="at least 2 clusters"):
        mixed.fit(np.arange(5.0), np.ones((5, 1)), ["a"] * 5, ["(Intercept)"])


def test_satterthwaite_df_for_a_cluster_level_effect_in_balanced_clusters_is_clusters_minus_two():
    # With equal clusters and only cluster-level covariates, var(arm) rests on the between-cluster mean square,
    # which has K - 2 degrees of freedom exactly.
    rng = np.random.default_rng(12)
    k, m = 16, 5
    cl = np.repeat(np.arange(k), m)
    arm = (np.arange(k) % 2)[cl].astype(float)
    y = 0.3 * arm + rng.normal(0, 0.7, k)[cl] + rng.normal(size=k * m)
    fit = mixed.fit(y, np.column_stack([np.ones(k * m), arm]), [f"c{c}" for c in cl], ["(Intercept)", "arm"])
    assert not fit.boundary
    assert fit.satterthwaite_df(np.array([0.0, 1.0])) == pytest.approx(k - 2, rel=1e-5)
