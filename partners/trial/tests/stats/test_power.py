import math

import numpy as np
import pytest

from partners.trial.stats import mixed
from partners.trial.stats.power import _simulate_chunk, simulate_power


def _within_mc_error(result: dict, allowance: float = 0.0) -> bool:
    return abs(result["power"] - result["analytic_power"]) <= 3.5 * result["mc_se"] + allowance


def test_simulated_power_agrees_with_the_analytic_formula_for_equal_clusters():
    r = simulate_power(simulations=4000, clusters=40, mean_cluster_size=5, delta=0.3, sd=1.0, icc=0.05, seed=11)
    assert r["simulations"] == 4000 and r["failed"] == 0
    assert 0.3 < r["power"] < 0.7  # a design where power is informative
    assert _within_mc_error(r), r


def test_simulated_power_with_baseline_adjustment_agrees_with_the_ancova_formula():
    r = simulate_power(simulations=4000, clusters=40, mean_cluster_size=5, delta=0.25, sd=1.0, icc=0.05,
                       baseline_correlation=0.6, seed=12)
    assert _within_mc_error(r), r


def test_for_a_partners2_sized_design_with_unequal_clusters_power_agrees_within_monte_carlo_error():
    r = simulate_power(simulations=4000, clusters=39, mean_cluster_size=5.1, cv=0.74, delta=0.3, sd=0.9, icc=0.05,
                       baseline_correlation=0.5, seed=13)
    assert r["cluster_sizes"]["realised_cv"] == pytest.approx(0.74, abs=0.06)
    # Eldridge's design effect is conservative for the mixed model with unequal clusters: allow one point.
    assert _within_mc_error(r, allowance=0.01), r
    assert abs(r["power"] - r["expected_power_known_variance"]) <= 3.5 * r["mc_se"] + 0.01


def test_with_no_difference_the_rejection_rate_is_close_to_alpha():
    r = simulate_power(simulations=4000, clusters=40, mean_cluster_size=5, delta=0.0, sd=1.0, icc=0.05, seed=14)
    assert r["power"] == pytest.approx(0.05, abs=0.02)


def test_the_same_seed_gives_the_same_simulation_and_the_seed_is_reported():
    a = simulate_power(simulations=500, clusters=20, mean_cluster_size=4, delta=0.3, sd=1, icc=0.05, seed=5)
    b = simulate_power(simulations=500, clusters=20, mean_cluster_size=4, delta=0.3, sd=1, icc=0.05, seed=5)
    assert a["power"] == b["power"] and a["rejections"] == b["rejections"] and a["seed"] == 5
    c = simulate_power(simulations=10, clusters=20, mean_cluster_size=4, delta=0.3, sd=1, icc=0.05)
    assert isinstance(c["seed"], int)


def test_the_monte_carlo_se_is_the_binomial_standard_error():
    r = simulate_power(simulations=1000, clusters=20, mean_cluster_size=4, delta=0.3, sd=1, icc=0.05, seed=6)
    assert r["mc_se"] == pytest.approx(math.sqrt(r["power"] * (1 - r["power"]) / 1000))


def test_every_simulated_trial_is_fitted_exactly_as_a_single_fit_would_fit_it():
    rng = np.random.default_rng(3)
    arm = np.array([1.0] * 5 + [0.0] * 5)
    sums, _valid, sizes = _simulate_chunk(rng, 4, 10, arm, mean_cluster_size=4, cv=0.5, delta=0.3, sd=1.0, icc=0.1,
                                         r=0.5, dropout=0.0)
    batch = mixed.fit_batch(sums)
    for i in range(4):
        single_sums = mixed.ClusterSums(n=sums.n[i:i + 1], s=sums.s[i:i + 1], t=sums.t[i:i + 1],
                                        xtx=sums.xtx[i:i + 1], xty=sums.xty[i:i + 1], yty=sums.yty[i:i + 1])
        grid = np.concatenate([[0.0], np.logspace(-8, 4, 4000)])
        devs = mixed.reml_deviance(single_sums, grid)
        assert batch.deviance[i] <= devs.min() + 1e-9
        assert sums.n[i].sum() == sizes[i].sum()


def test_dropout_reduces_power_and_the_progress_callback_reports_every_chunk():
    seen = []
    full = simulate_power(simulations=3000, clusters=30, mean_cluster_size=5, delta=0.3, sd=1, icc=0.05, seed=7)
    lossy = simulate_power(simulations=3000, clusters=30, mean_cluster_size=5, delta=0.3, sd=1, icc=0.05, seed=7,
                           dropout=0.4, chunk=1000, progress=lambda done, total: seen.append((done, total)))
    assert lossy["power"] < full["power"]
    assert seen == [(1000, 3000), (2000, 3000), (3000, 3000)]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"clusters": 3}, "at least 4 practices"),
    ({"icc": 1.0}, "icc"),
    ({"simulations": 0}, "at least 1"),
    ({"baseline_correlation": 1.0}, "baseline correlation"),
])
def test_impossible_designs_are_refused(kwargs, message):
    args = {"simulations": 10, "clusters": 20, "mean_cluster_size": 4, "delta": 0.3, "sd": 1, "icc": 0.05, **kwargs}
    with pytest.raises(ValueError, match=message):
        simulate_power(**args)
