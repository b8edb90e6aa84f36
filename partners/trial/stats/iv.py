"""Two-stage least squares with cluster-robust standard errors: the complier-average causal effect (CACE).

Structural model ``y = a + b D + W g + e`` with ``D`` the complier indicator (receipt of the intervention as
defined), instrumented by the allocated arm ``Z``; ``W`` holds the other covariates (baseline score and
minimisation factors), which are their own instruments. With ``X = [1, D, W]`` and ``Zm = [1, Z, W]``::

    Xhat = Zm (Zm'Zm)^-1 Zm'X,   beta = (Xhat'X)^-1 Xhat'y,   u = y - X beta
    V = q (Xhat'Xhat)^-1 [sum_g Xhat_g' u_g u_g' Xhat_g] (Xhat'Xhat)^-1,   q = G/(G-1) (N-1)/(N-k)

(the CR1 sandwich with Stata's small-sample factor, clusters ``g`` = practices). Inference is Wald z, like the
mixed models. The first-stage cluster-robust F for the instrument is reported as a weak-instrument check.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

Array = NDArray[np.float64]


@dataclass(frozen=True)
class IVResult:
    effect: float
    se: float
    ci: tuple[float, float]
    p: float
    n: int
    clusters: int
    first_stage_f: float
    names: list[str]
    beta: Array
    vcov: Array

    def as_dict(self) -> dict[str, Any]:
        return {"effect": self.effect, "se": self.se, "ci": [self.ci[0], self.ci[1]], "p": self.p, "n": self.n,
                "clusters": self.clusters, "first_stage_f": self.first_stage_f,
                "inference": "wald_z", "se_method": "cluster_robust_cr1"}


def _cluster_index(clusters: Sequence[Hashable]) -> tuple[NDArray[np.intp], int]:
    labels, idx = np.unique(np.asarray([str(c) for c in clusters]), return_inverse=True)
    return idx.astype(np.intp), int(labels.size)


def _sandwich(xhat: Array, u: Array, idx: NDArray[np.intp], g: int, bread: Array) -> Array:
    scores = np.zeros((g, xhat.shape[1]))
    np.add.at(scores, idx, xhat * u[:, None])
    meat = scores.T @ scores
    n, k = xhat.shape
    q = (g / (g - 1)) * ((n - 1) / (n - k))
    return np.asarray(q * bread @ meat @ bread)


def two_stage_least_squares(y: Array, treatment: Array, instrument: Array, covariates: Array,
                            clusters: Sequence[Hashable], covariate_names: Sequence[str] = (),
                            level: float = 0.95) -> IVResult:
    """2SLS of ``y`` on ``treatment`` instrumented by ``instrument`` (an intercept is added to both stages)."""
    y = np.asarray(y, dtype=np.float64)
    n = y.size
    w = np.asarray(covariates, dtype=np.float64).reshape(n, -1)
    x = np.column_stack([np.ones(n), np.asarray(treatment, dtype=np.float64), w])
    z = np.column_stack([np.ones(n), np.asarray(instrument, dtype=np.float64), w])
    idx, g = _cluster_index(clusters)
    if g < 2:
        raise ValueError("cluster-robust standard errors need at least 2 clusters")
    if np.linalg.matrix_rank(z) < z.shape[1] or np.linalg.matrix_rank(x) < x.shape[1]:
        raise ValueError("the instrument or treatment is collinear with the covariates (no compliers, or no "
                         "variation in the instrument)")
    coef_first, *_ = np.linalg.lstsq(z, x, rcond=None)
    xhat = z @ coef_first
    bread = np.linalg.inv(xhat.T @ xhat)
    beta = bread @ (xhat.T @ y)
    u = y - x @ beta
    vcov = _sandwich(xhat, u, idx, g, bread)
    # First stage: treatment on [1, Z, W]; cluster-robust Wald F for the instrument (1 restriction).
    zz_inv = np.linalg.inv(z.T @ z)
    gamma = zz_inv @ (z.T @ x[:, 1])
    v_first = _sandwich(z, x[:, 1] - z @ gamma, idx, g, zz_inv)
    f_first = float(gamma[1] ** 2 / v_first[1, 1]) if v_first[1, 1] > 0 else math.inf
    est = float(beta[1])
    se = float(math.sqrt(vcov[1, 1]))
    crit = float(stats.norm.ppf(0.5 + level / 2))
    p = float(2 * stats.norm.sf(abs(est / se))) if se > 0 else math.nan
    return IVResult(effect=est, se=se, ci=(est - crit * se, est + crit * se), p=p, n=n, clusters=g,
                    first_stage_f=f_first, names=["(Intercept)", "complier", *covariate_names], beta=beta,
                    vcov=vcov)
