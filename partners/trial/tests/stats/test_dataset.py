import io

import numpy as np
import pytest

from partners.trial.stats.analysis import analyse
from partners.trial.stats.dataset import DatasetError, parse_dataset, read_dataset

GOOD = """participant_id,practice_id,arm,region,practice_size,baseline_mansa,followup_mansa,followup_in_window
P1,C1,intervention,North,small,4.1,4.5,true
P2,C1,intervention,North,small,3.9,,
P3,C2,control,South,large,4.4,4.2,no
P4,C2,control,South,large,5.0,5.1,Y
"""


def parse(text: str):
    return parse_dataset(io.StringIO(text), "DATA.csv")


def test_a_good_dataset_is_read_with_blank_as_missing_and_booleans_in_any_spelling():
    ds = parse(GOOD)
    assert ds.participant_id == ["P1", "P2", "P3", "P4"]
    assert ds.measures == ["mansa"]
    assert np.isnan(ds.followup["mansa"][1])
    assert list(ds.followup_in_window[[0, 2, 3]]) == [1.0, 0.0, 1.0]
    assert list(ds.intervention) == [True, True, False, False]


def test_headers_are_case_insensitive_and_a_bom_and_hyphenated_measure_names_are_accepted(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes("\ufeffParticipant_ID , Practice_Id,ARM,baseline_ICECAP-A,followup_icecap_a\n"
                     "P1,C1,Intervention,0.5,0.6\n".encode())
    ds = read_dataset(path)
    assert ds.measures == ["icecap_a"]
    assert ds.require_outcome("icecap-a") == "icecap_a"


def test_a_missing_column_is_named():
    with pytest.raises(DatasetError, match="column 'arm' is missing"):
        parse("participant_id,practice_id\nP1,C1\n")


def test_a_non_numeric_outcome_names_the_row_column_and_value():
    bad = GOOD.replace("3.9", "three")
    with pytest.raises(DatasetError) as exc:
        parse(bad)
    assert "DATA.csv: row 3, column 'baseline_mansa': 'three' is not a number" in str(exc.value)


def test_every_bad_value_is_reported_not_just_the_first():
    bad = GOOD.replace("3.9", "x").replace("5.1", "y")
    bad = bad.replace("intervention,North,small,4.1", "treated,North,small,4.1")
    with pytest.raises(DatasetError) as exc:
        parse(bad)
    text = str(exc.value)
    assert "3 problems" in text and "'x'" in text and "'y'" in text and "'treated' is not" in text


def test_an_arm_that_changes_within_a_practice_is_refused():
    bad = GOOD.replace("P2,C1,intervention", "P2,C1,control")
    with pytest.raises(DatasetError, match="row 3, column 'arm': 'control' differs from 'intervention' in row 2"):
        parse(bad)


def test_duplicate_participants_are_refused():
    with pytest.raises(DatasetError, match="'P1' already appears in row 2"):
        parse(GOOD.replace("P2,", "P1,"))


def test_an_unknown_outcome_lists_the_measures_available():
    with pytest.raises(DatasetError, match=r"unknown outcome 'wemwbs'.*are: mansa"):
        analyse(parse(GOOD), "wemwbs")


def test_one_empty_arm_is_refused():
    text = "\n".join(line for line in GOOD.splitlines() if ",control," not in line) + "\n"
    text = text.replace("P1,C1", "P1,C1").replace("P2,C1", "P2,C9")
    with pytest.raises(DatasetError, match="no participant is allocated to the control arm"):
        analyse(parse(text), "mansa")


def test_a_single_practice_is_refused():
    text = "\n".join(line for line in GOOD.splitlines() if ",control," not in line) + "\n"
    with pytest.raises(DatasetError, match="single practice 'C1'"):
        analyse(parse(text), "mansa")


def test_the_minimisation_factors_are_required_for_the_analysis():
    text = GOOD.replace("region,", "").replace("North,", "").replace("South,", "")
    with pytest.raises(DatasetError, match="column 'region' is missing"):
        analyse(parse(text), "mansa")


def test_an_arm_without_any_complete_case_is_refused():
    text = GOOD.replace("4.4,4.2", "4.4,").replace("5.0,5.1", ",5.1")
    with pytest.raises(DatasetError, match="no participant in the control arm has both values"):
        analyse(parse(text), "mansa")


def test_an_empty_or_unreadable_file_is_refused(tmp_path):
    with pytest.raises(DatasetError, match="empty"):
        parse("")
    with pytest.raises(DatasetError, match="cannot read"):
        read_dataset(tmp_path / "missing.csv")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(DatasetError, match="not UTF-8"):
        read_dataset(binary)
