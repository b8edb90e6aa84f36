"""The random-intercept linear mixed model, fitted by exact profiled REML (batched across datasets).

Model: ``y_ij = x_ij' beta + u_i + e_ij`` with ``u_i ~ N(0, tau2)`` (cluster ``i``) and ``e_ij ~ N(0, sigma2)``.
Write ``lam = tau2 / sigma2`` (the variance ratio, ``lam >= 0``) and, per cluster, ``n_i``, ``s_i = X_i' 1``,
``t_i = 1' y_i``; with ``c_i = lam / (1 + n_i lam)``::

    A(lam) = X'X - sum_i c_i s_i s_i'          (= sigma2 X' V^-1 X)
    b(lam) = X'y - sum_i c_i s_i t_i
    RSS(lam) = y'y - sum_i c_i t_i^2 - b' A^-1 b
    REML deviance(lam) = (N - p)(1 + log(2 pi RSS / (N - p))) + sum_i log(1 + n_i lam) + log|A(lam)|

which is exactly lme4's ``REMLcrit`` at ``theta = sqrt(lam)``. The estimates at the optimum are
``beta = A^-1 b``, ``sigma2 = RSS / (N - p)``, ``tau2 = lam sigma2`` and ``vcov(beta) = sigma2 A^-1`` (lme4's
``vcov``). The derivative is analytic: ``d dev / d lam = (N - p) dRSS / RSS + sum_i n_i / (1 + n_i lam)
- tr(A^-1 sum_i c_i' s_i s_i')`` with ``c_i' = 1 / (1 + n_i lam)^2`` and ``dRSS = -sum_i c_i' (t_i - s_i' beta)^2``.

The optimiser is a 1-D search over ``u = lam / (1 + lam)`` in ``[0, 1)``: the deviance and its derivative on a
grid that includes the boundary ``lam = 0`` and spans twelve decades, then a safeguarded root search on the
analytic derivative inside the bracket around the best grid point, keeping whichever of the refined point and
the grid point is lower. The deviance can have two dips; any other grid interval where the derivative turns from
negative to positive is refined too and the lower optimum kept. A boundary fit (``lam = 0``, practice variance
0) is returned exactly when the best grid point is 0 and the derivative there is not negative. Everything is
vectorised over a leading "dataset" axis, so thousands of simulated trials are fitted at once
(:func:`fit_batch`); :func:`fit` fits one dataset from individual data.

Also here: Wald inference with small-sample degrees of freedom (Satterthwaite, as R's lmerTest computes it
in the ``(theta, sigma)`` parametrisation; between-within), a profile-likelihood (REML) confidence interval for
the ICC, and Searle's F-based interval for the ICC of an intercept-only model.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, stats

Array = NDArray[np.float64]

# Grid of variance ratios for the first stage of the search: the boundary, then twelve decades.
DEFAULT_GRID = np.concatenate([[0.0], np.logspace(-6.0, 6.0, 49)])
MAX_LAMBDA = 1e6  # ICC 0.999999: beyond this A(lam) loses its between-cluster part to rounding
DEFAULT_ITERATIONS = 100
GRID_BUDGET = 4_000_000  # array elements per vectorised grid evaluation
DF_METHODS = ("wald", "satterthwaite", "between-within")


class ModelError(ValueError):
    """The data cannot support the model (too few clusters, a rank-deficient design, ...)."""


@dataclass
class ClusterSums:
    """Sufficient statistics of a batch of ``S`` datasets with ``K`` clusters each (empty clusters allowed)."""

    n: Array  # (S, K) cluster sizes
    s: Array  # (S, K, p) column sums of X per cluster
    t: Array  # (S, K) sums of y per cluster
    xtx: Array  # (S, p, p)
    xty: Array  # (S, p)
    yty: Array  # (S,)

    @property
    def nobs(self) -> Array:
        return np.asarray(self.n.sum(axis=1), dtype=np.float64)

    @property
    def p(self) -> int:
        return int(self.s.shape[2])


def cluster_sums(y: Array, x: Array, cluster: NDArray[np.intp], n_clusters: int) -> ClusterSums:
    """Sufficient statistics of one dataset (``cluster`` holds 0-based cluster indices)."""
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    p = x.shape[1]
    n = np.bincount(cluster, minlength=n_clusters).astype(np.float64)
    s = np.stack([np.bincount(cluster, weights=x[:, j], minlength=n_clusters) for j in range(p)], axis=1)
    t = np.bincount(cluster, weights=y, minlength=n_clusters)
    return ClusterSums(n=n[None], s=s[None], t=t[None], xtx=(x.T @ x)[None], xty=(x.T @ y)[None],
                       yty=np.array([y @ y]))


@dataclass
class _Terms:
    a: Array
    chol: Array
    beta: Array
    rss: Array
    deviance: Array
    derivative: Array | None


def _terms(sums: ClusterSums, lam: Array, derivative: bool = False) -> _Terms:
    """Deviance (and its derivative in ``lam``) for every dataset of the batch at its own ``lam``."""
    nobs = sums.nobs
    p = sums.p
    lam_ = lam[:, None]
    denom = 1.0 + sums.n * lam_
    c = lam_ / denom
    cs = c[:, :, None] * sums.s
    a = sums.xtx - np.matmul(np.swapaxes(cs, 1, 2), sums.s)
    b = sums.xty - np.einsum("skp,sk->sp", cs, sums.t)
    q = sums.yty - np.einsum("sk,sk->s", c, sums.t * sums.t)
    chol = np.linalg.cholesky(a)
    beta = np.linalg.solve(a, b[:, :, None])[:, :, 0]
    rss = q - np.einsum("sp,sp->s", b, beta)
    rss = np.maximum(rss, np.finfo(np.float64).tiny)
    logdet_a = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    dof = nobs - p
    dev = dof * (1.0 + np.log(2.0 * np.pi * rss / dof)) + np.log(denom).sum(axis=1) + logdet_a
    deriv = None
    if derivative:
        cprime = 1.0 / denom**2
        resid = sums.t - np.einsum("skp,sp->sk", sums.s, beta)
        drss = -np.einsum("sk,sk->s", cprime, resid * resid)
        aprime = np.matmul(np.swapaxes(cprime[:, :, None] * sums.s, 1, 2), sums.s)
        tr = np.trace(np.linalg.solve(a, aprime), axis1=1, axis2=2)
        deriv = dof * drss / rss + (sums.n / denom).sum(axis=1) - tr
    return _Terms(a=a, chol=chol, beta=beta, rss=rss, deviance=dev, derivative=deriv)


def reml_deviance(sums: ClusterSums, lam: Array | float) -> Array:
    """The profiled REML deviance (lme4's REML criterion) at variance ratio ``lam`` for each dataset."""
    lam_arr = np.atleast_1d(np.asarray(lam, dtype=np.float64))
    if sums.yty.shape[0] == 1 and lam_arr.size > 1:  # one dataset, many variance ratios
        sums = take(sums, np.zeros(lam_arr.size, dtype=np.intp))
    lam_arr = np.broadcast_to(lam_arr, sums.yty.shape).copy()
    return _terms(sums, lam_arr).deviance


@dataclass
class BatchFit:
    lam: Array  # (S,) variance ratio tau2 / sigma2
    beta: Array  # (S, p)
    vcov: Array  # (S, p, p)
    sigma2: Array  # (S,) residual variance
    tau2: Array  # (S,) cluster (random intercept) variance
    deviance: Array  # (S,) REML criterion
    boundary: NDArray[np.bool_]  # (S,) lam == 0

    @property
    def se(self) -> Array:
        return np.sqrt(np.diagonal(self.vcov, axis1=1, axis2=2))

    @property
    def icc(self) -> Array:
        return self.lam / (1.0 + self.lam)


def _to_u(lam: Array) -> Array:
    return lam / (1.0 + lam)


def _to_lam(u: Array) -> Array:
    return u / (1.0 - u)


def take(sums: ClusterSums, idx: NDArray[np.intp]) -> ClusterSums:
    """The datasets ``idx`` of a batch (repeats allowed)."""
    return ClusterSums(n=sums.n[idx], s=sums.s[idx], t=sums.t[idx], xtx=sums.xtx[idx], xty=sums.xty[idx],
                       yty=sums.yty[idx])


def _grid_values(sums: ClusterSums, grid: Array) -> tuple[Array, Array]:
    """Deviance and its derivative for every dataset at every grid point, each ``(S, G)``, in as few vectorised
    calls as memory allows (the derivative comes from the same terms at little extra cost)."""
    n_sets = sums.yty.shape[0]
    devs = np.empty((n_sets, grid.size))
    slopes = np.empty((n_sets, grid.size))
    if n_sets >= 64:  # big batches: one call per grid point (no copies)
        for j, lam in enumerate(grid):
            terms = _terms(sums, np.full(n_sets, lam), derivative=True)
            devs[:, j] = terms.deviance
            slopes[:, j] = np.asarray(terms.derivative)
        return devs, slopes
    per = max(1, GRID_BUDGET // max(1, n_sets * sums.n.shape[1] * sums.p))
    for start in range(0, grid.size, per):
        g = grid[start:start + per]
        idx = np.repeat(np.arange(n_sets), g.size)
        terms = _terms(take(sums, idx), np.tile(g, n_sets), derivative=True)
        devs[:, start:start + g.size] = terms.deviance.reshape(n_sets, g.size)
        slopes[:, start:start + g.size] = np.asarray(terms.derivative).reshape(n_sets, g.size)
    return devs, slopes


def _derivative(sums: ClusterSums, u: Array) -> Array:
    d = _terms(sums, _to_lam(u), derivative=True).derivative
    assert d is not None
    return d


def _other_dips(devs: Array, slopes: Array, best: NDArray[np.intp]) -> NDArray[np.intp]:
    """Per dataset, the left index ``j`` of the most promising grid interval ``[j, j + 1]`` in which the
    deviance turns from falling to rising (a local minimum lies inside) away from the best grid point's own
    bracket; -1 when there is none. Derivative signs find a dip even when it is narrower than the grid spacing."""
    n_sets, size = devs.shape
    turns = (slopes[:, :-1] < 0) & (slopes[:, 1:] > 0)
    cols = np.arange(size - 1)[None, :]
    turns &= (cols + 1 < best[:, None] - 1) | (cols > best[:, None])
    promise = np.where(turns, np.minimum(devs[:, :-1], devs[:, 1:]), np.inf)
    idx = np.argmin(promise, axis=1)
    return np.where(np.isfinite(promise[np.arange(n_sets), idx]), idx, -1)


def _refine(sums: ClusterSums, grid: Array, devs: Array, lo_idx: NDArray[np.intp], hi_idx: NDArray[np.intp],
            iterations: int) -> tuple[Array, Array]:
    """Safeguarded root search on the derivative in the grid bracket ``[lo_idx, hi_idx]`` of each dataset; the
    optimum and its deviance (the bracket's best grid point when the refined point is not lower)."""
    n_sets = sums.yty.shape[0]
    ugrid = _to_u(grid)
    lo = ugrid[lo_idx]
    hi = ugrid[hi_idx]
    dlo = _derivative(sums, lo)
    dhi = _derivative(sums, hi)
    # No sign change: the minimum of the bracket is at an end (lo = 0 is the boundary fit).
    x = np.where(dlo >= 0, lo, np.where(dhi <= 0, hi, 0.5 * (lo + hi)))
    active = (dlo < 0) & (dhi > 0)
    side = np.zeros(n_sets, dtype=np.int8)
    for it in range(iterations):
        if not active.any():
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            x_rf = hi - dhi * (hi - lo) / (dhi - dlo)
        bad = ~np.isfinite(x_rf) | (x_rf <= lo) | (x_rf >= hi) | (it % 4 == 3)
        x_prev = x
        x = np.where(active, np.where(bad, 0.5 * (lo + hi), x_rf), x)
        idx = np.flatnonzero(active)
        if idx.size * 2 < n_sets:  # a few stragglers: evaluate only them
            dx = np.zeros(n_sets)
            dx[idx] = _derivative(take(sums, idx), x[idx])
        else:
            dx = _derivative(sums, x)
        up = active & (dx > 0)
        down = active & ~up
        dlo = np.where(up & (side == 1), 0.5 * dlo, dlo)
        dhi = np.where(down & (side == -1), 0.5 * dhi, dhi)
        hi = np.where(up, x, hi)
        dhi = np.where(up, dx, dhi)
        lo = np.where(down, x, lo)
        dlo = np.where(down, dx, dlo)
        side = np.where(up, 1, np.where(down, -1, side)).astype(np.int8)
        # Converged: the bracket or the step is below 1e-11 of the variance-ratio scale (estimates then agree
        # with the exact optimum far beyond the 1e-5 the comparison with lme4 asks for).
        active &= (hi - lo > 1e-11 * hi) & (np.abs(x - x_prev) > 1e-13 * x) & (dx != 0)
    refined = _to_lam(x)
    dev_refined = _terms(sums, refined).deviance
    rows = np.arange(n_sets)
    best = np.where(devs[rows, lo_idx] <= devs[rows, hi_idx], lo_idx, hi_idx)
    grid_dev = devs[rows, best]
    keep = dev_refined <= grid_dev
    return np.where(keep, refined, grid[best]), np.where(keep, dev_refined, grid_dev)


def fit_batch(sums: ClusterSums, grid: Array | None = None, iterations: int = DEFAULT_ITERATIONS) -> BatchFit:
    """Fit the random-intercept model by REML to every dataset of the batch at once (no Python loop over them).

    Grid search on ``u = lam / (1 + lam)``, then a safeguarded root search (Illinois regula falsi with a
    bisection step every fourth iteration) for the zero of the derivative inside the bracket around each
    dataset's best grid point; the better of the refined and the grid point is kept. Every dataset must have a
    full-rank ``A(lam)`` (callers mask out degenerate simulated trials first).
    """
    grid = DEFAULT_GRID if grid is None else np.asarray(grid, dtype=np.float64)
    devs, slopes = _grid_values(sums, grid)
    best = np.argmin(devs, axis=1)
    lam, dev = _refine(sums, grid, devs, np.maximum(best - 1, 0), np.minimum(best + 1, grid.size - 1), iterations)
    # The REML deviance can have two dips (near the boundary and inside, say), and the lower one may fall
    # between grid points that are higher than the other dip. Every interval where the derivative turns from
    # negative to positive holds a local minimum: refine the most promising other one too, keep the lower.
    other = _other_dips(devs, slopes, best)
    found = np.flatnonzero(other >= 0)
    if found.size:
        lam2, dev2 = _refine(take(sums, found), grid, devs[found], other[found], other[found] + 1, iterations)
        better = dev2 < dev[found]
        lam[found[better]] = lam2[better]
    final = _terms(sums, lam)
    sigma2 = final.rss / (sums.nobs - sums.p)
    eye = np.broadcast_to(np.eye(sums.p), final.a.shape)
    vcov = sigma2[:, None, None] * np.linalg.solve(final.a, eye)
    return BatchFit(lam=lam, beta=final.beta, vcov=vcov, sigma2=sigma2, tau2=lam * sigma2,
                    deviance=final.deviance, boundary=lam == 0.0)


# --------------------------------------------------------------------------------------------------------------
# One dataset, with names and inference


@dataclass
class Wald:
    name: str
    estimate: float
    se: float
    ci: tuple[float, float]
    p: float
    statistic: float
    df: float | None
    method: str

    def as_dict(self) -> dict[str, Any]:
        return {"effect": self.estimate, "se": self.se, "ci": [self.ci[0], self.ci[1]], "p": self.p,
                "statistic": self.statistic, "df": self.df, "inference": self.method}


@dataclass
class MixedFit:
    """A fitted random-intercept model for one dataset."""

    names: list[str]
    beta: Array
    vcov: Array
    sigma2: float
    tau2: float
    lam: float
    deviance: float
    nobs: int
    n_clusters: int
    boundary: bool
    sums: ClusterSums = field(repr=False)
    x: Array = field(repr=False)
    cluster: NDArray[np.intp] = field(repr=False)
    transform: Array = field(repr=False)
    x_centre: Array = field(repr=False)
    y_centre: float = 0.0

    @property
    def icc(self) -> float:
        return self.lam / (1.0 + self.lam)

    @property
    def se(self) -> Array:
        return np.sqrt(np.diag(self.vcov))

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"no coefficient {name!r}; the model has {', '.join(self.names)}") from None

    def coef(self, name: str) -> float:
        return float(self.beta[self.index(name)])

    # -- inference ------------------------------------------------------------------------------------------

    def wald(self, name: str, df_method: str = "wald", level: float = 0.95) -> Wald:
        """Estimate, SE, CI and two-sided p for one coefficient (Wald z by default, as Stata's ``mixed``)."""
        contrast = np.zeros(len(self.names))
        contrast[self.index(name)] = 1.0
        return self.contrast(contrast, name=name, df_method=df_method, level=level)

    def contrast(self, contrast: Array, name: str = "contrast", df_method: str = "wald",
                 level: float = 0.95) -> Wald:
        """Inference for ``contrast' beta``: Wald z, or t with Satterthwaite or between-within df."""
        contrast = np.asarray(contrast, dtype=np.float64)
        est = float(contrast @ self.beta)
        se = float(math.sqrt(max(float(contrast @ self.vcov @ contrast), 0.0)))
        stat = est / se if se > 0 else math.nan
        df: float | None
        if df_method == "wald":
            df = None
            crit = float(stats.norm.ppf(0.5 + level / 2))
            p = float(2 * stats.norm.sf(abs(stat)))
        elif df_method in ("satterthwaite", "between-within"):
            if df_method == "satterthwaite":
                df = self.satterthwaite_df(contrast)
            else:
                df = min(self.between_within_df(int(j)) for j in np.flatnonzero(contrast))
            crit = float(stats.t.ppf(0.5 + level / 2, df))
            p = float(2 * stats.t.sf(abs(stat), df))
        else:
            raise ValueError(f"unknown degrees-of-freedom method {df_method!r}; one of {', '.join(DF_METHODS)}")
        return Wald(name=name, estimate=est, se=se, ci=(est - crit * se, est + crit * se), p=p, statistic=stat,
                    df=df, method={"wald": "wald_z", "satterthwaite": "satterthwaite_t",
                                   "between-within": "between_within_t"}[df_method])

    def wald_joint(self, names: Sequence[str]) -> tuple[float, int, float]:
        """Joint Wald chi-squared test that all the named coefficients are 0: (statistic, df, p)."""
        idx = [self.index(n) for n in names]
        b = self.beta[idx]
        v = self.vcov[np.ix_(idx, idx)]
        stat = float(b @ np.linalg.solve(v, b))
        return stat, len(idx), float(stats.chi2.sf(stat, len(idx)))

    def cluster_level_columns(self) -> list[int]:
        """Columns of X that are constant within every cluster (the intercept and cluster-level covariates)."""
        out = []
        for j in range(self.x.shape[1]):
            col = self.x[:, j]
            first = np.full(self.n_clusters, np.nan)
            first[self.cluster[::-1]] = col[::-1]
            if np.allclose(col, first[self.cluster], rtol=0, atol=1e-12):
                out.append(j)
        return out

    def between_within_df(self, j: int) -> float:
        """Between-within df: clusters minus cluster-level parameters for a cluster-level coefficient,
        observations minus clusters minus within-cluster parameters otherwise."""
        between = self.cluster_level_columns()
        if j in between:
            return float(self.n_clusters - len(between))
        return float(self.nobs - self.n_clusters - (len(self.names) - len(between)))

    def _full_deviance(self, theta: float, sigma: float) -> float:
        lam = theta * theta
        t = _terms(self.sums, np.array([lam]))
        dof = self.nobs - len(self.names)
        logdet_a = 2.0 * float(np.log(np.diag(t.chol[0])).sum())
        return float(dof * math.log(2 * math.pi * sigma**2) + np.log1p(self.sums.n[0] * lam).sum()
                     + logdet_a + t.rss[0] / sigma**2)

    def _covbeta(self, theta: float, sigma: float) -> Array:
        t = _terms(self.sums, np.array([theta * theta]))
        return self.transform @ (sigma**2 * np.linalg.inv(t.a[0])) @ self.transform.T

    def satterthwaite_df(self, contrast: Array) -> float:
        """Satterthwaite's df for ``contrast' beta``, as lmerTest computes it: delta method in ``(theta, sigma)``
        with the inverse Hessian of the REML deviance (``2 H^-1``) as the covariance of the variance parameters."""
        varpar = np.array([math.sqrt(self.lam), math.sqrt(self.sigma2)])
        hess = _hessian(lambda v: self._full_deviance(v[0], v[1]), varpar)
        cov_varpar = 2.0 * np.linalg.pinv(hess)
        var_con = float(contrast @ self.vcov @ contrast)
        grad = np.array([float(contrast @ g @ contrast)
                         for g in _jacobian_matrix(lambda v: self._covbeta(v[0], v[1]), varpar)])
        denom = float(grad @ cov_varpar @ grad)
        if denom <= 0:
            return math.inf
        return 2.0 * var_con**2 / denom

    # -- ICC ------------------------------------------------------------------------------------------------

    def icc_profile_ci(self, level: float = 0.95) -> tuple[float, float]:
        """Profile-likelihood (REML) interval for the ICC: ``{lam : dev(lam) - dev(lam_hat) <= chi2_1(level)}``."""
        crit = float(stats.chi2.ppf(level, 1))
        dev_hat = self.deviance

        def excess(u: float) -> float:
            return float(reml_deviance(self.sums, np.array([_to_lam(np.array(u))]))[0]) - dev_hat - crit

        u_hat = self.lam / (1.0 + self.lam)
        lower = 0.0 if excess(0.0) <= 0 else float(optimize.brentq(excess, 0.0, u_hat, xtol=1e-14))
        u_top = _to_u(np.array(MAX_LAMBDA)).item()
        upper = 1.0 if excess(u_top) <= 0 else float(optimize.brentq(excess, u_hat, u_top, xtol=1e-14))
        return lower, upper


def _richardson(f: Any, h: float, levels: int = 4) -> Any:
    """Richardson extrapolation of a central-difference estimate ``f(h)`` (error O(h^2))."""
    table = [f(h / 2**k) for k in range(levels)]
    for m in range(1, levels):
        table = [(4**m * table[k + 1] - table[k]) / (4**m - 1) for k in range(len(table) - 1)]
    return table[0]


def _step(x: float) -> float:
    return 1e-4 * abs(x) + (1e-4 if x == 0 else 0.0)


def _hessian(f: Any, x: Array) -> Array:
    k = x.size
    h = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            hi, hj = _step(x[i]), _step(x[j])

            def second(scale: float, i: int = i, j: int = j, hi: float = hi, hj: float = hj) -> float:
                ei = np.zeros(k)
                ej = np.zeros(k)
                ei[i] = hi * scale
                ej[j] = hj * scale
                return float((f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej))
                             / (4 * hi * hj * scale * scale))

            h[i, j] = h[j, i] = _richardson(second, 1.0)
    return h


def _jacobian_matrix(f: Any, x: Array) -> list[Array]:
    out = []
    for i in range(x.size):
        hi = _step(x[i])

        def first(scale: float, i: int = i, hi: float = hi) -> Array:
            e = np.zeros(x.size)
            e[i] = hi * scale
            return np.asarray((f(x + e) - f(x - e)) / (2 * hi * scale))

        out.append(_richardson(first, 1.0))
    return out


def fit(y: Sequence[float] | Array, x: Array, clusters: Sequence[Hashable], names: Sequence[str],
        grid: Array | None = None) -> MixedFit:
    """Fit ``y ~ X + (1 | cluster)`` by REML. ``x`` includes the intercept column; ``names`` label its columns.

    Non-intercept columns and ``y`` are centred before the sums are formed (the estimates are mapped back), so
    large outcome means lose no precision.
    """
    y_arr = np.asarray(y, dtype=np.float64)
    x_arr = np.asarray(x, dtype=np.float64)
    if x_arr.ndim != 2 or x_arr.shape[0] != y_arr.size or x_arr.shape[1] != len(names):
        raise ModelError("the design matrix, outcome and names do not match in size")
    labels, cluster = np.unique(np.asarray([str(c) for c in clusters]), return_inverse=True)
    n_clusters = labels.size
    nobs, p = x_arr.shape
    if n_clusters < 2:
        raise ModelError("the model needs at least 2 clusters")
    if nobs <= p:
        raise ModelError(f"{nobs} observations cannot support {p} fixed-effect parameters")
    if np.linalg.matrix_rank(x_arr) < p:
        raise ModelError("the fixed effects are collinear (a covariate is constant or duplicates another)")
    intercept = np.all(x_arr == 1.0, axis=0)
    centre = np.where(intercept, 0.0, x_arr.mean(axis=0))
    y_centre = float(y_arr.mean()) if intercept.any() else 0.0
    xc = x_arr - centre
    yc = y_arr - y_centre
    sums = cluster_sums(yc, xc, cluster.astype(np.intp), n_clusters)
    bf = fit_batch(sums, grid=grid)
    beta_c = bf.beta[0]
    vcov_c = bf.vcov[0]
    # Map back: X = Xc M^-1 with M = I - e_0 centre' on the intercept row, so beta = M beta_c.
    m = np.eye(p)
    if intercept.any():
        i0 = int(np.argmax(intercept))
        m[i0, :] -= centre
        m[i0, i0] = 1.0
    beta = m @ beta_c
    if intercept.any():
        beta[int(np.argmax(intercept))] += y_centre
    vcov = m @ vcov_c @ m.T
    return MixedFit(names=list(names), beta=beta, vcov=vcov, sigma2=float(bf.sigma2[0]), tau2=float(bf.tau2[0]),
                    lam=float(bf.lam[0]), deviance=float(bf.deviance[0]), nobs=int(nobs), n_clusters=int(n_clusters),
                    boundary=bool(bf.boundary[0]), sums=sums, x=x_arr, transform=m, cluster=cluster.astype(np.intp),
                    x_centre=centre, y_centre=y_centre)


# --------------------------------------------------------------------------------------------------------------
# Crude ICC with Searle's interval


@dataclass(frozen=True)
class CrudeIcc:
    icc: float
    ci: tuple[float, float]
    anova_icc: float
    n_clusters: int
    nobs: int
    method: str = "reml_intercept_only; ci=searle_f"

    def as_dict(self) -> dict[str, Any]:
        return {"icc": self.icc, "ci": [self.ci[0], self.ci[1]], "anova_icc": self.anova_icc,
                "clusters": self.n_clusters, "n": self.nobs, "method": self.method}


def searle_icc_ci(y: Sequence[float] | Array, clusters: Sequence[Hashable],
                  level: float = 0.95) -> tuple[float, tuple[float, float]]:
    """One-way ANOVA ICC and Searle's F-based interval (unbalanced clusters via ``n0``), truncated to [0, 1]."""
    y_arr = np.asarray(y, dtype=np.float64)
    labels, idx = np.unique(np.asarray([str(c) for c in clusters]), return_inverse=True)
    k = labels.size
    n = y_arr.size
    if k < 2 or n <= k:
        raise ModelError("an ICC needs at least 2 clusters and more observations than clusters")
    sizes = np.bincount(idx).astype(np.float64)
    means = np.bincount(idx, weights=y_arr) / sizes
    grand = y_arr.mean()
    ssb = float((sizes * (means - grand) ** 2).sum())
    ssw = float(((y_arr - means[idx]) ** 2).sum())
    msb = ssb / (k - 1)
    msw = ssw / (n - k)
    n0 = (n - float((sizes**2).sum()) / n) / (k - 1)
    icc = (msb - msw) / (msb + (n0 - 1) * msw) if msb + (n0 - 1) * msw > 0 else 0.0
    f_obs = msb / msw if msw > 0 else math.inf
    alpha = 1 - level
    f_hi = float(stats.f.ppf(1 - alpha / 2, k - 1, n - k))
    f_lo = float(stats.f.ppf(alpha / 2, k - 1, n - k))
    fl = f_obs / f_hi
    fu = f_obs / f_lo

    def bound(fv: float) -> float:
        if math.isinf(fv):
            return 1.0
        return min(1.0, max(0.0, (fv - 1) / (fv + n0 - 1)))

    return icc, (bound(fl), bound(fu))


def crude_icc(y: Sequence[float] | Array, clusters: Sequence[Hashable], level: float = 0.95) -> CrudeIcc:
    """The crude ICC: REML estimate from the intercept-only random-intercept model, Searle's F-based CI."""
    y_arr = np.asarray(y, dtype=np.float64)
    model = fit(y_arr, np.ones((y_arr.size, 1)), clusters, ["(Intercept)"])
    anova, ci = searle_icc_ci(y_arr, clusters, level)
    return CrudeIcc(icc=model.icc, ci=ci, anova_icc=anova, n_clusters=model.n_clusters, nobs=model.nobs)


# --------------------------------------------------------------------------------------------------------------
# Many datasets sharing one cluster structure (multiple imputations, bootstrap replicates, ...)


def batch_sums(ys: Array, xs: Array, cluster: NDArray[np.intp], n_clusters: int) -> ClusterSums:
    """Sufficient statistics of ``S`` datasets ``(ys[s], xs[s])`` that share the cluster index ``cluster``.

    Each dataset's non-intercept columns and outcome are centred first (slopes, variance components and their
    covariance are unchanged; the intercept then refers to the centred data).
    """
    ys = np.asarray(ys, dtype=np.float64)
    xs = np.asarray(xs, dtype=np.float64)
    intercept = np.all(xs == 1.0, axis=1, keepdims=True)
    xs = xs - np.where(intercept, 0.0, xs.mean(axis=1, keepdims=True))
    ys = ys - ys.mean(axis=1, keepdims=True)
    member = np.zeros((n_clusters, ys.shape[1]))
    member[cluster, np.arange(ys.shape[1])] = 1.0
    n = np.broadcast_to(member.sum(axis=1), (ys.shape[0], n_clusters)).copy()
    s = np.einsum("kn,snp->skp", member, xs)
    t = ys @ member.T
    return ClusterSums(n=n, s=s, t=t, xtx=np.einsum("snp,snq->spq", xs, xs), xty=np.einsum("snp,sn->sp", xs, ys),
                       yty=np.einsum("sn,sn->s", ys, ys))


def fit_many(ys: Array, xs: Array, clusters: Sequence[Hashable]) -> BatchFit:
    """Fit ``S`` datasets that share one cluster structure, in one vectorised pass (see :func:`batch_sums`)."""
    _labels, idx = np.unique(np.asarray([str(c) for c in clusters]), return_inverse=True)
    return fit_batch(batch_sums(ys, xs, idx.astype(np.intp), int(_labels.size)))
