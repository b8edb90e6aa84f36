"""Whole-table disclosure control, attacked the way a reader with a spreadsheet and a solver would.

Random tables (two-way tables with margins, and hierarchies of areas by month with period totals and a
partition by mode, like the leaders' dashboard) are protected and published; the attacker then uses
only what is published - rounded counts, stars, and the fact that rows, columns and totals add up - to
bound every suppressed cell, first with the interval attack (integer bounds per cell from each
equation, repeated until nothing moves) and then exactly, with an integer linear program per cell
(scipy's HiGHS ``milp``). No suppressed cell may be pinned to a single value.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Sequence

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from partners.common import disclosure
from partners.common.disclosure import SUPPRESSED, Equation, Policy, protect

POLICY = Policy()


def small_count(rng: random.Random) -> int:
    """Counts as dashboards see them: many zeros and small numbers, some large."""
    r = rng.random()
    if r < 0.25:
        return 0
    if r < 0.6:
        return rng.randint(1, 7)
    if r < 0.85:
        return rng.randint(8, 15)
    return rng.randint(16, 120)


def two_way_table(rng: random.Random, rows: int, cols: int) -> tuple[dict[Hashable, int], list[Equation]]:
    values: dict[Hashable, int] = {}
    for i in range(rows):
        for j in range(cols):
            values[("cell", i, j)] = small_count(rng)
    equations = []
    for i in range(rows):
        values[("row", i)] = sum(values[("cell", i, j)] for j in range(cols))
        equations.append(Equation(("row", i), tuple(("cell", i, j) for j in range(cols))))
    for j in range(cols):
        values[("col", j)] = sum(values[("cell", i, j)] for i in range(rows))
        equations.append(Equation(("col", j), tuple(("cell", i, j) for i in range(rows))))
    values["grand"] = sum(values[("row", i)] for i in range(rows))
    equations.append(Equation("grand", tuple(("row", i) for i in range(rows))))
    equations.append(Equation("grand", tuple(("col", j) for j in range(cols))))
    return values, equations


def area_by_month_table(rng: random.Random, children: int, months: int,
                        modes: int) -> tuple[dict[Hashable, int], list[Equation]]:
    """A parent area and its children, by month with a period total, each split into modes."""
    values: dict[Hashable, int] = {}
    equations: list[Equation] = []
    units = [f"child{c}" for c in range(children)]
    cols = [*range(months), "total"]
    for u in units:
        for m in range(months):
            for k in range(modes):
                values[(u, m, k)] = small_count(rng)
    for u in units:
        for k in range(modes):
            values[(u, "total", k)] = sum(values[(u, m, k)] for m in range(months))
            equations.append(Equation((u, "total", k), tuple((u, m, k) for m in range(months))))
    for c in cols:
        for k in range(modes):
            values[("parent", c, k)] = sum(values[(u, c, k)] for u in units)
            equations.append(Equation(("parent", c, k), tuple((u, c, k) for u in units)))
    for k in range(modes):
        equations.append(Equation(("parent", "total", k), tuple(("parent", m, k) for m in range(months))))
    for u in [*units, "parent"]:
        for c in cols:
            values[(u, c, "all")] = sum(values[(u, c, k)] for k in range(modes))
            equations.append(Equation((u, c, "all"), tuple((u, c, k) for k in range(modes))))
    for c in cols:
        equations.append(Equation(("parent", c, "all"), tuple((u, c, "all") for u in units)))
    for u in [*units, "parent"]:
        equations.append(Equation((u, "total", "all"), tuple((u, m, "all") for m in range(months))))
    return values, equations


def interval_attack(published: dict[Hashable, int | str], equations: Sequence[Equation]) -> dict[Hashable, tuple]:
    """Written separately from the module's audit: per-equation integer bounds, repeated to a fixed point."""
    lo, hi = {}, {}
    for key, shown in published.items():
        if shown == SUPPRESSED:
            lo[key], hi[key] = 1, math.inf
        elif shown == 0:
            lo[key], hi[key] = 0, 0
        else:
            lo[key], hi[key] = max(int(shown) - 2, 8), int(shown) + 2
    for _ in range(1000):
        moved = False
        for eq in equations:
            entries = [(p, 1) for p in eq.parts] + [(eq.total, -1)]
            # sum(sign * x) == 0: each x bounded by the others
            for key, sign in entries:
                others = [(k, s) for k, s in entries if k != key or s != sign]
                # sign*x = -sum(others) -> x in [-max, -min] / sign
                smin = sum(s * (lo[k] if s > 0 else hi[k]) for k, s in others)
                smax = sum(s * (hi[k] if s > 0 else lo[k]) for k, s in others)
                if sign > 0:
                    new_lo, new_hi = -smax, -smin
                else:
                    new_lo, new_hi = smin, smax
                if not math.isnan(new_lo) and new_lo > lo[key]:
                    lo[key], moved = math.ceil(new_lo), True
                if not math.isnan(new_hi) and new_hi < hi[key]:
                    hi[key], moved = math.floor(new_hi), True
        if not moved:
            break
    return {k: (lo[k], hi[k]) for k in published}


def milp_attack(published: dict[Hashable, int | str], equations: Sequence[Equation],
                targets: Sequence[Hashable]) -> dict[Hashable, tuple[float, float]]:
    """Exact integer bounds on each target cell: min and max of an integer program per cell."""
    keys = list(published)
    index = {k: i for i, k in enumerate(keys)}
    lower, upper = np.zeros(len(keys)), np.zeros(len(keys))
    for k, shown in published.items():
        lower[index[k]], upper[index[k]] = disclosure.published_bounds(shown, POLICY)
    upper[np.isinf(upper)] = 10**6  # "no upper bound", kept finite for the solver
    a = lil_matrix((len(equations), len(keys)))
    for r, eq in enumerate(equations):
        for p in eq.parts:
            a[r, index[p]] += 1
        a[r, index[eq.total]] -= 1
    constraint = LinearConstraint(a.tocsr(), 0, 0)
    integrality = np.ones(len(keys))
    out = {}
    for key in targets:
        c = np.zeros(len(keys))
        c[index[key]] = 1
        low = milp(c, constraints=constraint, integrality=integrality, bounds=Bounds(lower, upper))
        high = milp(-c, constraints=constraint, integrality=integrality, bounds=Bounds(lower, upper))
        assert low.status == 0 and high.status == 0, "the published table must be consistent with itself"
        out[key] = (round(low.fun), round(-high.fun))
    return out


def assert_consistent_with_truth(values, published):
    for key, shown in published.items():
        lo, hi = disclosure.published_bounds(shown, POLICY)
        assert lo <= values[key] <= hi, (key, values[key], shown)


@pytest.mark.parametrize("seed", range(40))
def test_no_suppressed_cell_of_a_random_two_way_table_can_be_pinned_down(seed):
    rng = random.Random(seed)
    values, equations = two_way_table(rng, rng.randint(2, 6), rng.randint(2, 6))
    result = protect(values, equations, POLICY)
    published = result.published
    assert_consistent_with_truth(values, published)
    suppressed = [k for k, v in published.items() if v == SUPPRESSED]
    for key, (lo, hi) in interval_attack(published, equations).items():
        assert lo <= values[key] <= hi
        if key in suppressed:
            assert hi > lo, f"interval attack recovers {key} = {values[key]}"
    for key, (lo, hi) in milp_attack(published, equations, suppressed).items():
        assert lo <= values[key] <= hi
        assert hi > lo, f"integer programming recovers {key} = {values[key]}"


@pytest.mark.parametrize("seed", range(15))
def test_no_suppressed_cell_of_an_area_by_month_table_can_be_pinned_down(seed):
    rng = random.Random(1000 + seed)
    values, equations = area_by_month_table(rng, rng.randint(2, 4), rng.randint(2, 4), rng.randint(2, 3))
    published = protect(values, equations, POLICY).published
    assert_consistent_with_truth(values, published)
    suppressed = [k for k, v in published.items() if v == SUPPRESSED]
    for key, (lo, hi) in milp_attack(published, equations, suppressed).items():
        assert hi > lo, f"integer programming recovers {key} = {values[key]}"


def test_every_equation_has_none_or_at_least_two_suppressed_entries():
    rng = random.Random(7)
    for _ in range(30):
        values, equations = two_way_table(rng, 5, 5)
        published = protect(values, equations, POLICY).published
        for eq in equations:
            stars = sum(1 for k in eq.entries() if published[k] == SUPPRESSED)
            assert stars != 1, eq


def test_rounding_alone_would_give_away_two_ones_so_another_cell_is_suppressed():
    # 1, 1, 8, 8, 8, 8, 8 with total 42 publishes as *, *, 10 x 5 and 40: the stars would have to be 1.
    values = {f"c{i}": v for i, v in enumerate([1, 1, 8, 8, 8, 8, 8])}
    values["total"] = 42
    equations = [Equation("total", tuple(f"c{i}" for i in range(7)))]
    result = protect(values, equations, POLICY)
    assert sum(1 for v in result.published.values() if v == SUPPRESSED) >= 3
    bounds = disclosure.attacker_bounds(result.published, equations, POLICY)
    assert bounds["c0"][1] > bounds["c0"][0]
    # and without the audit's extra suppression the attack does pin them
    naive = {k: (SUPPRESSED if k in ("c0", "c1") else disclosure.round_half_up(v, 5)) for k, v in values.items()}
    assert disclosure.attacker_bounds(naive, equations, POLICY)["c0"] == (1, 1)


def test_a_single_small_cell_in_a_row_takes_a_second_cell_with_it():
    values = {"a": 3, "b": 40, "c": 12, "total": 55}
    result = protect(values, [Equation("total", ("a", "b", "c"))], POLICY)
    assert result.published == {"a": "*", "b": 40, "c": "*", "total": 55}
    assert result.primary == {"a"} and result.secondary == {"c"}


def test_fixed_cells_keep_the_status_another_table_gave_them():
    # The parent was shown in the table above; its children must protect the small one among themselves.
    values = {"parent": 60, "x": 2, "y": 30, "z": 28}
    result = protect(values, [Equation("parent", ("x", "y", "z"))], POLICY, fixed={"parent": False})
    assert result.published["parent"] == 60
    assert result.published["x"] == SUPPRESSED and result.published["z"] == SUPPRESSED
    # ... and a parent suppressed above stays suppressed, taking a second child with it.
    values = {"parent": 30, "x": 18, "y": 12}
    result = protect(values, [Equation("parent", ("x", "y"))], POLICY, fixed={"parent": True})
    assert result.published["parent"] == SUPPRESSED
    assert sum(1 for k in ("x", "y") if result.published[k] == SUPPRESSED) >= 1


def test_zero_is_shown_as_zero_and_never_chosen_to_hide_another_cell():
    values = {"a": 4, "b": 0, "c": 9, "total": 13}
    published = protect(values, [Equation("total", ("a", "b", "c"))], POLICY).published
    assert published["b"] == 0
    assert published["a"] == SUPPRESSED and published["c"] == SUPPRESSED


def test_the_threshold_and_rounding_base_are_configurable():
    policy = Policy(max_suppressed=10, rounding_base=10)
    assert disclosure.count(10, policy) == "*"
    assert disclosure.count(14, policy) == 10 and disclosure.count(15, policy) == 20
    values = {"a": 9, "b": 50, "c": 44, "total": 103}
    published = protect(values, [Equation("total", ("a", "b", "c"))], policy).published
    assert published["a"] == SUPPRESSED and published["c"] == SUPPRESSED and published["total"] == 100


def test_a_table_whose_equations_name_a_missing_cell_is_refused():
    with pytest.raises(KeyError):
        protect({"a": 1}, [Equation("total", ("a",))], POLICY)
