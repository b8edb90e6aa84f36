"""Linkage on a small synthetic population with a few hand-made people added to it.

The model is trained on every run, so the population gives splink something to estimate from; the
hand-made rows are the cases under test.
"""

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from partners.casefinding import synth
from partners.casefinding.core.extracts import read_register, read_secondary
from partners.casefinding.core.gaprule import apply_gap_rule
from partners.casefinding.core.linkage import Decision, link, record_keys
from partners.common.identifiers import is_valid_nhs_number

AS_OF = date(2026, 4, 1)
pytestmark = pytest.mark.slow  # each run trains a splink model (a few seconds)

# register rows: (key, nhs_number, given, family, dob, postcode)
CASES_REGISTER = [
    ("typo", "9990000018", "Margaret", "Hollingsworth", "1961-05-17", "LS6 2QT"),
    ("swap", "9990000026", "Oluwaseun", "Adebayo", "1975-03-08", "M14 5RL"),
    ("twin", "9990000034", "Ellis", "Featherstone", "1990-07-21", "YO1 7HH"),
    ("bad_nhs", "9990000043", "Tobias", "Quennell", "1958-11-30", "NR2 4SX"),  # 9990000042 is the valid one
    ("nickname", "9990000050", "William", "Thistlewood", "1949-12-02", "EX4 6PJ"),
]
# secondary rows: (key, nhs_number, given, family, dob, postcode, team, level, referral, discharge)
CASES_SECONDARY = [
    ("typo", "", "Margaret", "Holingsworth", "17/05/1961", "LS6 2QT", "cmht", "cpa", "2024-01-10", ""),
    ("swap", "", "Oluwaseun", "Adebayo", "1975-08-03", "M14 5RL", "cmht", "standard", "2019-02-01", "2020-03-04"),
    ("twin", "", "Harriet", "Featherstone", "1990-07-21", "YO1 7HH", "cmht", "cpa", "2025-01-01", ""),
    ("bad_nhs", "9990000042", "Tobias", "Quennell", "1958-11-30", "NR2 4SX", "eip", "standard", "2018-05-05",
     "2019-05-05"),
    ("nickname", "", "Bill", "Thistlewood", "02/12/1949", "EX4 6PJ", "outpatient", "outpatient_only",
     "2025-09-01", ""),
]


def test_the_hand_made_nhs_numbers_are_valid_except_the_mistyped_one():
    assert [is_valid_nhs_number(c[1]) for c in CASES_REGISTER] == [True, True, True, False, True]
    assert is_valid_nhs_number(CASES_SECONDARY[3][1])


def _write_population(folder: Path) -> dict[str, tuple[int, int]]:
    population = synth.generate(2000, seed=7)
    register = population.register.to_pylist()
    secondary = population.secondary.to_pylist()
    rows: dict[str, tuple[int, int]] = {}
    for key, nhs, given, family, dob, postcode in CASES_REGISTER:
        register.append({"nhs_number": nhs, "family_name": family, "given_name": given, "date_of_birth": dob,
                         "sex": "U", "postcode": postcode, "practice_ods": "B86001", "snomed_code": "58214004",
                         "diagnosis_group": "", "in_remission": "false", "last_mh_care_date": "2025-10-01",
                         "ethnicity": "Z", "lsoa": ""})
        rows[key] = (len(register) + 1, 0)
    for key, nhs, given, family, dob, postcode, team, level, referral, discharge in CASES_SECONDARY:
        secondary.append({"nhs_number": nhs, "family_name": family, "given_name": given, "date_of_birth": dob,
                          "postcode": postcode, "provider_ods": "RGD", "team_type": team, "care_level": level,
                          "referral_date": referral, "discharge_date": discharge})
        rows[key] = (rows[key][0], len(secondary) + 1)
    pacsv.write_csv(pa.Table.from_pylist(register), folder / "register.csv")
    pacsv.write_csv(pa.Table.from_pylist(secondary), folder / "secondary.csv")
    return rows


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    folder = tmp_path_factory.mktemp("population")
    rows = _write_population(folder)
    register, _ = read_register(folder / "register.csv")
    secondary, _ = read_secondary(folder / "secondary.csv")
    return register, secondary, rows


@pytest.fixture(scope="module")
def linked(population):
    register, secondary, rows = population
    result = link(register, secondary)
    gap = apply_gap_rule(register, secondary, result.links, result.review, as_of=AS_OF)
    return result, gap, rows


def _pairs(table: pa.Table) -> dict[tuple[int, int], dict]:
    return {(r["register_row"], r["secondary_row"]): r for r in table.to_pylist()}


def _status(gap: pa.Table, register_row: int) -> dict:
    return next(r for r in gap.to_pylist() if r["row"] == register_row)


def test_a_surname_typo_with_no_nhs_number_links_probabilistically(linked):
    result, gap, rows = linked
    link_row = _pairs(result.links)[rows["typo"]]
    assert link_row["method"] == "probabilistic" and link_row["match_probability"] >= 0.9
    assert _status(gap, rows["typo"][0])["status"] == "secondary_care"


def test_a_day_and_month_swap_still_links(linked):
    result, gap, rows = linked
    assert rows["swap"] in _pairs(result.links)
    out = _status(gap, rows["swap"][0])
    assert out["status"] == "discharged" and out["latest_discharge_date"] == date(2020, 3, 4)


def test_a_nickname_links_to_the_formal_name(linked):
    result, gap, rows = linked
    assert rows["nickname"] in _pairs(result.links)
    assert _status(gap, rows["nickname"][0])["status"] == "limited_secondary"


def test_a_register_row_with_an_invalid_nhs_number_links_to_a_secondary_row_with_a_valid_one(linked):
    result, gap, rows = linked
    assert _pairs(result.links)[rows["bad_nhs"]]["method"] == "probabilistic"
    assert _status(gap, rows["bad_nhs"][0])["match_method"] == "probabilistic"


def test_twins_sharing_surname_birth_date_and_postcode_are_never_merged(linked):
    result, gap, rows = linked
    assert rows["twin"] not in _pairs(result.links)
    assert _status(gap, rows["twin"][0])["status"] == "primary_care_only"
    queued = _pairs(result.review).get(rows["twin"])
    assert queued is None or queued["guard"] == "household"


def test_twins_are_not_merged_even_with_a_low_threshold(population):
    register, secondary, rows = population
    result = link(register, secondary, threshold=0.51)
    assert rows["twin"] not in _pairs(result.links)


def test_pairs_below_the_threshold_wait_for_review_and_decisions_override_the_model(population):
    register, secondary, rows = population
    strict = link(register, secondary, threshold=1.0)
    queued = _pairs(strict.review)
    assert rows["typo"] in queued and rows["typo"] not in _pairs(strict.links)
    gap = apply_gap_rule(register, secondary, strict.links, strict.review, as_of=AS_OF)
    assert _status(gap, rows["typo"][0])["needs_review"] is True

    typo, swap = queued[rows["typo"]], queued[rows["swap"]]
    decisions = [Decision(typo["register_key"], typo["secondary_key"], accept=True),
                 Decision(swap["register_key"], swap["secondary_key"], accept=False)]
    decided = link(register, secondary, threshold=1.0, decisions=decisions)
    assert _pairs(decided.links)[rows["typo"]]["method"] == "clerical"
    assert rows["swap"] not in _pairs(decided.links) and rows["swap"] not in _pairs(decided.review)


def test_record_keys_are_stable_fingerprints_of_the_identifying_fields(population):
    register, _, _ = population
    keys = record_keys(register, "register").to_pylist()
    assert keys == record_keys(register, "register").to_pylist()
    assert len(set(keys)) == len(keys)


def test_every_linked_pair_of_the_population_is_the_same_person(linked):
    result = linked[0]
    truth_reg = synth.generate(2000, seed=7)
    people_reg = truth_reg.register_truth.column("person_id").to_pylist()
    people_sec = truth_reg.secondary_truth.column("person_id").to_pylist()
    population_links = [p for p in _pairs(result.links) if p[0] - 2 < len(people_reg) and p[1] - 2 < len(people_sec)]
    wrong = [p for p in population_links if people_reg[p[0] - 2] != people_sec[p[1] - 2]]
    assert len(population_links) > 2000 and not wrong
