from partners.trial.reports import formatting as fmt


def test_negative_numbers_use_the_minus_sign_and_ranges_with_negatives_use_to():
    assert fmt.number(-0.25, 2) == "\u22120.25"
    assert fmt.interval(-1.85, 3.32, 2, "[]") == "[\u22121.85 to 3.32]"
    assert fmt.interval(2.18, 6.36, 2, "[]") == "[2.18\u20136.36]"


def test_effects_are_printed_as_the_paper_prints_them():
    block = {"effect": 0.0312, "ci": [-0.2512, 0.3113], "p": 0.8191}
    assert fmt.effect_cell(block, 2) == ["0.03", "(\u22120.25 to 0.31)", "P = 0.819"]
    assert fmt.effect_number(-0.004, 2) == "\u22120.004"
    assert fmt.p_value(0.0004) == "P < 0.001"


def test_means_sds_and_ranges_follow_the_scale_of_the_measure():
    mansa = {"n": 116, "mean": 4.2913, "sd": 0.8811, "min": 2.18, "max": 6.36, "integer_valued": False}
    assert fmt.summary_cell(mansa, fmt.decimals_for(0.88)) == ["n = 116", "4.29 (0.88)", "[2.18\u20136.36]"]
    wemwbs = {"n": 116, "mean": 39.31, "sd": 12.04, "min": 14, "max": 70, "integer_valued": True}
    assert fmt.summary_cell(wemwbs, fmt.decimals_for(12.04)) == ["n = 116", "39.3 (12.0)", "[14\u201370]"]


def test_counts_and_percentages_have_one_decimal():
    assert fmt.count_pct(8, 20) == "8/20 (40.0%)"
    assert fmt.count_pct(0, 19) == "0 (0.0%)"


def test_iccs_use_two_decimals_or_one_significant_figure_when_small():
    assert fmt.icc_with_ci(0.2012, (0.0912, 0.4021)) == ["0.20", "(0.09\u20130.40)"]
    assert fmt.icc_with_ci(0.0071, (0.0, 1.0)) == ["0.007", "(0\u20131)"]


def test_medians_show_the_iqr():
    stats = {"n": 23, "median": 75.0, "q1": 24.0, "q3": 312.0, "integer_valued": True}
    assert fmt.summary_cell(stats, 1, median=True) == ["n = 23", "Median: 75", "IQR: [24\u2013312]"]
