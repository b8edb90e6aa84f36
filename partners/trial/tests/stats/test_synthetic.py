from partners.trial.stats.synthetic import synthetic_dataset, synthetic_trial


def test_synthetic_trials_are_reproducible_and_clearly_synthetic():
    a = synthetic_trial(3)
    assert a == synthetic_trial(3) and a != synthetic_trial(4)
    assert all(r["participant_id"].startswith("SYN-P") and r["practice_id"].startswith("SYN-C") for r in a)


def test_a_synthetic_trial_has_the_columns_of_the_analysis_dataset_and_both_arms():
    ds = synthetic_dataset(5, practices=12)
    assert len(ds.practices()) == 12
    assert set(ds.arm) == {"intervention", "control"}
    assert {"mansa", "tus", "brief_inspire"} <= set(ds.measures)
    for col in ("region", "practice_size", "diagnosis_group", "care_setting", "period"):
        assert col in ds.text
    assert ds.followup_in_window is not None and "cp_availability" in ds.numeric
