import csv
import hashlib
import hmac

import pyreadstat
import pytest

from partners.trial.reports.extract import ExtractError, pseudonym, stata_name, write_extract

KEY = b"a-test-key-of-32-bytes-exactly!!"
ROWS = [
    {"participant_id": "SYN-P1", "practice_id": "SYN-C1", "arm": "intervention", "nhs_number": "9434765919",
     "postcode": "ZZ99 3VZ", "baseline_mansa": "4.2", "followup_in_window": "true", "region": "North",
     "a very-long column name that Stata would not accept as it is": "x"},
    {"participant_id": "SYN-P2", "practice_id": "SYN-C1", "arm": "control", "nhs_number": "", "postcode": "",
     "baseline_mansa": "", "followup_in_window": "no", "region": "South",
     "a very-long column name that Stata would not accept as it is": "y"},
]


def test_pseudonyms_are_keyed_hmacs_that_change_with_the_key():
    p = pseudonym("SYN-P1", KEY, "participant_id", "P-", 16)
    expected = hmac.new(KEY, b"participant_id:SYN-P1", hashlib.sha256).hexdigest()[:16]
    assert p == "P-" + expected
    assert pseudonym("SYN-P1", b"another-key-of-enough-length-!!", "participant_id", "P-", 16) != p
    assert hashlib.sha256(b"SYN-P1").hexdigest()[:16] not in p  # not a plain (unkeyed) hash
    with pytest.raises(ExtractError, match="at least 16 bytes"):
        pseudonym("SYN-P1", b"short")


def test_the_extract_drops_identifiers_pseudonymises_ids_and_writes_csv_dta_and_a_dictionary(tmp_path):
    paths = write_extract(ROWS, tmp_path, KEY)
    with paths["csv"].open() as fh:
        rows = list(csv.DictReader(fh))
    assert "nhs_number" not in rows[0] and "postcode" not in rows[0]
    assert rows[0]["participant_id"].startswith("P-") and "SYN-P1" not in paths["csv"].read_text()
    assert rows[0]["arm"] == "1" and rows[1]["arm"] == "0"
    frame, meta = pyreadstat.read_dta(str(paths["dta"]))
    assert list(frame["participant_id"]) == [r["participant_id"] for r in rows]
    assert meta.variable_value_labels["arm"] == {0: "control", 1: "intervention"}
    assert meta.column_names_to_labels["baseline_mansa"] == "Baseline MANSA score"
    assert all(len(name) <= 32 and name.replace("_", "a").isalnum() for name in meta.column_names)
    with paths["dictionary"].open() as fh:
        dictionary = list(csv.DictReader(fh))
    removed = {d["source_column"] for d in dictionary if d["type"] == "removed"}
    assert removed == {"nhs_number", "postcode"}
    window = next(d for d in dictionary if d["variable"] == "followup_in_window")
    assert window["values"] == "1 = true, 0 = false"


def test_the_same_key_gives_the_same_pseudonyms_across_extracts(tmp_path):
    a = write_extract(ROWS, tmp_path / "a", KEY)["csv"].read_text()
    b = write_extract(ROWS, tmp_path / "b", KEY)["csv"].read_text()
    c = write_extract(ROWS, tmp_path / "c", b"a-different-key-of-32-bytes!!!!!")["csv"].read_text()
    assert a == b and a != c


def test_stata_names_are_valid_and_unique():
    taken: set[str] = set()
    names = [stata_name(n, taken) for n in ["1st", "a-b", "a_b", "x" * 40, "x" * 40]]
    assert names[0] == "v_1st" and names[1] == "a_b" and names[2] == "a_b_1"
    assert len(names[3]) == 32 and names[3] != names[4]
