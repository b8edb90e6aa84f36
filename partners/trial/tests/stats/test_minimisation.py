import hashlib
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partners.trial.stats.minimisation import (
    Allocation,
    MinimisationConfig,
    allocate_next,
    balance,
    imbalance_scores,
    minimise,
    simulate_imbalance,
    uniform,
)

CONFIG = MinimisationConfig(("region", "practice_size"))


def practices(n: int = 39) -> list[tuple[str, dict[str, str]]]:
    regions = ["North", "South", "East", "West"]
    return [(f"C{i:02d}", {"region": regions[(i * 7) % 4], "practice_size": "small" if i % 3 == 0 else "large"})
            for i in range(n)]


def test_the_same_seed_gives_the_same_allocations_and_another_seed_others():
    a = minimise(practices(), config=CONFIG, seed=42)
    b = minimise(practices(), config=CONFIG, seed=42)
    c = minimise(practices(), config=CONFIG, seed=43)
    assert [x.arm for x in a] == [x.arm for x in b]
    assert [x.arm for x in a] != [x.arm for x in c]


def test_allocating_one_practice_at_a_time_reproduces_the_whole_sequence():
    whole = minimise(practices(20), config=CONFIG, seed="trial-7")
    log: list[Allocation] = []
    for pid, levels in practices(20):
        # the platform stores only the seed and the earlier allocations
        log.append(allocate_next(list(log), pid, levels, config=CONFIG, seed="trial-7"))
    assert log == whole


def test_the_random_number_of_an_allocation_depends_only_on_the_seed_and_its_sequence_number():
    digest = hashlib.sha256(b"5:3").digest()
    assert uniform(5, 3) == int.from_bytes(digest[:8], "big") / 2**64
    assert 0 <= uniform(5, 3) < 1


def test_the_imbalance_is_the_weighted_range_of_arm_counts_at_the_new_practices_levels():
    prev = [
        Allocation(0, "A", {"region": "N", "practice_size": "small"}, "intervention", "first", None),
        Allocation(1, "B", {"region": "N", "practice_size": "large"}, "intervention", "preferred", None),
        Allocation(2, "C", {"region": "S", "practice_size": "small"}, "control", "preferred", None),
    ]
    config = MinimisationConfig(("region", "practice_size"), weights=(2.0, 1.0))
    scores = imbalance_scores(prev, {"region": "N", "practice_size": "small"}, config)
    # region N: counts I=2, C=0; small: I=1, C=1
    assert scores["intervention"] == 2 * (3 - 0) + 1 * (2 - 1)
    assert scores["control"] == 2 * (2 - 1) + 1 * (1 - 2 + 2)


def test_with_p_one_the_preferred_arm_is_always_chosen_and_balance_is_tight():
    config = MinimisationConfig(("region", "practice_size"), p=1.0)
    allocs = minimise(practices(), config=config, seed=1)
    assert all(a.method in ("first", "tie", "preferred") for a in allocs)
    b = balance(allocs, config)
    assert b["arm_imbalance"] <= 1
    for f in ("region", "practice_size"):
        assert all(level["imbalance"] <= 1 for level in b["factors"][f]["levels"].values())


def test_the_random_element_sends_about_one_in_five_practices_to_the_other_arm():
    counts: Counter[str] = Counter()
    for seed in range(150):
        counts.update(a.method for a in minimise(practices(30), config=CONFIG, seed=seed))
    share = counts["random_element"] / (counts["random_element"] + counts["preferred"])
    assert share == pytest.approx(0.2, abs=0.025)


def test_the_first_practice_and_ties_are_allocated_at_random():
    firsts = Counter(minimise(practices(1), config=CONFIG, seed=s)[0].arm for s in range(400))
    assert firsts["intervention"] == pytest.approx(200, abs=40)
    allocs = minimise(practices(), config=CONFIG, seed=3)
    assert allocs[0].method == "first"
    ties = [a for a in allocs if a.method == "tie"]
    assert ties and all(len(set(a.scores.values())) == 1 for a in ties)


def test_an_unequal_ratio_allocates_in_that_ratio():
    config = MinimisationConfig(("region",), ratio=(2.0, 1.0))
    allocs = minimise([(f"P{i}", {"region": "R"}) for i in range(300)], config=config, seed=9)
    n = Counter(a.arm for a in allocs)
    assert n["intervention"] / n["control"] == pytest.approx(2.0, rel=0.1)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 40), p=st.floats(0.5, 1.0))
def test_every_practice_is_allocated_once_to_a_known_arm(seed, n, p):
    config = MinimisationConfig(("region", "practice_size"), p=p)
    allocs = minimise(practices(n), config=config, seed=seed)
    assert [a.practice_id for a in allocs] == [pid for pid, _ in practices(n)]
    assert {a.arm for a in allocs} <= {"intervention", "control"}
    b = balance(allocs, config)
    assert sum(b["arms"].values()) == n


def test_minimisation_balances_better_than_simple_randomisation_over_simulated_runs():
    out = simulate_imbalance(practices(), config=CONFIG, runs=150, seed=2)
    for key in ("region", "practice_size", "arms"):
        assert out["minimisation"][key]["mean"] < out["simple_randomisation"][key]["mean"]
    assert sum(out["minimisation"]["arms"]["distribution"].values()) == 150


def test_bad_configurations_and_practices_are_refused():
    with pytest.raises(ValueError, match="at least one factor"):
        MinimisationConfig(())
    with pytest.raises(ValueError, match="weights"):
        MinimisationConfig(("a", "b"), weights=(1.0,))
    with pytest.raises(ValueError, match="probability"):
        MinimisationConfig(("a",), p=1.5)
    with pytest.raises(ValueError, match="no value for region"):
        allocate_next([], "X", {"practice_size": "small"}, config=CONFIG, seed=1)
    first = allocate_next([], "X", {"region": "N", "practice_size": "small"}, config=CONFIG, seed=1)
    with pytest.raises(ValueError, match="already allocated"):
        allocate_next([first], "X", {"region": "N", "practice_size": "small"}, config=CONFIG, seed=1)
