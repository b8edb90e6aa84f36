"""Multiple imputation by chained equations, and Rubin's rules.

:func:`chained_equations` fills the missing entries of the incomplete variables ``m`` times. Each imputation
starts from random draws of the observed values and cycles ``iterations`` times through the incomplete
variables; each variable is imputed from a Bayesian linear regression on the complete predictors and the
other (current) variables: ``sigma*^2 = RSS / chi2(n_obs - k)``, ``beta* ~ N(beta_hat, sigma*^2 (X'X)^-1)``,
imputed value ``= x' beta* + N(0, sigma*^2)`` (the ``norm`` method of mice / Stata's ``mi impute regress``).
All randomness comes from the generator passed in, so a seed reproduces the imputations.

:func:`rubin` pools estimates and variances: ``Q = mean(q)``, ``U = mean(u)``, ``B = var(q)``,
``T = U + (1 + 1/m) B``, with Rubin's (1987) degrees of freedom ``(m - 1)(1 + U / ((1 + 1/m) B))^2`` and a t
reference distribution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

Array = NDArray[np.float64]


def chained_equations(incomplete: Array, complete: Array, rng: np.random.Generator, imputations: int,
                      iterations: int = 10) -> Array:
    """Return ``(imputations, n, v)`` completed copies of ``incomplete`` (``(n, v)`` with NaN for missing).

    ``complete`` is ``(n, k)`` with no missing values and should include an intercept column.
    """
    data = np.asarray(incomplete, dtype=np.float64)
    comp = np.asarray(complete, dtype=np.float64)
    n, v = data.shape
    missing = np.isnan(data)
    if np.isnan(comp).any():
        raise ValueError("the complete predictors contain missing values")
    for j in range(v):
        if missing[:, j].all():
            raise ValueError(f"variable {j} has no observed values to impute from")
    out = np.empty((imputations, n, v))
    order = [j for j in range(v) if missing[:, j].any()]
    for m in range(imputations):
        cur = data.copy()
        for j in order:
            observed = cur[~missing[:, j], j]
            cur[missing[:, j], j] = rng.choice(observed, size=int(missing[:, j].sum()), replace=True)
        for _ in range(iterations if order else 0):
            for j in order:
                others = [k for k in range(v) if k != j]
                x = np.column_stack([comp, cur[:, others]])
                obs = ~missing[:, j]
                xo, yo = x[obs], cur[obs, j]
                xtx_inv = np.linalg.pinv(xo.T @ xo)
                beta = xtx_inv @ (xo.T @ yo)
                resid = yo - xo @ beta
                dof = max(int(obs.sum()) - np.linalg.matrix_rank(xo), 1)
                sigma2 = float(resid @ resid) / float(rng.chisquare(dof))
                cov = sigma2 * xtx_inv
                vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
                draw = beta + vecs @ (np.sqrt(np.clip(vals, 0, None)) * rng.standard_normal(beta.size))
                xm = x[~obs]
                cur[~obs, j] = xm @ draw + math.sqrt(sigma2) * rng.standard_normal(xm.shape[0])
        out[m] = cur
    return out


@dataclass(frozen=True)
class Pooled:
    estimate: float
    se: float
    ci: tuple[float, float]
    p: float
    df: float
    within: float
    between: float
    imputations: int

    def as_dict(self) -> dict[str, Any]:
        return {"effect": self.estimate, "se": self.se, "ci": [self.ci[0], self.ci[1]], "p": self.p, "df": self.df,
                "within_variance": self.within, "between_variance": self.between,
                "imputations": self.imputations, "inference": "rubin_t"}


def rubin(estimates: Array, variances: Array, level: float = 0.95) -> Pooled:
    q = np.asarray(estimates, dtype=np.float64)
    u = np.asarray(variances, dtype=np.float64)
    m = q.size
    if m < 2:
        raise ValueError("Rubin's rules need at least 2 imputations")
    qbar = float(q.mean())
    ubar = float(u.mean())
    b = float(q.var(ddof=1))
    total = ubar + (1 + 1 / m) * b
    df = math.inf if b == 0 else (m - 1) * (1 + ubar / ((1 + 1 / m) * b)) ** 2
    se = math.sqrt(total)
    if math.isinf(df):
        crit = float(stats.norm.ppf(0.5 + level / 2))
        p = float(2 * stats.norm.sf(abs(qbar / se)))
    else:
        crit = float(stats.t.ppf(0.5 + level / 2, df))
        p = float(2 * stats.t.sf(abs(qbar / se), df))
    return Pooled(estimate=qbar, se=se, ci=(qbar - crit * se, qbar + crit * se), p=p, df=df, within=ubar,
                  between=b, imputations=m)
