"""Disclosure control for published figures below national level (nhs-standards.md).

Counts 1-7 are shown as ``*``; every other count is rounded to the nearest 5; means and medians based
on 1-7 people are suppressed; percentages are computed from the rounded values; and no suppressed cell
may be recoverable from totals and margins. Pure Python.

Single figures go through :func:`count`, :func:`statistic` and :func:`percentage`. Whole tables - cells
tied together by additive equations (rows and columns summing to their margins, months summing to a
period total, practices to their PCN, categories to the whole) - go through :func:`protect`, which:

1. suppresses every count of 1 to ``max_suppressed`` (primary suppression);
2. makes sure no equation is left with exactly one suppressed entry, which plain subtraction would
   recover: it suppresses another entry of that equation (the smallest non-zero one, a cell before a
   margin), and repeats until every equation has none or at least two (secondary suppression);
3. rounds everything else to the nearest ``rounding_base``, each cell and each total independently;
4. audits the result the way an attacker would: from the published table alone (a rounded value ``p``
   means ``p - 2 .. p + 2``, and at least 8 because smaller counts are never shown; ``*`` means at
   least 1; ``0`` means 0) it tightens integer bounds on every cell with every equation until nothing
   changes (:func:`attacker_bounds`). Rounding hides most suppressed cells by itself, but not all (a
   row ``1, 1, 8, 8, 8, 8, 8`` with total ``42`` publishes as ``*, *, 10, 10, 10, 10, 10`` and ``40``:
   the two stars must be 1). Any suppressed cell the audit narrows to a single value gets another
   entry of its equations suppressed, and steps 2-4 repeat.

Cells whose status was settled in another table (a PCN's row, decided when the ICS's table of PCNs was
protected, and shown again as the margin of the PCN's table of practices) are passed as ``fixed``: their
status never changes here, so every view of the same figure shows it the same way.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

SUPPRESSED = "*"
INF = math.inf



@dataclass(frozen=True)
class Policy:
    max_suppressed: int = 7
    rounding_base: int = 5


def round_half_up(value: int, base: int) -> int:
    return int((value + base / 2) // base * base)


def count(value: int, policy: Policy = Policy()) -> int | str:
    if value < 0:
        raise ValueError("a count cannot be negative")
    if 1 <= value <= policy.max_suppressed:
        return SUPPRESSED
    return round_half_up(value, policy.rounding_base) if value else 0


def statistic(value: float | None, n: int, policy: Policy = Policy()) -> float | str | None:
    """A mean or median: suppressed when it rests on 1-7 people."""
    if n == 0 or value is None:
        return None
    if n <= policy.max_suppressed:
        return SUPPRESSED
    return value


def percentage(numerator: int, denominator: int, policy: Policy = Policy()) -> float | str | None:
    num, den = count(numerator, policy), count(denominator, policy)
    return published_percentage(num, den)


def published_percentage(num: int | str | None, den: int | str | None) -> float | str | None:
    """A percentage from two already published (rounded or suppressed) counts."""
    if den == SUPPRESSED or num == SUPPRESSED:
        return SUPPRESSED
    if not den or num is None:
        return None
    return round(100.0 * float(num) / float(den), 1)


# --------------------------------------------------------------------------------------------------
# Tables


class Equation(NamedTuple):
    """``total`` equals the sum of ``parts`` (all keys of cells in the same table)."""

    total: Hashable
    parts: tuple[Hashable, ...]

    def entries(self) -> tuple[Hashable, ...]:
        return (*self.parts, self.total)


@dataclass
class Protected:
    """The published table: every key maps to a rounded count or ``*``."""

    published: dict[Hashable, int | str]
    primary: set[Hashable] = field(default_factory=set)
    secondary: set[Hashable] = field(default_factory=set)
    rounds: int = 0

    @property
    def suppressed(self) -> set[Hashable]:
        return self.primary | self.secondary

    def is_suppressed(self, key: Hashable) -> bool:
        return self.published.get(key) == SUPPRESSED


def published_bounds(shown: int | str, policy: Policy = Policy()) -> tuple[float, float]:
    """What a reader can tell about a cell's true value from what is shown."""
    if shown == SUPPRESSED:
        return 1.0, INF
    value = int(shown)
    if value == 0:
        return 0.0, 0.0
    half = policy.rounding_base / 2
    lo = math.ceil(value - half)
    hi = math.ceil(value + half) - 1
    return float(max(lo, policy.max_suppressed + 1)), float(hi)


class _System:
    """A table's cells and equations as index arrays (built once; every pass below is vectorised)."""

    def __init__(self, keys: Sequence[Hashable], equations: Sequence[Equation]) -> None:
        self.keys = list(keys)
        self.index = {k: i for i, k in enumerate(self.keys)}
        sizes = np.fromiter((len(eq.parts) + 1 for eq in equations), dtype=np.int64, count=len(equations))
        self.n_eq = len(equations)
        self.starts = np.concatenate(([0], np.cumsum(sizes)))
        index = self.index
        try:
            flat = [index[k] for eq in equations for k in (*eq.parts, eq.total)]
        except KeyError as exc:
            raise KeyError(f"an equation uses {exc.args[0]!r}, which has no value") from None
        self.key_of = np.array(flat, dtype=np.int64)
        self.eq_of = np.repeat(np.arange(self.n_eq, dtype=np.int64), sizes)
        positive = np.ones(len(flat), dtype=bool)
        positive[self.starts[1:] - 1] = False  # the last entry of each equation is its total
        self.positive = positive
        self.total_of = self.key_of[self.starts[1:] - 1] if self.n_eq else np.array([], dtype=np.int64)
        order = np.argsort(self.key_of, kind="stable")
        self._eq_by_key = self.eq_of[order]
        self._key_ptr = np.searchsorted(self.key_of[order], np.arange(len(self.keys) + 1))

    def equations_of(self, cell: int) -> np.ndarray:
        return self._eq_by_key[self._key_ptr[cell]:self._key_ptr[cell + 1]]

    def entries(self, eq: int) -> np.ndarray:
        return self.key_of[self.starts[eq]:self.starts[eq + 1]]

    def bounds_of(self, shown: np.ndarray, suppressed: np.ndarray, policy: Policy) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised :func:`published_bounds` for rounded values ``shown`` (ignored where ``suppressed``)."""
        half = policy.rounding_base / 2
        lo = np.maximum(np.ceil(shown - half), policy.max_suppressed + 1)
        hi = np.ceil(shown + half) - 1
        zero = shown == 0
        lo[zero], hi[zero] = 0.0, 0.0
        lo[suppressed], hi[suppressed] = 1.0, INF
        return lo.astype(float), hi.astype(float)

    def tighten(self, lo: np.ndarray, hi: np.ndarray, max_rounds: int = 1000) -> tuple[np.ndarray, np.ndarray]:
        """Interval propagation over every equation at once, to a fixed point."""
        if not self.n_eq:
            return lo, hi
        key_of, eq_of, positive, n_eq = self.key_of, self.eq_of, self.positive, self.n_eq
        for _ in range(max_rounds):
            # each entry's term a*x lies in [tmin, tmax]
            tmin = np.where(positive, lo[key_of], -hi[key_of])
            tmax = np.where(positive, hi[key_of], -lo[key_of])
            min_inf = np.isinf(tmin)
            max_inf = np.isinf(tmax)
            tmin_f = np.where(min_inf, 0.0, tmin)
            tmax_f = np.where(max_inf, 0.0, tmax)
            smin = np.bincount(eq_of, weights=tmin_f, minlength=n_eq)
            smax = np.bincount(eq_of, weights=tmax_f, minlength=n_eq)
            nmin = np.bincount(eq_of, weights=min_inf, minlength=n_eq)
            nmax = np.bincount(eq_of, weights=max_inf, minlength=n_eq)
            others_min = np.where(nmin[eq_of] - min_inf > 0, -INF, smin[eq_of] - tmin_f)
            others_max = np.where(nmax[eq_of] - max_inf > 0, INF, smax[eq_of] - tmax_f)
            # the terms sum to 0, so a*x = -(others): x in [-others_max, -others_min] (a=+1) or [min, max] (a=-1)
            new_lo = np.where(positive, -others_max, others_min)
            new_hi = np.where(positive, -others_min, others_max)
            next_lo = lo.copy()
            next_hi = hi.copy()
            np.maximum.at(next_lo, key_of, np.ceil(new_lo))
            np.minimum.at(next_hi, key_of, np.floor(new_hi))
            if np.any(next_lo > next_hi):
                bad = self.keys[int(np.argmax(next_lo > next_hi))]
                raise ValueError(f"the published table contradicts its own equations at {bad!r}")
            if np.array_equal(next_lo, lo) and np.array_equal(next_hi, hi):
                break
            lo, hi = next_lo, next_hi
        return lo, hi


def attacker_bounds(
    published: Mapping[Any, int | str],
    equations: Sequence[Equation],
    policy: Policy = Policy(),
    *,
    max_rounds: int = 1000,
) -> dict[Any, tuple[float, float]]:
    """Integer bounds on every cell implied by the published table and its equations: the interval attack.

    Starts from :func:`published_bounds` and tightens each cell with each equation it appears in
    (``part <= total_hi - sum(other parts' lo)``, ``part >= total_lo - sum(other parts' hi)``, and the
    total between the sums of its parts' bounds), all equations at once, until no bound moves.
    """
    system = _System(list(published), equations)
    suppressed = np.fromiter((published[k] == SUPPRESSED for k in system.keys), dtype=bool, count=len(system.keys))
    shown = np.fromiter((0 if published[k] == SUPPRESSED else int(published[k]) for k in system.keys), dtype=float,
                        count=len(system.keys))
    lo, hi = system.tighten(*system.bounds_of(shown, suppressed, policy), max_rounds=max_rounds)
    return {k: (float(lo[i]), float(hi[i])) for i, k in enumerate(system.keys)}


def protect(
    values: Mapping[Any, int],
    equations: Sequence[Equation],
    policy: Policy = Policy(),
    *,
    fixed: Mapping[Any, bool] | None = None,
    max_rounds: int = 50,
) -> Protected:
    """Suppress and round a whole table so that no suppressed cell can be recovered (see the module doc).

    ``values`` holds every cell's true count (every key used by ``equations`` must be present);
    ``fixed`` maps keys whose status was decided elsewhere to ``True`` (suppressed) or ``False`` (shown).
    """
    fixed = dict(fixed or {})
    system = _System(list(values), equations)
    n = len(system.keys)
    true = np.fromiter((values[k] for k in system.keys), dtype=np.int64, count=n)
    if np.any(true < 0):
        bad = system.keys[int(np.argmax(true < 0))]
        raise ValueError(f"cell {bad!r} has a negative count ({values[bad]})")
    if system.n_eq:
        signed = np.where(system.positive, true[system.key_of], -true[system.key_of])
        sums = np.bincount(system.eq_of, weights=signed, minlength=system.n_eq)
        if np.any(sums != 0):
            bad_eq = int(np.argmax(sums != 0))
            raise ValueError(f"the cells of {system.keys[system.total_of[bad_eq]]!r} do not add up to it")
    is_fixed = np.zeros(n, dtype=bool)
    fixed_suppressed = np.zeros(n, dtype=bool)
    for key, status in fixed.items():
        i = system.index.get(key)
        if i is not None:
            is_fixed[i] = True
            fixed_suppressed[i] = bool(status)
    primary = (true >= 1) & (true <= policy.max_suppressed)  # never shown, whatever another table decided
    suppressed = primary | fixed_suppressed
    is_margin = np.zeros(n, dtype=bool)
    is_margin[system.total_of] = True
    # candidates for extra suppression: shown, non-zero, not fixed; smallest first, a cell before a margin
    rank = is_margin.astype(np.int64) * (int(true.max(initial=0)) + 1) * (n + 1) + true * (n + 1) + np.arange(n)

    def free(cells: np.ndarray) -> np.ndarray:
        return cells[~is_fixed[cells] & ~suppressed[cells] & (true[cells] > 0)]

    counts = np.bincount(system.eq_of, weights=suppressed[system.key_of], minlength=system.n_eq).astype(np.int64) \
        if system.n_eq else np.zeros(0, dtype=np.int64)

    def suppress(cell: int, queue: list[int]) -> None:
        suppressed[cell] = True
        for eq in system.equations_of(cell):
            counts[eq] += 1
            if counts[eq] == 1:
                queue.append(int(eq))

    def secondary_pass(queue: list[int]) -> None:
        while queue:
            eq = queue.pop()
            if counts[eq] != 1:
                continue
            candidates = free(system.entries(eq))
            if len(candidates):  # else every other entry is zero or was shown by another table
                suppress(int(candidates[np.argmin(rank[candidates])]), queue)

    rounds = 0
    secondary_pass([int(e) for e in np.nonzero(counts == 1)[0]])
    while True:
        shown = _rounded(true, policy)
        lo, hi = system.tighten(*system.bounds_of(shown, suppressed, policy))
        exposed = np.nonzero(suppressed & (lo >= hi))[0]
        if not len(exposed) or rounds >= max_rounds:
            break
        rounds += 1
        added: set[int] = set()
        for cell in exposed:
            eqs = system.equations_of(int(cell))
            if not len(eqs):
                continue
            candidates = free(np.concatenate([system.entries(int(e)) for e in eqs]))
            if len(candidates):
                added.add(int(candidates[np.argmin(rank[candidates])]))
        if not added:
            break
        queue: list[int] = []
        for added_cell in sorted(added):
            suppress(added_cell, queue)
        secondary_pass(queue)
    published = _as_published(system.keys, true, suppressed, policy)
    keys = system.keys
    return Protected(published=published, primary={keys[i] for i in np.nonzero(primary)[0]},
                     secondary={keys[i] for i in np.nonzero(suppressed & ~primary)[0]}, rounds=rounds)


def _rounded(true: np.ndarray, policy: Policy) -> np.ndarray:
    base = policy.rounding_base
    return np.where(true == 0, 0, np.floor((true + base / 2) / base) * base).astype(float)


def _as_published(keys: Sequence[Hashable], true: np.ndarray, suppressed: np.ndarray,
                  policy: Policy) -> dict[Hashable, int | str]:
    rounded = _rounded(true, policy).astype(np.int64).tolist()
    flags = suppressed.tolist()
    return {k: (SUPPRESSED if flags[i] else rounded[i]) for i, k in enumerate(keys)}
