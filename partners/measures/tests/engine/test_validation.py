"""Every bad input is a ScoringError naming the item, the value and what is allowed; nothing is clipped."""

from __future__ import annotations

import math

import pytest

from partners.measures.engine import INSTRUMENTS, ScoringError, get_instrument, score, validate

FIXED = [code for code, inst in INSTRUMENTS.items() if not inst.variable_items]


def valid_responses(code: str) -> list:
    instrument = get_instrument(code)
    out: list = []
    for item in instrument.items:
        if item.kind == "boolean":
            out.append(True)
        elif item.kind == "hours":
            out.append(2.5)
        else:
            out.append(int(item.minimum or 0))
    return out


def integer_items():
    for code in FIXED:
        for item in get_instrument(code).items:
            if item.kind == "integer":
                yield code, item


INTEGER_ITEMS = list(integer_items())


@pytest.mark.parametrize(("code", "item"), INTEGER_ITEMS, ids=[f"{c}-{i.number}" for c, i in INTEGER_ITEMS])
def test_a_response_just_outside_the_allowed_range_is_refused_naming_the_item(code, item):
    for bad in (int(item.maximum) + 1, int(item.minimum) - 1):
        responses = valid_responses(code)
        responses[item.number - 1] = bad
        with pytest.raises(ScoringError) as caught:
            validate(code, responses)
        error = caught.value
        assert error.item_number == item.number and error.item_label == item.label and error.value == bad
        assert f"item {item.number} ({item.label}): {bad} is not allowed" in str(error)
        assert f"{item.minimum:g} to {item.maximum:g}" in str(error)


@pytest.mark.parametrize(("code", "item"), INTEGER_ITEMS, ids=[f"{c}-{i.number}" for c, i in INTEGER_ITEMS])
@pytest.mark.parametrize("bad", [True, False, 2.5, 3.0, "3", [3], {"value": 3}])
def test_a_wrong_type_for_a_numbered_item_is_refused(code, item, bad):
    responses = valid_responses(code)
    responses[item.number - 1] = bad
    with pytest.raises(ScoringError, match=rf"item {item.number} \("):
        score(code, responses)


def test_json_true_is_not_taken_as_one_even_where_one_is_allowed():
    with pytest.raises(ScoringError, match=r"item 1 \(optimistic\): true is not allowed"):
        score("wemwbs", [True] + [3] * 13)


def test_a_whole_number_written_as_a_decimal_is_refused_for_a_whole_number_item():
    with pytest.raises(ScoringError, match=r"item 2 \(useful\): 3.0 is not allowed"):
        score("wemwbs", [3, 3.0] + [3] * 12)


@pytest.mark.parametrize("bad", [1, 0, "true", "yes", 1.0])
def test_yes_no_items_take_only_true_or_false(bad):
    with pytest.raises(ScoringError, match=r"item 16 \(victim of violence in the past year\)") as caught:
        score("mansa", [4] * 12 + [True, True, False, bad])
    assert "true or false" in str(caught.value.allowed)


@pytest.mark.parametrize("bad", [-0.5, -1, True, "10", math.nan, math.inf, [1], 10**400])
def test_tus_hours_must_be_a_finite_number_at_least_zero(bad):
    with pytest.raises(ScoringError, match=r"item 3 \(education\)"):
        score("tus", [1, 1, bad, 1, 1, 1, 1])


@pytest.mark.parametrize("code", FIXED)
def test_the_wrong_number_of_responses_is_refused_naming_the_count_expected(code):
    instrument = get_instrument(code)
    too_few = valid_responses(code)[: instrument.required_count - 1]
    too_many = valid_responses(code) + valid_responses(code)[:1]
    for responses in (too_few, too_many, []):
        with pytest.raises(ScoringError, match=rf"{code}: expected .*{instrument.required_count}.* got "
                                               rf"{len(responses)}"):
            score(code, responses)


def test_the_optional_trailing_items_may_be_left_off():
    assert score("eq-5d-5l", [1, 1, 1, 1, 1]).scores["vas"] is None
    assert score("eq-5d-5l", [1, 1, 1, 1, 1, 85]).scores["vas"] == 85
    assert score("tus", [1, 1, 1, 1, 1, 1, 1]).score == 7


@pytest.mark.parametrize("bad", [101, -1, 50.5, True, "80"])
def test_the_eq5d_vas_is_a_whole_number_from_0_to_100(bad):
    with pytest.raises(ScoringError, match=r"item 6 \(health today \(VAS\)\)"):
        score("eq-5d-5l", [1, 1, 1, 1, 1, bad])


@pytest.mark.parametrize("bad", ["1,2,3", {"a": 1}, None, 5])
def test_responses_must_be_a_list(bad):
    with pytest.raises(ScoringError, match="responses must be a list"):
        score("phq9", bad)


def test_gbo_needs_at_least_one_goal_and_ratings_from_0_to_10():
    with pytest.raises(ScoringError, match="at least one"):
        score("gbo", [])
    with pytest.raises(ScoringError, match=r"item 2 \(goal 2\): 11"):
        score("gbo", [5, 11])


def test_an_unknown_instrument_is_refused_listing_the_known_ones():
    with pytest.raises(ScoringError, match="unknown instrument \"hads\"; known: mansa"):
        score("hads", [1])


def test_instrument_codes_are_case_insensitive():
    assert score("PHQ9", [0] * 9).instrument == "phq9"


def test_an_unknown_value_set_is_refused():
    with pytest.raises(ScoringError, match="unknown value set 'us-2020' for eq-5d-5l; known: uk-2026"):
        score("eq-5d-5l", [1, 1, 1, 1, 1], value_set="us-2020")


def test_a_value_set_for_an_instrument_without_value_sets_is_refused():
    with pytest.raises(ScoringError, match="wemwbs has no value sets"):
        score("wemwbs", [3] * 14, value_set="uk-2026")


@pytest.mark.parametrize(("code", "options", "message"), [
    ("phq9", {"prorate": True}, "unknown option prorate"),
    ("mansa", {"prorate_max_missing": 2}, "unknown option prorate_max_missing"),
    ("wemwbs", {"prorate": "yes"}, "prorate must be true or false"),
    ("wemwbs", {"prorate_max_missing": 14}, "prorate_max_missing must be a whole number 0 to 13"),
    ("wemwbs", {"prorate_max_missing": True}, "prorate_max_missing must be a whole number"),
    ("qpr15", {"prorate_max_missing": -1}, "0 to 14"),
    ("phq9", [("prorate_max_missing", 1)], "options must be a mapping"),
])
def test_bad_options_are_refused(code, options, message):
    instrument = get_instrument(code)
    with pytest.raises(ScoringError, match=message):
        score(code, valid_responses(code)[: len(instrument.items)], options=options)
