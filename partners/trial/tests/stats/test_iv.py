import numpy as np
import pytest
import statsmodels.api as sm

from partners.trial.stats.iv import two_stage_least_squares


def _data(seed: int = 1, k: int = 30, m: int = 6):
    rng = np.random.default_rng(seed)
    cl = np.repeat(np.arange(k), m)
    z = (np.arange(k) % 2)[cl].astype(float)
    complier = (rng.random(k * m) < 0.7).astype(float)
    d = z * complier
    w = rng.normal(size=k * m)
    y = 0.5 * d + 0.3 * w + rng.normal(0, 0.4, k)[cl] + rng.normal(size=k * m)
    return y, d, z, w, cl


def test_without_covariates_2sls_is_the_wald_ratio_of_the_itt_effects():
    y, d, z, _w, cl = _data()
    res = two_stage_least_squares(y, d, z, np.empty((y.size, 0)), cl)
    itt_y = y[z == 1].mean() - y[z == 0].mean()
    itt_d = d[z == 1].mean() - d[z == 0].mean()
    assert res.effect == pytest.approx(itt_y / itt_d, rel=1e-10)


def test_when_everyone_complies_2sls_is_ols_with_the_same_cluster_robust_errors_as_statsmodels():
    y, _d, z, w, cl = _data(2)
    res = two_stage_least_squares(y, z, z, w[:, None], cl, ["w"])
    ols = sm.OLS(y, np.column_stack([np.ones(y.size), z, w])).fit(cov_type="cluster", cov_kwds={"groups": cl})
    assert res.effect == pytest.approx(ols.params[1], rel=1e-10)
    assert res.se == pytest.approx(ols.bse[1], rel=1e-8)


def test_the_first_stage_f_is_large_for_a_strong_instrument():
    y, d, z, w, cl = _data(3)
    res = two_stage_least_squares(y, d, z, w[:, None], cl)
    assert res.first_stage_f > 10
    lo, hi = res.ci
    assert lo < res.effect < hi and 0 <= res.p <= 1


def test_no_compliers_at_all_is_refused():
    y, _d, z, w, cl = _data(4)
    with pytest.raises(ValueError, match="collinear"):
        two_stage_least_squares(y, np.zeros(y.size), z, w[:, None], cl)
