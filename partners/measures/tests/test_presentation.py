"""How items are asked: our labels and stems, or loaded licensed wording; values parsed for the engine."""

from __future__ import annotations

import pytest

from partners.measures.engine import get_instrument
from partners.measures.presentation import COLLECTED, encode, parse, questions


@pytest.mark.parametrize("code", COLLECTED)
def test_every_collected_instrument_has_one_question_per_item_with_a_stem(code):
    asked = questions(code)
    assert len(asked) == len(get_instrument(code).items)
    assert all(q.heading and q.stem and q.count == len(asked) for q in asked)


def test_mansa_asks_satisfaction_on_seven_points_then_yes_or_no():
    asked = questions("mansa")
    assert asked[0].heading == "Life as a whole" and asked[0].kind == "choice"
    assert [o.label for o in asked[0].options][::3] == ["1 - couldn't be worse", "4 - mixed", "7 - couldn't be better"]
    assert asked[12].kind == "yes_no" and [o.value for o in asked[12].options] == [True, False]


def test_phq9_shows_all_four_response_options():
    assert [o.label for o in questions("phq9")[0].options] == [
        "0 - not at all", "1 - several days", "2 - more than half the days", "3 - nearly every day"]


def test_the_eq5d_scale_and_time_use_hours_are_typed_numbers():
    assert questions("eq-5d-5l")[5].kind == "number" and questions("tus")[0].kind == "hours"


def test_licensed_wording_replaces_our_labels():
    wording = [f"Licensed text {n}" for n in range(1, 8)]
    asked = questions("gad7", wording, "pl")
    assert asked[2].heading == "Licensed text 3" and asked[2].licensed and asked[2].language == "pl"
    with pytest.raises(ValueError):
        questions("gad7", wording[:3], "pl")


def test_goal_based_outcomes_are_not_a_questionnaire():
    assert "gbo" not in COLLECTED
    with pytest.raises(ValueError):
        questions("gbo")


@pytest.mark.parametrize(("code", "number", "raw", "value"), [
    ("mansa", 1, "5", 5), ("mansa", 13, "true", True), ("mansa", 14, "false", False), ("tus", 1, "2.5", 2.5),
    ("tus", 1, "4", 4), ("eq-5d-5l", 6, " 70 ", 70), ("mansa", 2, "", None),
])
def test_form_values_become_what_the_engine_accepts(code, number, raw, value):
    parsed = parse(questions(code)[number - 1], raw)
    assert parsed == value and type(parsed) is type(value)
    assert encode(parsed) == raw.strip()


@pytest.mark.parametrize(("code", "number", "raw", "message"), [
    ("mansa", 13, "1", "Select yes or no"), ("mansa", 1, "4.5", "whole number"), ("tus", 2, "lots", "hours"),
])
def test_values_of_the_wrong_type_are_refused_with_a_message(code, number, raw, message):
    with pytest.raises(ValueError, match=message):
        parse(questions(code)[number - 1], raw)
