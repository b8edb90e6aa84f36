import math

import numpy as np
import pytest
from scipy import stats

from partners.trial.stats.imputation import chained_equations, rubin


def test_rubins_rules_pool_estimates_and_variances_as_published():
    q = np.array([1.0, 1.2, 0.8, 1.1])
    u = np.array([0.04, 0.05, 0.045, 0.05])
    pooled = rubin(q, u)
    b = q.var(ddof=1)
    t = u.mean() + (1 + 1 / 4) * b
    df = 3 * (1 + u.mean() / ((1 + 1 / 4) * b)) ** 2
    assert pooled.estimate == pytest.approx(q.mean())
    assert pooled.se == pytest.approx(math.sqrt(t))
    assert pooled.df == pytest.approx(df)
    assert pooled.ci[1] == pytest.approx(q.mean() + stats.t.ppf(0.975, df) * math.sqrt(t))


def test_observed_values_are_kept_and_only_missing_ones_are_filled():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 2))
    x[::7, 0] = np.nan
    out = chained_equations(x, np.ones((200, 1)), np.random.default_rng(2), imputations=4)
    assert out.shape == (4, 200, 2)
    obs = ~np.isnan(x)
    for m in range(4):
        assert np.array_equal(out[m][obs], x[obs])
        assert not np.isnan(out[m]).any()
    assert not np.array_equal(out[0][::7, 0], out[1][::7, 0])


def test_imputation_recovers_the_mean_when_missingness_depends_on_an_observed_variable():
    rng = np.random.default_rng(3)
    n = 4000
    a = rng.normal(size=n)
    b = 2.0 + 0.8 * a + rng.normal(0, 0.5, n)
    data = np.column_stack([a, b])
    missing = rng.random(n) < 1 / (1 + np.exp(-2 * a))  # more missing when a is high: MAR
    data[missing, 1] = np.nan
    assert np.nanmean(data[:, 1]) < 1.8  # complete cases are biased
    out = chained_equations(data, np.ones((n, 1)), np.random.default_rng(4), imputations=5)
    assert out[:, :, 1].mean() == pytest.approx(b.mean(), abs=0.05)


def test_the_same_generator_seed_gives_the_same_imputations():
    x = np.random.default_rng(5).normal(size=(50, 2))
    x[::5, 1] = np.nan
    a = chained_equations(x, np.ones((50, 1)), np.random.default_rng(9), 3)
    b = chained_equations(x, np.ones((50, 1)), np.random.default_rng(9), 3)
    assert np.array_equal(a, b)


def test_a_variable_with_no_observed_value_cannot_be_imputed():
    x = np.full((5, 1), np.nan)
    with pytest.raises(ValueError, match="no observed values"):
        chained_equations(x, np.ones((5, 1)), np.random.default_rng(1), 2)
