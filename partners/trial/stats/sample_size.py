"""Sample size, power and detectable difference for a two-arm cluster randomised trial (continuous outcome).

The formulas of trial.md, each factor kept so that the working can be shown:

- individually randomised, per arm: ``n = 2 (z_{1-a/2} + z_{1-b})^2 / D^2`` with ``D = delta / sd``;
- design effect for unequal cluster sizes (Eldridge, Ashby and Kerry 2006): ``DE = 1 + ((cv^2 + 1) m - 1) rho``;
- baseline adjustment (ANCOVA): multiply by ``1 - r^2``;
- analysable participants ``= 2 n DE (1 - r^2)`` (not rounded);
- attrition factor ``f = 1 / ((1 - individual dropout) (1 - cluster dropout))``;
- recruited participants ``= m * ceil(analysable * f / m)``, clusters ``= recruited / m``.

With ``t_approx=True`` the normal quantiles are replaced by t quantiles with ``df = analysable clusters - 2``
(analysable clusters = analysable participants / m, not rounded), iterated to a fixed point.

The inverse problems use the same quantities: :func:`power_for_design` takes a number of recruited clusters
``K`` of mean size ``m``, so analysable participants are ``K m / f`` and the equivalent individually
randomised size per arm is ``analysable / (2 DE (1 - r^2))``; power is ``Phi(D sqrt(n / 2) - z_{1-a/2})``
(the one-sided approximation that the sample size formula inverts). :func:`detectable_difference` solves the
same equation for ``delta``.

Everything here is pure Python with scipy's distributions; the CLI (``partners trial sample-size``,
``partners trial power`` without ``--simulate``, ``partners trial detectable-difference``) prints
:meth:`SampleSize.as_dict` and friends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from scipy import stats

MAX_T_ITERATIONS = 200


def _check(name: str, value: float, low: float, high: float, *, low_open: bool = False,
           high_open: bool = False) -> None:
    bad_low = value <= low if low_open else value < low
    bad_high = value >= high if high_open else value > high
    if math.isnan(value) or bad_low or bad_high:
        lo = "(" if low_open else "["
        hi = ")" if high_open else "]"
        raise ValueError(f"{name} must be in {lo}{low:g}, {high:g}{hi}; got {value:g}")


def design_effect(icc: float, mean_cluster_size: float, cv: float = 0.0) -> float:
    """Eldridge's design effect for clusters of unequal size: ``1 + ((cv^2 + 1) m - 1) rho``."""
    return 1.0 + ((cv**2 + 1.0) * mean_cluster_size - 1.0) * icc


def attrition_factor(dropout: float = 0.0, cluster_dropout: float = 0.0) -> float:
    """``1 / ((1 - individual dropout)(1 - cluster dropout))``."""
    return 1.0 / ((1.0 - dropout) * (1.0 - cluster_dropout))


def _validate_common(*, sd: float, alpha: float, icc: float, mean_cluster_size: float, cv: float,
                     baseline_correlation: float | None, dropout: float, cluster_dropout: float) -> None:
    _check("sd", sd, 0.0, math.inf, low_open=True, high_open=True)
    _check("alpha", alpha, 0.0, 1.0, low_open=True, high_open=True)
    _check("icc", icc, 0.0, 1.0, high_open=True)
    _check("mean cluster size", mean_cluster_size, 1.0, math.inf, high_open=True)
    _check("cv", cv, 0.0, math.inf, high_open=True)
    if baseline_correlation is not None:
        _check("baseline correlation", baseline_correlation, -1.0, 1.0, low_open=True, high_open=True)
    _check("dropout", dropout, 0.0, 1.0, high_open=True)
    _check("cluster dropout", cluster_dropout, 0.0, 1.0, high_open=True)


@dataclass(frozen=True)
class SampleSize:
    """Every factor of the calculation, in the order it is applied."""

    delta: float
    sd: float
    alpha: float
    power: float
    icc: float
    mean_cluster_size: float
    cv: float
    baseline_correlation: float | None
    dropout: float
    cluster_dropout: float
    t_approx: bool
    standardised_difference: float
    quantile_alpha: float
    quantile_power: float
    degrees_of_freedom: float | None
    n_per_arm_individual: float
    design_effect: float
    baseline_factor: float
    analysable_participants: float
    attrition_factor: float
    participants: int
    clusters: int
    working: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "analysable_participants": self.analysable_participants,
            "participants": self.participants,
            "clusters": self.clusters,
            "design_effect": self.design_effect,
            "inputs": {
                "delta": self.delta, "sd": self.sd, "alpha": self.alpha, "power": self.power, "icc": self.icc,
                "mean_cluster_size": self.mean_cluster_size, "cv": self.cv,
                "baseline_correlation": self.baseline_correlation, "dropout": self.dropout,
                "cluster_dropout": self.cluster_dropout, "t_approx": self.t_approx,
            },
            "factors": {
                "standardised_difference": self.standardised_difference,
                "quantile_alpha": self.quantile_alpha,
                "quantile_power": self.quantile_power,
                "degrees_of_freedom": self.degrees_of_freedom,
                "n_per_arm_individual": self.n_per_arm_individual,
                "design_effect": self.design_effect,
                "baseline_factor": self.baseline_factor,
                "analysable_participants": self.analysable_participants,
                "attrition_factor": self.attrition_factor,
                "participants": self.participants,
                "clusters": self.clusters,
            },
            "working": list(self.working),
        }


def _quantiles(alpha: float, power: float, df: float | None) -> tuple[float, float]:
    if df is None:
        return float(stats.norm.ppf(1 - alpha / 2)), float(stats.norm.ppf(power))
    return float(stats.t.ppf(1 - alpha / 2, df)), float(stats.t.ppf(power, df))


def sample_size(*, delta: float, sd: float, power: float, icc: float, mean_cluster_size: float,
                alpha: float = 0.05, cv: float = 0.0, baseline_correlation: float | None = None,
                dropout: float = 0.0, cluster_dropout: float = 0.0, t_approx: bool = False) -> SampleSize:
    """Participants and clusters for a two-arm cluster trial (trial.md), every factor shown."""
    _validate_common(sd=sd, alpha=alpha, icc=icc, mean_cluster_size=mean_cluster_size, cv=cv,
                     baseline_correlation=baseline_correlation, dropout=dropout, cluster_dropout=cluster_dropout)
    _check("power", power, 0.0, 1.0, low_open=True, high_open=True)
    if delta == 0 or math.isnan(delta):
        raise ValueError("delta must be a non-zero difference")
    m = mean_cluster_size
    d = abs(delta) / sd
    de = design_effect(icc, m, cv)
    r = baseline_correlation or 0.0
    bf = 1.0 - r**2

    def analysable_from(n_individual: float) -> float:
        return 2.0 * n_individual * de * bf

    z_a, z_b = _quantiles(alpha, power, None)
    n_ind = 2.0 * (z_a + z_b) ** 2 / d**2
    df: float | None = None
    if t_approx:
        for _ in range(MAX_T_ITERATIONS):
            df = analysable_from(n_ind) / m - 2.0
            if df < 1.0:
                df = 1.0
            z_a, z_b = _quantiles(alpha, power, df)
            n_new = 2.0 * (z_a + z_b) ** 2 / d**2
            if abs(n_new - n_ind) < 1e-12 * max(1.0, n_ind):
                n_ind = n_new
                break
            n_ind = n_new
        else:  # pragma: no cover - the iteration is a contraction for every sensible design
            raise ValueError("the t approximation did not converge")
        df = analysable_from(n_ind) / m - 2.0
    analysable = analysable_from(n_ind)
    f = attrition_factor(dropout, cluster_dropout)
    clusters = math.ceil(analysable * f / m - 1e-9)
    participants_float = m * clusters
    participants = round(participants_float)
    qname = "t" if t_approx else "z"
    working = [
        f"standardised difference D = delta / sd = {abs(delta):g} / {sd:g} = {d:.5f}",
        f"{qname}(1 - alpha/2) = {z_a:.5f}, {qname}(power) = {z_b:.5f}"
        + (f" (t with {df:.2f} df = analysable clusters - 2)" if t_approx and df is not None else ""),
        f"individually randomised, per arm: n = 2 ({z_a:.5f} + {z_b:.5f})^2 / {d:.5f}^2 = {n_ind:.3f}",
        f"design effect DE = 1 + ((cv^2 + 1) m - 1) icc = 1 + (({cv:g}^2 + 1) x {m:g} - 1) x {icc:g} = {de:.5f}",
        f"baseline adjustment 1 - r^2 = 1 - {r:g}^2 = {bf:.5f}",
        f"analysable participants = 2 n DE (1 - r^2) = 2 x {n_ind:.3f} x {de:.5f} x {bf:.5f} = {analysable:.1f}",
        f"attrition factor f = 1 / ((1 - {dropout:g}) (1 - {cluster_dropout:g})) = {f:.5f}",
        f"recruited participants = m ceil(analysable f / m) = {m:g} x ceil({analysable * f / m:.3f}) = {participants}",
        f"clusters = recruited / m = {clusters}",
    ]
    return SampleSize(
        delta=delta, sd=sd, alpha=alpha, power=power, icc=icc, mean_cluster_size=m, cv=cv,
        baseline_correlation=baseline_correlation, dropout=dropout, cluster_dropout=cluster_dropout,
        t_approx=t_approx, standardised_difference=d, quantile_alpha=z_a, quantile_power=z_b,
        degrees_of_freedom=df, n_per_arm_individual=n_ind, design_effect=de, baseline_factor=bf,
        analysable_participants=analysable, attrition_factor=f, participants=participants, clusters=clusters,
        working=working,
    )


@dataclass(frozen=True)
class DesignPower:
    power: float
    delta: float
    clusters: float
    participants: float
    analysable_participants: float
    n_per_arm_equivalent: float
    design_effect: float
    baseline_factor: float
    attrition_factor: float
    degrees_of_freedom: float | None
    working: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "power": self.power,
            "delta": self.delta,
            "clusters": self.clusters,
            "participants": self.participants,
            "analysable_participants": self.analysable_participants,
            "n_per_arm_equivalent": self.n_per_arm_equivalent,
            "design_effect": self.design_effect,
            "baseline_factor": self.baseline_factor,
            "attrition_factor": self.attrition_factor,
            "degrees_of_freedom": self.degrees_of_freedom,
            "working": list(self.working),
        }


def _design_information(*, clusters: float, mean_cluster_size: float, icc: float, cv: float,
                        baseline_correlation: float | None, dropout: float,
                        cluster_dropout: float) -> tuple[float, float, float, float, float]:
    if clusters < 2:
        raise ValueError(f"a cluster trial needs at least 2 clusters; got {clusters:g}")
    m = mean_cluster_size
    de = design_effect(icc, m, cv)
    r = baseline_correlation or 0.0
    bf = 1.0 - r**2
    f = attrition_factor(dropout, cluster_dropout)
    analysable = clusters * m / f
    n_equiv = analysable / (2.0 * de * bf)
    return analysable, n_equiv, de, bf, f


def power_for_design(*, clusters: float, mean_cluster_size: float, delta: float, sd: float, icc: float,
                     alpha: float = 0.05, cv: float = 0.0, baseline_correlation: float | None = None,
                     dropout: float = 0.0, cluster_dropout: float = 0.0, t_approx: bool = False) -> DesignPower:
    """Analytic power of a design with ``clusters`` recruited clusters (both arms) of mean size ``m``."""
    _validate_common(sd=sd, alpha=alpha, icc=icc, mean_cluster_size=mean_cluster_size, cv=cv,
                     baseline_correlation=baseline_correlation, dropout=dropout, cluster_dropout=cluster_dropout)
    analysable, n_equiv, de, bf, f = _design_information(
        clusters=clusters, mean_cluster_size=mean_cluster_size, icc=icc, cv=cv,
        baseline_correlation=baseline_correlation, dropout=dropout, cluster_dropout=cluster_dropout)
    d = abs(delta) / sd
    ncp = d * math.sqrt(n_equiv / 2.0)
    df: float | None = None
    if t_approx:
        df = max(analysable / mean_cluster_size - 2.0, 1.0)
        crit = float(stats.t.ppf(1 - alpha / 2, df))
        power = float(stats.t.cdf(ncp - crit, df))
    else:
        crit = float(stats.norm.ppf(1 - alpha / 2))
        power = float(stats.norm.cdf(ncp - crit))
    working = [
        f"analysable participants = K m / f = {clusters:g} x {mean_cluster_size:g} / {f:.5f} = {analysable:.1f}",
        f"design effect DE = {de:.5f}, baseline adjustment 1 - r^2 = {bf:.5f}",
        f"equivalent individually randomised n per arm = analysable / (2 DE (1 - r^2)) = {n_equiv:.3f}",
        f"power = P(N(0,1) < D sqrt(n / 2) - crit) = Phi({ncp:.5f} - {crit:.5f}) = {power:.5f}"
        if not t_approx else
        f"power = P(T_{df:.2f} < D sqrt(n / 2) - crit) = T({ncp:.5f} - {crit:.5f}) = {power:.5f}",
    ]
    return DesignPower(power=power, delta=delta, clusters=clusters, participants=clusters * mean_cluster_size,
                       analysable_participants=analysable, n_per_arm_equivalent=n_equiv, design_effect=de,
                       baseline_factor=bf, attrition_factor=f, degrees_of_freedom=df, working=working)


def detectable_difference(*, clusters: float, mean_cluster_size: float, sd: float, icc: float, power: float,
                          alpha: float = 0.05, cv: float = 0.0, baseline_correlation: float | None = None,
                          dropout: float = 0.0, cluster_dropout: float = 0.0,
                          t_approx: bool = False) -> DesignPower:
    """The smallest difference ``delta`` the design detects with the given power (two-sided alpha)."""
    _validate_common(sd=sd, alpha=alpha, icc=icc, mean_cluster_size=mean_cluster_size, cv=cv,
                     baseline_correlation=baseline_correlation, dropout=dropout, cluster_dropout=cluster_dropout)
    _check("power", power, 0.0, 1.0, low_open=True, high_open=True)
    analysable, n_equiv, de, bf, f = _design_information(
        clusters=clusters, mean_cluster_size=mean_cluster_size, icc=icc, cv=cv,
        baseline_correlation=baseline_correlation, dropout=dropout, cluster_dropout=cluster_dropout)
    df: float | None = max(analysable / mean_cluster_size - 2.0, 1.0) if t_approx else None
    q_a, q_b = _quantiles(alpha, power, df)
    d = (q_a + q_b) * math.sqrt(2.0 / n_equiv)
    delta = d * sd
    working = [
        f"analysable participants = K m / f = {clusters:g} x {mean_cluster_size:g} / {f:.5f} = {analysable:.1f}",
        f"design effect DE = {de:.5f}, baseline adjustment 1 - r^2 = {bf:.5f}",
        f"equivalent individually randomised n per arm = {n_equiv:.3f}",
        f"D = (q(1 - alpha/2) + q(power)) sqrt(2 / n) = ({q_a:.5f} + {q_b:.5f}) x sqrt(2 / {n_equiv:.3f}) = {d:.5f}",
        f"delta = D sd = {d:.5f} x {sd:g} = {delta:.5f}",
    ]
    return DesignPower(power=power, delta=delta, clusters=clusters, participants=clusters * mean_cluster_size,
                       analysable_participants=analysable, n_per_arm_equivalent=n_equiv, design_effect=de,
                       baseline_factor=bf, attrition_factor=f, degrees_of_freedom=df, working=working)
