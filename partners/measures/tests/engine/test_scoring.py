"""The scoring rules of shared/spec/measures.md, instrument by instrument, as properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partners.measures.engine import NotConfiguredError, ScoringError, find_outliers, score

# The SWEMWBS conversion table as printed in shared/spec/measures.md (kept as text so that it is a second,
# independent transcription of the spec rather than the engine's own table).
SPEC_SWEMWBS_TABLE = """
7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75, 14: 15.32, 15: 15.84,
16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59, 21: 19.25, 22: 19.98, 23: 20.73, 24: 21.54,
25: 22.35, 26: 23.21, 27: 24.11, 28: 25.03, 29: 26.02, 30: 27.03, 31: 28.13, 32: 29.31, 33: 30.70,
34: 32.55, 35: 35.00
"""
SPEC_METRIC = {int(k): float(v) for k, v in (pair.split(":") for pair in SPEC_SWEMWBS_TABLE.replace("\n", " ")
                                            .split(",") if pair.strip())}


def number(value: float | None) -> float:
    assert value is not None
    return value


def answers(low: int, high: int, n: int, missing: bool = True) -> st.SearchStrategy[list[int | None]]:
    element: st.SearchStrategy[int | None] = st.integers(low, high)
    if missing:
        element = st.one_of(st.none(), st.integers(low, high))
    return st.lists(element, min_size=n, max_size=n)


# --- MANSA ---------------------------------------------------------------------------------------------

@given(answers(1, 7, 12), st.lists(st.one_of(st.none(), st.booleans()), min_size=4, max_size=4))
def test_mansa_is_the_mean_of_the_satisfaction_items_when_at_least_ten_are_answered(satisfaction, objective):
    result = score("mansa", satisfaction + objective)
    answered = [v for v in satisfaction if v is not None]
    if len(answered) >= 10:
        assert result.score == pytest.approx(sum(answered) / len(answered))
        assert 1 <= number(result.score) <= 7
        assert result.prorated is (len(answered) < 12)
        assert result.no_score_reason is None
    else:
        assert result.score is None
        assert result.prorated is False
        assert "at least 10" in str(result.no_score_reason)
    assert result.scores["objective"] == objective
    assert result.missing == satisfaction.count(None) + objective.count(None)
    assert result.rule.startswith("mansa")


def test_mansa_yes_no_items_never_change_the_score():
    satisfaction = [3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 6, 7]
    first = score("mansa", [*satisfaction, True, True, True, True])
    second = score("mansa", [*satisfaction, False, None, False, None])
    assert first.score == second.score == pytest.approx(53 / 12)
    assert second.scores["objective"] == [False, None, False, None]


def test_mansa_with_exactly_ten_answered_is_prorated_and_with_nine_has_no_score():
    ten = [5] * 10 + [None, None] + [True, False, False, False]
    nine = [5] * 9 + [None, None, None] + [True, False, False, False]
    assert score("mansa", ten).score == 5.0 and score("mansa", ten).prorated
    assert score("mansa", nine).score is None and not score("mansa", nine).prorated


def test_mansa_takes_true_and_false_for_the_yes_no_items_but_not_one_and_zero():
    with pytest.raises(ScoringError, match=r"item 13 \(has a close friend\): 1 is not allowed"):
        score("mansa", [4] * 12 + [1, 0, 0, 0])
    with pytest.raises(ScoringError, match=r"item 14 \(saw a friend in the past week\): \"yes\""):
        score("mansa", [4] * 12 + [True, "yes", False, False])


def test_mansa_refuses_true_as_a_satisfaction_rating():
    with pytest.raises(ScoringError, match=r"item 1 \(life as a whole\): true is not allowed.*1 to 7"):
        score("mansa", [True] + [4] * 11 + [True, False, False, False])


# --- WEMWBS ---------------------------------------------------------------------------------------------

@given(answers(1, 5, 14))
def test_wemwbs_is_the_sum_of_fourteen_items_with_no_score_if_any_is_missing(values):
    result = score("wemwbs", values)
    if None in values:
        assert result.score is None and not result.prorated
    else:
        assert result.score == sum(values)
        assert 14 <= number(result.score) <= 70
    assert result.missing == values.count(None)


@given(answers(1, 5, 14))
def test_wemwbs_prorating_when_enabled_is_the_mean_of_answered_times_14_with_at_most_three_missing(values):
    result = score("wemwbs", values, options={"prorate": True})
    answered = [v for v in values if v is not None]
    missing = 14 - len(answered)
    if missing == 0:
        assert result.score == sum(values) and not result.prorated
    elif missing <= 3:
        assert result.score == pytest.approx(sum(answered) / len(answered) * 14)
        assert 14 <= number(result.score) <= 70
        assert result.prorated
    else:
        assert result.score is None


def test_wemwbs_prorating_limit_can_be_set():
    values = [4] * 10 + [None] * 4
    assert score("wemwbs", values, options={"prorate": True}).score is None
    assert score("wemwbs", values, options={"prorate_max_missing": 4}).score == pytest.approx(56)
    assert score("wemwbs", values, options={"prorate_max_missing": 4}).options == {"prorate_max_missing": 4}


# --- SWEMWBS --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", range(7, 36))
def test_swemwbs_metric_score_follows_the_conversion_table_for_every_raw_score(raw):
    # Build responses (1-5) that sum to raw, spreading the excess over the items.
    values = [1] * 7
    excess = raw - 7
    for i in range(7):
        step = min(4, excess)
        values[i] += step
        excess -= step
    result = score("swemwbs", values)
    assert result.scores["raw"] == raw
    assert result.score == SPEC_METRIC[raw]


@given(answers(1, 5, 7))
def test_swemwbs_gives_no_score_and_no_raw_sum_when_any_item_is_missing(values):
    result = score("swemwbs", values)
    if None in values:
        assert result.score is None and result.scores["raw"] is None
    else:
        assert result.scores["raw"] == sum(values)
        assert 7 <= number(result.score) <= 35


def test_swemwbs_metric_rises_with_every_raw_point():
    metrics = [SPEC_METRIC[raw] for raw in range(7, 36)]
    assert metrics == sorted(metrics) and len(set(metrics)) == 29


# --- QPR-15 ---------------------------------------------------------------------------------------------

@given(answers(0, 4, 15))
def test_qpr15_is_the_sum_of_fifteen_items(values):
    result = score("qpr15", values)
    if None in values:
        assert result.score is None
    else:
        assert result.score == sum(values) and 0 <= number(result.score) <= 60


@given(answers(0, 4, 15), st.integers(0, 14))
def test_qpr15_prorates_only_when_asked_and_within_the_limit(values, limit):
    result = score("qpr15", values, options={"prorate_max_missing": limit})
    answered = [v for v in values if v is not None]
    missing = 15 - len(answered)
    if missing == 0:
        assert result.score == sum(values)
    elif missing <= limit:
        assert result.score == pytest.approx(sum(answered) / len(answered) * 15) and result.prorated
    else:
        assert result.score is None


def test_qpr15_does_not_take_the_wemwbs_prorate_shorthand():
    with pytest.raises(ScoringError, match="unknown option prorate"):
        score("qpr15", [2] * 15, options={"prorate": True})


# --- Brief INSPIRE --------------------------------------------------------------------------------------

@given(answers(0, 4, 5))
def test_brief_inspire_is_the_mean_item_score_times_25(values):
    result = score("brief-inspire", values)
    if None in values:
        assert result.score is None
    else:
        assert result.score == pytest.approx(sum(values) / 5 * 25)
        assert 0 <= number(result.score) <= 100


# --- Time Use Survey ------------------------------------------------------------------------------------

hours = st.floats(min_value=0, max_value=168, allow_nan=False, allow_infinity=False)


@given(st.lists(hours, min_size=7, max_size=8))
def test_tus_total_is_the_sum_and_constructive_economic_leaves_out_leisure_and_sport(values):
    result = score("tus", values)
    assert result.score == pytest.approx(sum(values))
    leisure, sport = values[3], values[4]
    assert result.scores["constructive_economic"] == pytest.approx(sum(values) - leisure - sport, abs=1e-9)
    assert 0 <= result.scores["constructive_economic"] <= number(result.score) + 1e-9


def test_tus_example_with_the_optional_other_row():
    result = score("tus", [30, 4, 0, 10, 2.5, 7, 0, 1.5])
    assert result.score == 55.0
    assert result.scores["constructive_economic"] == 42.5


def test_tus_gives_no_score_when_an_activity_is_missing():
    result = score("tus", [30, None, 0, 10, 2, 7, 0])
    assert result.score is None and result.scores["constructive_economic"] is None and result.missing == 1


def test_tus_outlier_rule_flags_but_keeps_the_score():
    over = score("tus", [60, 20, 10, 30, 10, 20, 20], options={"outlier_max_hours": 150})
    under = score("tus", [30, 4, 0, 10, 2, 7, 0], options={"outlier_max_hours": 150})
    assert over.score == 170 and over.scores["outlier"] is True and "tus-outlier" in over.flags
    assert under.scores["outlier"] is False and under.flags == ()
    assert "outlier" not in score("tus", [30, 4, 0, 10, 2, 7, 0]).scores


@pytest.mark.parametrize("bad", [0, -5, True, "100", math.inf])
def test_tus_outlier_threshold_must_be_a_positive_number(bad):
    with pytest.raises(ScoringError, match="outlier_max_hours"):
        score("tus", [1] * 7, options={"outlier_max_hours": bad})


def test_data_set_outlier_rules():
    totals = [10.0, 12.0, 11.0, 13.0, 12.5, 11.5, 130.0, None]
    assert find_outliers(totals, "iqr") == [False] * 6 + [True, False]
    assert find_outliers(totals, "max_hours", max_hours=100) == [False] * 6 + [True, False]
    assert find_outliers(totals) == [False] * 8
    with pytest.raises(ScoringError, match="unknown outlier rule"):
        find_outliers(totals, "zscore")


# --- PHQ-9 and GAD-7 ------------------------------------------------------------------------------------

PHQ9_BANDS = [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 19, "moderately severe"),
              (20, 27, "severe")]
GAD7_BANDS = [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 21, "severe")]


def band_of(bands, total):
    return next(label for low, high, label in bands if low <= total <= high)


@given(answers(0, 3, 9, missing=False))
def test_phq9_is_the_sum_with_its_severity_band(values):
    result = score("phq9", values)
    assert result.score == sum(values) and 0 <= number(result.score) <= 27
    assert result.scores["severity"] == band_of(PHQ9_BANDS, sum(values))
    assert ("phq9-item9-positive" in result.flags) is (values[8] > 0)


@given(answers(0, 3, 7, missing=False))
def test_gad7_is_the_sum_with_its_severity_band(values):
    result = score("gad7", values)
    assert result.score == sum(values) and 0 <= number(result.score) <= 21
    assert result.scores["severity"] == band_of(GAD7_BANDS, sum(values))


def test_phq9_with_a_missing_item_has_no_score_or_band_by_default():
    result = score("phq9", [1, 1, 1, 1, None, 1, 1, 1, 0])
    assert result.score is None and result.scores["severity"] is None and result.missing_items == (5,)


# --- Goal-based outcomes --------------------------------------------------------------------------------

@given(st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=1, max_size=6).flatmap(
    lambda now: st.tuples(st.just(now), st.lists(st.one_of(st.none(), st.integers(0, 10)),
                                                 min_size=len(now), max_size=len(now)))))
def test_gbo_mean_of_rated_goals_and_change_from_agreement(pair):
    now, baseline = pair
    result = score("gbo", now, options={"baseline": baseline})
    rated = [v for v in now if v is not None]
    assert result.score == (pytest.approx(sum(rated) / len(rated)) if rated else None)
    expected_change = [None if a is None or b is None else a - b for a, b in zip(now, baseline, strict=True)]
    assert result.scores["change"] == expected_change
    known = [c for c in expected_change if c is not None]
    assert result.scores["mean_change"] == (pytest.approx(sum(known) / len(known)) if known else None)


def test_gbo_baseline_must_match_the_goals():
    with pytest.raises(ScoringError, match="baseline must be a list of 2"):
        score("gbo", [3, 4], options={"baseline": [1]})
    with pytest.raises(ScoringError, match=r"item 2 \(goal 2 at agreement\): 11"):
        score("gbo", [3, 4], options={"baseline": [1, 11]})


# --- ICECAP-A without a tariff --------------------------------------------------------------------------

def test_icecap_a_says_the_tariff_is_not_configured_and_how_to_configure_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PARTNERS_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("PARTNERS_ICECAP_A_TARIFF", raising=False)
    with pytest.raises(NotConfiguredError) as caught:
        score("icecap-a", [4, 4, 4, 4, 4])
    message = str(caught.value)
    assert "tariff is not configured" in message
    assert "install-tariff icecap-a" in message and "attribute,level,value" in message


def test_icecap_a_responses_are_still_checked_before_the_tariff(tmp_path, monkeypatch):
    monkeypatch.setenv("PARTNERS_VAR_DIR", str(tmp_path))
    with pytest.raises(ScoringError, match=r"item 3 \(autonomy") as caught:
        score("icecap-a", [4, 4, 5, 4, 4])
    assert not isinstance(caught.value, NotConfiguredError)
