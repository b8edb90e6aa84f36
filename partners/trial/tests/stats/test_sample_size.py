import math
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from partners.trial.stats.sample_size import (
    design_effect,
    detectable_difference,
    power_for_design,
    sample_size,
)

PAPER: dict[str, Any] = {"delta": 0.45, "sd": 0.9, "alpha": 0.05, "icc": 0.05, "mean_cluster_size": 6, "cv": 0.74}


def test_the_original_partners2_calculation_is_reproduced():
    s = sample_size(**PAPER, power=0.9, dropout=0.2, cluster_dropout=0.1)
    assert round(s.design_effect, 5) == 1.41428
    assert f"{s.analysable_participants:.1f}" == "237.8"
    assert s.participants == 336
    assert s.clusters == 56


@pytest.mark.parametrize(("power", "analysable", "recruited"), [(0.9, "178.3", 270), (0.8, "133.2", 204)])
def test_the_revised_calculation_with_baseline_adjustment_is_reproduced(power, analysable, recruited):
    s = sample_size(**PAPER, power=power, baseline_correlation=0.5, dropout=1 / 3)
    assert f"{s.analysable_participants:.1f}" == analysable
    assert s.participants == recruited
    assert s.clusters == recruited // 6


def test_the_working_shows_every_factor_of_the_calculation():
    s = sample_size(**PAPER, power=0.9, dropout=0.2, cluster_dropout=0.1)
    text = "\n".join(s.working)
    for fragment in ("D = delta / sd", "design effect", "1.41428", "1 - r^2", "237.8", "attrition factor",
                     "1.38889", "336", "clusters = recruited / m = 56"):
        assert fragment in text
    d = s.as_dict()
    assert set(d) >= {"analysable_participants", "participants", "clusters", "design_effect"}
    assert d["factors"]["n_per_arm_individual"] == pytest.approx(84.059, abs=1e-3)


def test_the_t_approximation_needs_more_participants_than_the_normal_one():
    z = sample_size(**PAPER, power=0.9)
    t = sample_size(**PAPER, power=0.9, t_approx=True)
    assert t.analysable_participants > z.analysable_participants
    assert t.degrees_of_freedom == pytest.approx(t.analysable_participants / 6 - 2)


def test_the_t_approximation_approaches_the_normal_one_for_small_effects():
    z = sample_size(**{**PAPER, "delta": 0.05}, power=0.9)
    t = sample_size(**{**PAPER, "delta": 0.05}, power=0.9, t_approx=True)
    assert t.analysable_participants / z.analysable_participants == pytest.approx(1.0, abs=2e-3)


@settings(max_examples=60, deadline=None)
@given(power=st.floats(0.55, 0.99), icc=st.floats(0.0, 0.3), m=st.floats(1.0, 30.0), cv=st.floats(0, 1.2),
       r=st.floats(0.0, 0.9), d=st.floats(0.0, 0.5), effect=st.floats(0.1, 1.0))
def test_power_for_the_unrounded_design_inverts_the_sample_size(power, icc, m, cv, r, d, effect):
    s = sample_size(delta=effect, sd=1.0, power=power, icc=icc, mean_cluster_size=m, cv=cv, baseline_correlation=r,
                    dropout=d)
    clusters = s.analysable_participants * s.attrition_factor / m
    assume(clusters >= 2)
    p = power_for_design(clusters=clusters, mean_cluster_size=m, delta=effect, sd=1.0, icc=icc, cv=cv,
                         baseline_correlation=r, dropout=d)
    assert p.power == pytest.approx(power, abs=1e-9)
    dd = detectable_difference(clusters=clusters, mean_cluster_size=m, sd=1.0, icc=icc, power=power, cv=cv,
                               baseline_correlation=r, dropout=d)
    assert dd.delta == pytest.approx(effect, rel=1e-9)


def test_more_clusters_give_more_power():
    powers = [power_for_design(clusters=k, mean_cluster_size=5, delta=0.45, sd=0.9, icc=0.05).power
              for k in (10, 20, 40, 80)]
    assert powers == sorted(powers)
    assert powers[-1] > 0.95


def test_the_design_effect_is_one_without_clustering_and_grows_with_unequal_sizes():
    assert design_effect(0.0, 6, 0.74) == 1.0
    assert design_effect(0.05, 6, 0.74) > design_effect(0.05, 6, 0.0)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"icc": 1.5}, "icc must be in"),
    ({"power": 1.0}, "power must be in"),
    ({"sd": 0.0}, "sd must be in"),
    ({"mean_cluster_size": 0.5}, "mean cluster size"),
    ({"dropout": 1.0}, "dropout must be in"),
    ({"delta": 0.0}, "non-zero"),
])
def test_impossible_inputs_are_refused_with_the_reason(kwargs, message):
    args = {**PAPER, "power": 0.9, **kwargs}
    with pytest.raises(ValueError, match=message):
        sample_size(**args)


def test_a_one_cluster_design_has_no_power_calculation():
    with pytest.raises(ValueError, match="at least 2 clusters"):
        power_for_design(clusters=1, mean_cluster_size=5, delta=0.4, sd=1, icc=0.05)
    assert math.isfinite(power_for_design(clusters=2, mean_cluster_size=5, delta=0.4, sd=1, icc=0.05).power)
