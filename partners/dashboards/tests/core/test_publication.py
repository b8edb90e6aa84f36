"""Levels of the dashboard, protected from the top down: consistent between views, and not recoverable."""

from __future__ import annotations

import random

from partners.common.disclosure import SUPPRESSED, attacker_bounds
from partners.common.tests.test_disclosure_tables import milp_attack
from partners.dashboards.core import equity as eq
from partners.dashboards.core import measures as M
from partners.dashboards.core.publication import ALL, ENGAGED_IN_PERIOD, REACHED, Area, build_cells, build_level

MONTHS = ["2026-01", "2026-02", "2026-03"]


def leaf(key: str, rng: random.Random, scale: int) -> Area:
    """A practice with internally consistent figures (partitions add up; breakdowns add up)."""
    monthly = {}
    for m in MONTHS:
        row: dict[str, float] = {}
        for code in (*M.STOCKS, *M.FLOWS):
            row[code] = rng.choice([0, 0, rng.randint(1, 7), rng.randint(1, scale)])
        for total, parts in M.PARTITIONS:
            row[total] = sum(row[p] for p in parts)
        row["in_gap"] = sum(row[f"gap_{c}"] for c in M.IN_GAP)
        for part in M.EQ_PARTS:
            counts = {c: rng.choice([0, rng.randint(1, scale)]) for c in M.ETHNIC_GROUP_ORDER}
            overall = sum(counts.values())
            for dim, _, cats in M.DIMENSIONS:
                split = counts if dim == "ethnicity" else {c: 0 for c in cats} | {cats[0]: overall}
                for cat in cats:
                    row[M.key(part, dim, cat)] = split.get(cat, 0)
        row[M.OUTCOME_N + "mansa"] = rng.randint(0, 9)
        row[M.OUTCOME_SUM + "mansa"] = 0.5 * row[M.OUTCOME_N + "mansa"]
        monthly[m] = row
    snapshot: dict[str, float] = {}
    for part, measure in ((M.REG, "on_register"), (M.GAPREG, "in_gap")):
        now = int(monthly[MONTHS[-1]][measure])
        for dim, _, cats in M.DIMENSIONS:
            first = rng.randint(0, now)
            for cat in cats:
                snapshot[M.key(part, dim, cat)] = 0
            snapshot[M.key(part, dim, cats[0])] = first
            snapshot[M.key(part, dim, cats[1])] = now - first
    return Area(key, key, "practice", monthly, snapshot)


def total(key: str, kind: str, children: list[Area]) -> Area:
    monthly: dict[str, dict[str, float]] = {m: {} for m in MONTHS}
    snapshot: dict[str, float] = {}
    for child in children:
        for m in MONTHS:
            for k, v in child.monthly[m].items():
                monthly[m][k] = monthly[m].get(k, 0) + v
        for k, v in child.snapshot.items():
            snapshot[k] = snapshot.get(k, 0) + v
    return Area(key, key, kind, monthly, snapshot)


def tree(seed: int = 1):
    rng = random.Random(seed)
    pcns = {}
    for p in range(3):
        practices = [leaf(f"pr{p}{n}", rng, 30) for n in range(3)]
        pcns[f"pcn{p}"] = (total(f"pcn{p}", "pcn", practices), practices)
    ics = total("ics", "ics", [pcn for pcn, _ in pcns.values()])
    return ics, pcns


def test_a_figure_looks_the_same_in_the_view_above_and_in_its_own_view():
    ics, pcns = tree()
    top = build_level(ics, [pcn for pcn, _ in pcns.values()], MONTHS, MONTHS[-1])
    for key, (pcn, practices) in pcns.items():
        below = build_level(pcn, practices, MONTHS, MONTHS[-1], fixed=top.fixed_for(key))
        for cell, shown in top.published.items():
            if isinstance(cell, tuple) and cell[0] == key:
                assert below.published[cell] == shown, cell
        for practice in practices:
            alone = build_level(practice, [], MONTHS, MONTHS[-1], fixed=below.fixed_for(practice.key))
            for cell, shown in below.published.items():
                if isinstance(cell, tuple) and cell[0] == practice.key:
                    assert alone.published[cell] == shown, cell


def test_no_suppressed_cell_of_a_dashboard_level_can_be_pinned_down():
    _ics, pcns = tree(seed=4)
    pcn, practices = pcns["pcn0"]
    values, equations = build_cells(pcn, practices, MONTHS, MONTHS[-1], ["mansa"])
    level = build_level(pcn, practices, MONTHS, MONTHS[-1], instruments=["mansa"])
    published = level.published
    suppressed = [k for k, v in published.items() if v == SUPPRESSED]
    assert suppressed
    bounds = attacker_bounds(published, equations)
    for key in suppressed:
        lo, hi = bounds[key]
        assert lo <= values[key] <= hi and hi > lo, key
    sample = random.Random(0).sample(suppressed, min(25, len(suppressed)))
    for key, (lo, hi) in milp_attack(published, equations, sample).items():
        assert hi > lo, f"{key} = {values[key]} recovered"


def test_means_resting_on_seven_people_or_fewer_are_suppressed():
    area = Area("a", "A", "practice", {"2026-01": {M.OUTCOME_N + "mansa": 7, M.OUTCOME_SUM + "mansa": 3.5},
                                       "2026-02": {M.OUTCOME_N + "mansa": 1, M.OUTCOME_SUM + "mansa": 1.0}})
    one_month = build_level(area, [], ["2026-01"], "2026-02")
    assert one_month.outcome_change("a", "mansa")[0] == SUPPRESSED
    both = build_level(area, [], ["2026-01", "2026-02"], "2026-02")
    assert both.outcome_change("a", "mansa")[0] == round(4.5 / 8, 2)


def _level_with_equity(register: dict[str, int], engaged: dict[str, int]):
    monthly = {"2026-03": {M.key(M.EQ_STARTED, "ethnicity", g): n for g, n in engaged.items()}}
    snapshot = {M.key(M.REG, "ethnicity", g): n for g, n in register.items()}
    for dim, _, cats in M.DIMENSIONS[1:]:
        monthly["2026-03"][M.key(M.EQ_STARTED, dim, cats[-1])] = sum(engaged.values())
        snapshot[M.key(M.REG, dim, cats[-1])] = sum(register.values())
    monthly["2026-03"]["on_register"] = sum(register.values())
    monthly["2026-03"]["gap_secondary_care"] = sum(register.values())
    return build_level(Area("a", "A", "ics", monthly, snapshot), [], ["2026-03"], "2026-03")


def test_a_group_engaged_well_below_its_share_of_the_register_is_tagged_under_represented():
    level = _level_with_equity({"White": 600, "Black": 150, "Asian": 150, "Mixed": 50, "Other": 50},
                               {"White": 180, "Black": 10, "Asian": 15, "Mixed": 10, "Other": 10})
    rows = {r.category: r for r in eq.equity_rows(level, "a", "ethnicity")}
    assert level.shown("a", ENGAGED_IN_PERIOD, ALL) == 225
    black = rows["Black"]
    assert black.register_share == 15.0 and black.engaged_share == round(100 * 10 / 225, 1)
    assert black.engaged_tag == eq.UNDER and black.engaged_ratio == round(4.4 / 15.0, 2)
    assert rows["White"].engaged_tag == eq.OVER
    assert rows[M.MINORITY].engaged_tag == eq.UNDER
    flagged = {r.category for r in eq.under_represented(list(rows.values()))}
    assert {"Black", "Asian", M.MINORITY} <= flagged and "White" not in flagged
    assert level.shown("a", REACHED, ALL) == 0  # nobody referred in this toy period: reach counts referrals


def test_a_suppressed_group_is_never_compared_from_its_true_count():
    level = _level_with_equity({"White": 600, "Black": 150}, {"White": 180, "Black": 3})
    black = {r.category: r for r in eq.equity_rows(level, "a", "ethnicity")}["Black"]
    assert black.engaged == SUPPRESSED and black.engaged_ratio is None and black.engaged_tag == eq.TOO_FEW
