"""Randomisation of practices by minimisation (Pocock and Simon, with a random element).

For a new practice and each arm ``t``: for every factor, the counts of practices already allocated to each arm at
the new practice's level of that factor, with the new practice added to ``t`` (divided by the arm's ratio weight
when the allocation ratio is not 1:1); the imbalance on the factor is the range (max - min) of those counts; the
total ``G_t`` is the weighted sum over factors. The arm with the smallest total is *preferred* and allocated
with probability ``p`` (default 0.8); otherwise another arm is chosen (for two arms, the other one; for more, one
of the others at random). The first practice, and any practice whose totals tie, is allocated at random in
proportion to the allocation ratio.

Reproducibility and the allocation log: each decision uses ONE uniform number ``u`` derived from the trial's
seed and the allocation's sequence number (``sha256("<seed>:<sequence>")``, first 8 bytes / 2^64), so the
"random state" is just ``(seed, sequence)``: nothing else to store, independent of library versions, and any
allocation can be re-derived from the stored seed and the earlier allocations. The platform allocates practices
one at a time as they finish baseline recruitment with :func:`allocate_next` (pure: previous allocations in,
decision out, with the scores and the draw for the append-only log); :func:`minimise` folds it over a list.

Also: :func:`balance` (marginal balance per factor level) and :func:`simulate_imbalance` (the distribution of
imbalance over simulated runs with fresh seeds and, optionally, shuffled arrival orders, next to simple
randomisation for comparison).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ARMS = ("intervention", "control")


@dataclass(frozen=True)
class MinimisationConfig:
    factors: tuple[str, ...]
    weights: tuple[float, ...] = ()
    arms: tuple[str, ...] = ARMS
    ratio: tuple[float, ...] = ()
    p: float = 0.8

    def __post_init__(self) -> None:
        if not self.factors:
            raise ValueError("minimisation needs at least one factor")
        if len(set(self.factors)) != len(self.factors):
            raise ValueError("a factor is listed twice")
        weights = self.weights or tuple(1.0 for _ in self.factors)
        ratio = self.ratio or tuple(1.0 for _ in self.arms)
        if len(weights) != len(self.factors):
            raise ValueError(f"{len(weights)} weights for {len(self.factors)} factors")
        if len(ratio) != len(self.arms):
            raise ValueError(f"an allocation ratio of {len(ratio)} parts for {len(self.arms)} arms")
        if any(w < 0 for w in weights) or not any(w > 0 for w in weights):
            raise ValueError("factor weights must be non-negative and not all zero")
        if any(r <= 0 for r in ratio):
            raise ValueError("allocation ratio parts must be positive")
        if len(self.arms) < 2 or len(set(self.arms)) != len(self.arms):
            raise ValueError("minimisation needs at least two distinct arms")
        if not 0.0 <= self.p <= 1.0:
            raise ValueError(f"p must be a probability; got {self.p:g}")
        object.__setattr__(self, "weights", tuple(float(w) for w in weights))
        object.__setattr__(self, "ratio", tuple(float(r) for r in ratio))


@dataclass(frozen=True)
class Allocation:
    """One decision, with everything the append-only allocation log needs to show how it was made."""

    sequence: int
    practice_id: str
    levels: Mapping[str, str]
    arm: str
    method: str  # "first", "tie", "preferred" or "random_element"
    preferred: str | None
    scores: Mapping[str, float] = field(default_factory=dict)
    draw: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"sequence": self.sequence, "practice_id": self.practice_id, "levels": dict(self.levels),
                "arm": self.arm, "method": self.method, "preferred": self.preferred, "scores": dict(self.scores),
                "draw": self.draw}


def uniform(seed: int | str, sequence: int) -> float:
    """The uniform number in [0, 1) for allocation ``sequence`` of the trial with ``seed``."""
    digest = hashlib.sha256(f"{seed}:{sequence}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def _pick_by_ratio(arms: Sequence[str], ratio: Sequence[float], u: float) -> str:
    total = float(sum(ratio))
    acc = 0.0
    for arm, r in zip(arms, ratio, strict=True):
        acc += r / total
        if u < acc:
            return arm
    return arms[-1]


def imbalance_scores(previous: Sequence[Allocation], levels: Mapping[str, str],
                     config: MinimisationConfig) -> dict[str, float]:
    """``G_t`` for each arm: the weighted sum over factors of the range of (ratio-adjusted) arm counts at the
    new practice's level after adding it to ``t``."""
    counts = {f: dict.fromkeys(config.arms, 0.0) for f in config.factors}
    for a in previous:
        for f in config.factors:
            if a.levels.get(f) == levels[f]:
                counts[f][a.arm] += 1.0
    ratio = dict(zip(config.arms, config.ratio, strict=True))
    scores = {}
    for t in config.arms:
        total = 0.0
        for f, w in zip(config.factors, config.weights, strict=True):
            adjusted = [(counts[f][arm] + (1.0 if arm == t else 0.0)) / ratio[arm] for arm in config.arms]
            total += w * (max(adjusted) - min(adjusted))
        scores[t] = total
    return scores


def allocate_next(previous: Sequence[Allocation], practice_id: str, levels: Mapping[str, str], *,
                  config: MinimisationConfig, seed: int | str) -> Allocation:
    """Allocate one new practice given every earlier allocation (in order) and the trial's seed."""
    missing = [f for f in config.factors if not str(levels.get(f, "")).strip()]
    if missing:
        raise ValueError(f"practice {practice_id!r} has no value for {', '.join(missing)}")
    if any(a.practice_id == practice_id for a in previous):
        raise ValueError(f"practice {practice_id!r} is already allocated")
    levels = {f: str(levels[f]) for f in config.factors}
    sequence = len(previous)
    u = uniform(seed, sequence)
    if not previous:
        arm = _pick_by_ratio(config.arms, config.ratio, u)
        return Allocation(sequence, practice_id, levels, arm, "first", None, {}, u)
    scores = imbalance_scores(previous, levels, config)
    best = min(scores.values())
    leaders = [t for t in config.arms if abs(scores[t] - best) < 1e-12]
    if len(leaders) == len(config.arms):
        arm = _pick_by_ratio(config.arms, config.ratio, u)
        return Allocation(sequence, practice_id, levels, arm, "tie", None, scores, u)
    if len(leaders) > 1:  # more than two arms, several share the smallest total: the first in arm order leads
        leaders = leaders[:1]
    preferred = leaders[0]
    if u < config.p:
        return Allocation(sequence, practice_id, levels, preferred, "preferred", preferred, scores, u)
    others = [t for t in config.arms if t != preferred]
    v = (u - config.p) / (1.0 - config.p) if config.p < 1 else 0.0
    arm = others[min(int(v * len(others)), len(others) - 1)]
    return Allocation(sequence, practice_id, levels, arm, "random_element", preferred, scores, u)


def minimise(practices: Sequence[tuple[str, Mapping[str, str]]], *, config: MinimisationConfig,
             seed: int | str) -> list[Allocation]:
    """Allocate practices in arrival order (``(practice_id, {factor: level})`` pairs)."""
    out: list[Allocation] = []
    for practice_id, levels in practices:
        out.append(allocate_next(out, practice_id, levels, config=config, seed=seed))
    return out


def balance(allocations: Sequence[Allocation], config: MinimisationConfig) -> dict[str, Any]:
    """Marginal balance: for each factor level, practices per arm and the imbalance (range of counts)."""
    arms_total = {t: sum(1 for a in allocations if a.arm == t) for t in config.arms}
    factors: dict[str, Any] = {}
    for f in config.factors:
        levels = sorted({a.levels[f] for a in allocations})
        rows = {}
        total = 0
        for level in levels:
            counts = {t: sum(1 for a in allocations if a.arm == t and a.levels[f] == level) for t in config.arms}
            imbalance = max(counts.values()) - min(counts.values())
            total += imbalance
            rows[level] = {**counts, "imbalance": imbalance}
        factors[f] = {"levels": rows, "total_imbalance": total}
    return {"arms": arms_total, "arm_imbalance": max(arms_total.values()) - min(arms_total.values()),
            "factors": factors}


def _summarise(values: np.ndarray) -> dict[str, Any]:
    vals, counts = np.unique(values, return_counts=True)
    return {"mean": float(values.mean()), "p95": float(np.percentile(values, 95)), "max": int(values.max()),
            "distribution": {str(int(v)): int(c) for v, c in zip(vals, counts, strict=True)}}


def simulate_imbalance(practices: Sequence[tuple[str, Mapping[str, str]]], *, config: MinimisationConfig,
                       runs: int = 1000, seed: int = 0, shuffle: bool = True) -> dict[str, Any]:
    """Distribution of imbalance (per factor: total over levels of the range; and overall arm sizes) over
    ``runs`` simulated allocations of these practices (fresh seeds; arrival order shuffled when ``shuffle``),
    for minimisation and, for comparison, simple randomisation in the allocation ratio."""
    if runs < 1:
        raise ValueError("runs must be at least 1")
    rng = np.random.default_rng(seed)
    keys = [*config.factors, "arms"]
    mini = {k: np.zeros(runs, dtype=np.int64) for k in keys}
    simple = {k: np.zeros(runs, dtype=np.int64) for k in keys}
    for r in range(runs):
        order = rng.permutation(len(practices)) if shuffle else np.arange(len(practices))
        seq = [practices[i] for i in order]
        allocs = minimise(seq, config=config, seed=f"sim-{seed}-{r}")
        rand = [Allocation(i, pid, {f: str(lv[f]) for f in config.factors},
                           _pick_by_ratio(config.arms, config.ratio, float(rng.random())), "simple", None)
                for i, (pid, lv) in enumerate(seq)]
        for target, group in ((mini, allocs), (simple, rand)):
            b = balance(group, config)
            for f in config.factors:
                target[f][r] = b["factors"][f]["total_imbalance"]
            target["arms"][r] = b["arm_imbalance"]
    return {
        "runs": runs, "seed": seed, "shuffled_order": shuffle,
        "measure": "per factor: sum over levels of the range of arm counts; arms: range of arm sizes",
        "minimisation": {k: _summarise(v) for k, v in mini.items()},
        "simple_randomisation": {k: _summarise(v) for k, v in simple.items()},
    }
