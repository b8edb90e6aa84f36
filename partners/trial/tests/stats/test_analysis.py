import math

import numpy as np
import pytest

from partners.trial.stats.analysis import SENSITIVITY_ANALYSES, AnalysisOptions, analyse
from partners.trial.stats.safety import SafetyEvent
from partners.trial.stats.synthetic import synthetic_dataset


@pytest.fixture(scope="module")
def ds():
    return synthetic_dataset(21)


@pytest.fixture(scope="module")
def full(ds):
    return analyse(ds, "mansa", AnalysisOptions(imputations=10), sensitivity=True)


def test_the_primary_analysis_uses_complete_cases_by_allocated_arm(ds, full):
    complete = ~np.isnan(ds.baseline["mansa"]) & ~np.isnan(ds.followup["mansa"])
    assert full["n"] == {"intervention": int((complete & ds.intervention).sum()),
                         "control": int((complete & ~ds.intervention).sum())}
    assert full["partially_adjusted"]["n"] == int(complete.sum())
    for key in ("partially_adjusted", "fully_adjusted"):
        block = full[key]
        assert {"effect", "se", "ci", "p", "icc"} <= set(block)
        lo, hi = block["ci"]
        assert lo < block["effect"] < hi
        assert hi - block["effect"] == pytest.approx(1.959964 * block["se"], rel=1e-5)
        assert 0 <= block["p"] <= 1
        assert block["icc_ci_method"] == "profile_likelihood_reml"
    assert full["fully_adjusted"]["adjusted_for"] == ["baseline", "region", "practice_size"]
    assert 0 <= full["crude_icc"] <= 1 and len(full["crude_icc_ci"]) == 2


def test_the_effect_is_intervention_minus_control(ds):
    shifted_rows = ds.followup["mansa"].copy()
    ds2 = ds.subset(np.ones(len(ds), dtype=bool))
    ds2.followup["mansa"] = shifted_rows + np.where(ds.intervention, 1.0, 0.0)
    base = analyse(ds, "mansa", secondary=False, subgroups=False)
    moved = analyse(ds2, "mansa", secondary=False, subgroups=False)
    assert moved["fully_adjusted"]["effect"] - base["fully_adjusted"]["effect"] == pytest.approx(1.0, abs=1e-6)


def test_every_sensitivity_analysis_is_reported_under_its_name(full):
    for name in SENSITIVITY_ANALYSES:
        assert full[name] == full["sensitivity"][name]
        assert full[name].get("available", True), full[name]
        assert full[name]["fully_adjusted"]["effect"] is not None


def test_the_per_protocol_window_analysis_keeps_follow_ups_inside_their_window(ds, full):
    inside = (ds.followup_in_window == 1) & ~np.isnan(ds.baseline["mansa"]) & ~np.isnan(ds.followup["mansa"])
    assert sum(full["per_protocol_window"]["n"].values()) == int(inside.sum())


def test_the_availability_analysis_excludes_practices_below_the_threshold(ds, full):
    low = {ds.practice_id[i] for i in range(len(ds))
           if ds.intervention[i] and ds.numeric["cp_availability"][i] < 0.7}
    assert full["per_protocol_availability"]["excluded_practices"] == sorted(low)
    assert low, "the synthetic data should have some low-availability practices"


def test_multiple_imputation_is_reproducible_from_its_seed_and_uses_everyone_randomised(ds):
    opts = AnalysisOptions(imputations=8, seed=5)
    a = analyse(ds, "mansa", opts, sensitivity=True, secondary=False, subgroups=False)["multiple_imputation"]
    b = analyse(ds, "mansa", opts, sensitivity=True, secondary=False, subgroups=False)["multiple_imputation"]
    c = analyse(ds, "mansa", AnalysisOptions(imputations=8, seed=6), sensitivity=True, secondary=False,
                subgroups=False)["multiple_imputation"]
    assert a == b
    assert a["fully_adjusted"]["effect"] != c["fully_adjusted"]["effect"]
    assert sum(a["n"].values()) == len(ds)
    assert a["imputations"] == 8 and a["auxiliary"] == "contacts_10min"
    assert a["imputed"]["followup"] == int(np.isnan(ds.followup["mansa"]).sum())


def test_with_nothing_missing_multiple_imputation_reproduces_the_complete_case_analysis(ds):
    complete = ds.subset(~np.isnan(ds.baseline["mansa"]) & ~np.isnan(ds.followup["mansa"]))
    assert not np.isnan(complete.numeric["contacts_10min"][complete.intervention]).any()
    out = analyse(complete, "mansa", AnalysisOptions(imputations=5), sensitivity=True, secondary=False,
                  subgroups=False)
    mi = out["multiple_imputation"]
    assert mi["imputed"] == {"baseline": 0, "followup": 0}
    assert mi["partially_adjusted"]["between_variance"] == pytest.approx(0, abs=1e-20)
    assert mi["partially_adjusted"]["effect"] == pytest.approx(out["partially_adjusted"]["effect"], abs=1e-9)
    assert mi["fully_adjusted"]["se"] == pytest.approx(out["fully_adjusted"]["se"], rel=1e-7)


def test_cace_compliers_follow_the_two_definitions(ds, full):
    complete = ~np.isnan(ds.baseline["mansa"]) & ~np.isnan(ds.followup["mansa"])
    sessions = complete & ds.intervention & (np.nan_to_num(ds.numeric["contacts_10min"]) >= 6)
    goals = complete & ds.intervention & (np.nan_to_num(ds.numeric["contacts_goals"]) >= 4)
    assert full["cace_sessions"]["compliers"] == int(sessions.sum())
    assert full["cace_goals"]["compliers"] == int(goals.sum())
    assert full["cace_sessions"]["definition"] == "contacts_10min >= 6"
    # Compliers are a subset of the intervention arm, so the CACE is larger in size than the ITT-type effect.
    ratio = full["cace_sessions"]["partially_adjusted"]["effect"] / full["partially_adjusted"]["effect"]
    assert abs(ratio) > 0


def test_period_analyses_fit_each_period_the_interaction_and_the_covariate(ds, full):
    periods = full["periods"]
    assert periods["levels"] == list(dict.fromkeys(p for p in ds.text["period"] if p))
    total = sum(sum(block["n"].values()) for block in periods["by_period"].values())
    assert total == sum(full["n"].values())
    assert 0 <= periods["interaction"]["p"] <= 1
    assert all(name.startswith("arm:period[") for name in periods["interaction"]["terms"])
    assert 0 <= periods["covariate"]["period_test"]["p"] <= 1
    assert "period" in periods["covariate"]["adjusted_for"]


def test_the_four_subgroup_interactions_are_reported(full):
    sub = full["subgroups"]
    assert set(sub) == {"region", "practice_size", "diagnosis_group", "care_setting"}
    for block in sub.values():
        assert 0 <= block["p"] <= 1
        assert set(block["effects_by_level"]) == set(block["levels"])
    assert sub["diagnosis_group"]["levels"] == ["bipolar", "schizophrenia_or_other_psychosis"]
    assert sub["region"]["df"] == len(sub["region"]["levels"]) - 1


def test_keeping_every_diagnosis_group_gives_a_three_level_interaction(ds):
    out = analyse(ds, "mansa", AnalysisOptions(diagnosis_dichotomy=False), secondary=False)
    assert out["subgroups"]["diagnosis_group"]["df"] == 2


def test_secondary_outcomes_cover_every_measure_and_say_when_missingness_rules_out_inference(ds, full):
    assert set(full["secondary"]) == set(ds.measures) - {"mansa"}
    inspire = full["secondary"]["brief_inspire"]
    assert inspire["inferential"] is False
    assert inspire["partially_adjusted"] is None
    assert "no inferential analysis" in inspire["reason"]
    assert full["secondary"]["wemwbs"]["inferential"] is True
    assert full["secondary"]["wemwbs"]["crude_icc"] is not None


def test_named_outliers_are_excluded_and_the_exclusion_is_reported(ds):
    complete = np.flatnonzero(~np.isnan(ds.baseline["tus"]) & ~np.isnan(ds.followup["tus"]))
    ids = [ds.participant_id[i] for i in complete[:2]]
    out = analyse(ds, "mansa", AnalysisOptions(outliers={"tus": ids}), subgroups=False)
    tus = out["secondary"]["tus"]
    assert tus["outliers_excluded"] == {"rule": "named participants", "participant_ids": ids, "n": 2}
    base = analyse(ds, "mansa", subgroups=False)["secondary"]["tus"]
    assert sum(base["n"].values()) - sum(tus["n"].values()) == 2
    assert "outliers_excluded" not in base


def test_an_sd_rule_for_outliers_is_reported_with_its_rule(ds):
    out = analyse(ds, "mansa", AnalysisOptions(outlier_sd=2.0), secondary=False, subgroups=False)
    assert out["outliers_excluded"]["rule"] == "change more than 2 s.d. from the mean"
    assert out["outliers_excluded"]["n"] >= 1


def test_small_sample_degrees_of_freedom_widen_the_interval(ds):
    wald = analyse(ds, "mansa", secondary=False, subgroups=False)["fully_adjusted"]
    bw = analyse(ds, "mansa", AnalysisOptions(df_method="between-within"), secondary=False,
                 subgroups=False)["fully_adjusted"]
    sat = analyse(ds, "mansa", AnalysisOptions(df_method="satterthwaite"), secondary=False,
                  subgroups=False)["fully_adjusted"]
    n_regions = len({r for r in ds.text["region"] if r})
    assert bw["df"] == bw["clusters"] - (1 + 1 + (n_regions - 1) + 1)
    assert bw["inference"] == "between_within_t" and sat["inference"] == "satterthwaite_t"
    for t in (bw, sat):
        assert t["effect"] == wald["effect"]
        assert t["ci"][1] - t["ci"][0] > wald["ci"][1] - wald["ci"][0]
        assert math.isfinite(t["df"]) and t["df"] > 1


def test_too_much_missing_data_means_no_inferential_analysis_even_for_the_primary_outcome(ds):
    out = analyse(ds, "mansa", AnalysisOptions(max_missing=0.05), secondary=False, subgroups=False)
    assert out["inferential"] is False
    assert out["partially_adjusted"] is None and "no inferential analysis" in out["reason"]


def test_safety_events_are_counted_by_arm_and_as_treated(ds):
    from datetime import date

    i = ds.arm.index("intervention")
    c = ds.arm.index("control")
    events = [
        SafetyEvent(ds.participant_id[i], "psychiatric_admission", date(2020, 3, 1), 10, date(2019, 12, 1)),
        SafetyEvent(ds.participant_id[i], "crisis_episode", date(2019, 11, 1), 5, date(2019, 12, 1)),
        SafetyEvent(ds.participant_id[c], "serious_adverse_event", date(2020, 1, 1)),
    ]
    out = analyse(ds, "mansa", secondary=False, subgroups=False, safety_events=events)["safety"]
    assert out["by_arm"]["intervention"]["psychiatric_admissions"] == {"events": 1, "participants": 1}
    assert out["by_arm"]["intervention"]["inpatient_days"] == 10
    assert out["as_treated"]["treated"]["psychiatric_admissions"]["events"] == 1
    assert out["as_treated"]["untreated"]["crisis_episodes"]["events"] == 1  # contact came after onset
    assert out["by_arm"]["control"]["serious_adverse_events"]["events"] == 1
    assert out["as_treated"]["untreated"]["serious_adverse_events"]["events"] == 1


def test_an_arm_effect_is_not_estimated_when_practice_level_terms_use_up_every_practice():
    import io

    from partners.trial.stats.dataset import parse_dataset

    practices = [("P1", "intervention", "North", "large"), ("P2", "control", "North", "small"),
                 ("P3", "control", "Coast", "large"), ("P4", "control", "Rural", "large"),
                 ("P5", "intervention", "Rural", "small")]
    rng = np.random.default_rng(3)
    lines = ["participant_id,practice_id,arm,region,practice_size,baseline_mansa,followup_mansa"]
    for p, arm, region, size in practices:
        for k in range(4):
            b = rng.normal(4.3, 0.8)
            lines.append(f"{p}-{k},{p},{arm},{region},{size},{b:.3f},{b + rng.normal(0.2, 0.6):.3f}")
    ds = parse_dataset(io.StringIO("\n".join(lines)), "five-practices.csv")
    result = analyse(ds, "mansa", AnalysisOptions(imputations=2), secondary=False, subgroups=False)
    # intercept, arm, two region levels and one size level: five practice-level parameters for five practices.
    assert result["fully_adjusted"]["available"] is False
    assert "5 practice-level parameters for 5 practices" in result["fully_adjusted"]["reason"]
    assert result["partially_adjusted"]["se"] < 1  # intercept and arm only: estimable
