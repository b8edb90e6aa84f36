from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partners.casefinding.core.codelist import CodeListError, load_code_list
from partners.casefinding.core.extracts import (
    nhs_valid_mask,
    read_register,
    read_secondary,
    strip_nhs_numbers,
)
from partners.common.identifiers import is_valid_nhs_number

REGISTER_HEADER = ("nhs_number,family_name,given_name,date_of_birth,sex,postcode,practice_ods,snomed_code,"
                   "diagnosis_group,in_remission,last_mh_care_date,ethnicity,lsoa")
GOOD_REGISTER_ROW = "943 476 5919,Okonkwo,Ada,1970-03-14,F,ls1 4ap,B86001,58214004,,false,2025-06-01,A,E01011111"
SECONDARY_HEADER = ("nhs_number,family_name,given_name,date_of_birth,postcode,provider_ods,team_type,care_level,"
                    "referral_date,discharge_date")
GOOD_SECONDARY_ROW = "9434765919,Okonkwo,Ada,14/03/1970,LS1 4AP,RGD,cmht,cpa,2020-01-01,"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def test_a_clean_register_imports_with_every_value_normalised(tmp_path):
    header = REGISTER_HEADER.upper().replace(",", " , ")
    text = "\ufeff" + header + ",extra_column\n" + GOOD_REGISTER_ROW + ",ignored\n"
    table, report = read_register(write(tmp_path, "r.csv", text))
    assert report.ok and not report.issues and table is not None
    row = table.to_pylist()[0]
    assert row["row"] == 2
    assert row["nhs_number"] == "9434765919" and row["nhs_valid"] is True and row["nhs_raw"] == "943 476 5919"
    assert row["postcode"] == "LS1 4AP"
    assert row["sex"] == "female"
    assert row["date_of_birth"] == date(1970, 3, 14)
    assert row["diagnosis_group"] == "schizophrenia"  # derived from the SNOMED CT code
    assert row["in_remission"] is False
    assert "extra_column" not in table.column_names


def test_uk_dates_booleans_and_sex_spellings_are_all_accepted(tmp_path):
    rows = [
        "9434765919,A,B,01/02/1980,male,B1 1AA,B86001,,bipolar,YES,31/12/2024,Z,",
        "4010232137,C,D,1981-02-03,U,B1 1AB,B86001,,other_psychosis,n,,z,",
    ]
    table, report = read_register(write(tmp_path, "r.csv", REGISTER_HEADER + "\n" + "\n".join(rows) + "\n"))
    assert report.ok and table is not None, report.lines()
    first, second = table.to_pylist()
    assert first["date_of_birth"] == date(1980, 2, 1) and first["last_mh_care_date"] == date(2024, 12, 31)
    assert first["in_remission"] is True and second["in_remission"] is False
    assert (first["sex"], second["sex"]) == ("male", "unknown")
    assert second["ethnicity"] == "Z"


def test_a_missing_column_refuses_the_file_naming_the_column(tmp_path):
    header = REGISTER_HEADER.replace("date_of_birth,", "")
    row = GOOD_REGISTER_ROW.replace("1970-03-14,", "")
    table, report = read_register(write(tmp_path, "r.csv", header + "\n" + row + "\n"))
    assert table is None and not report.ok
    assert [(i.row, i.column) for i in report.errors] == [(1, "date_of_birth")]
    assert "missing" in report.errors[0].reason


def test_a_malformed_date_is_reported_with_row_column_value_and_nothing_is_imported(tmp_path):
    rows = [GOOD_SECONDARY_ROW, GOOD_SECONDARY_ROW.replace("2020-01-01", "2020-13-45"),
            GOOD_SECONDARY_ROW.replace("14/03/1970", "31/02/1970").replace("RGD", "RGE")]
    table, report = read_secondary(write(tmp_path, "s.csv", SECONDARY_HEADER + "\n" + "\n".join(rows) + "\n"))
    assert table is None
    assert [(i.row, i.column, i.value) for i in report.errors] == [
        (3, "referral_date", "2020-13-45"), (4, "date_of_birth", "31/02/1970")]
    assert all("not a date" in i.reason for i in report.errors)


def test_bytes_that_are_not_utf8_are_reported_on_their_row_and_column(tmp_path):
    good = GOOD_SECONDARY_ROW.encode()
    bad = GOOD_SECONDARY_ROW.replace("Ada", "Zo\u00eb").encode("latin-1")
    data = (SECONDARY_HEADER + "\n").encode() + good + b"\n" + bad + b"\n"
    table, report = read_secondary(write(tmp_path, "s.csv", data))
    assert table is None
    assert [(i.row, i.column) for i in report.errors] == [(3, "given_name")]
    assert "UTF-8" in report.errors[0].reason


def test_a_utf16_file_is_refused_as_a_whole(tmp_path):
    data = (SECONDARY_HEADER + "\n" + GOOD_SECONDARY_ROW + "\n").encode("utf-16")
    table, report = read_secondary(write(tmp_path, "s.csv", data))
    assert table is None and report.file_error
    assert "UTF-16" in report.errors[0].reason


def test_a_row_with_the_wrong_number_of_fields_is_named(tmp_path):
    text = SECONDARY_HEADER + "\n" + GOOD_SECONDARY_ROW + "\n" + "9434765919,Okonkwo,Ada\n"
    table, report = read_secondary(write(tmp_path, "s.csv", text))
    assert table is None
    assert report.errors[0].row == 3 and "3 fields" in report.errors[0].reason


def test_duplicate_rows_are_errors_that_name_the_first_copy(tmp_path):
    copies = [GOOD_SECONDARY_ROW, GOOD_SECONDARY_ROW + " ", GOOD_SECONDARY_ROW]
    text = SECONDARY_HEADER + "\n" + "\n".join(copies) + "\n"
    table, report = read_secondary(write(tmp_path, "s.csv", text))
    assert table is None
    assert [(i.row, i.reason) for i in report.errors] == [
        (3, "duplicate of row 2: every value is the same"), (4, "duplicate of row 2: every value is the same")]


def test_the_same_nhs_number_twice_at_one_practice_is_an_error_and_at_two_a_warning(tmp_path):
    other_practice = GOOD_REGISTER_ROW.replace("B86001", "B86002").replace("Ada", "Adaeze")
    same_practice = GOOD_REGISTER_ROW.replace("Ada", "Ade")
    text = REGISTER_HEADER + "\n" + "\n".join([GOOD_REGISTER_ROW, other_practice, same_practice]) + "\n"
    table, report = read_register(write(tmp_path, "r.csv", text))
    assert table is None
    assert [(i.row, i.severity) for i in report.issues] == [(3, "warning"), (4, "error")]


def test_an_invalid_nhs_number_is_a_warning_and_the_row_is_kept_for_probabilistic_linkage(tmp_path):
    row = GOOD_REGISTER_ROW.replace("943 476 5919", "943 476 5918")
    table, report = read_register(write(tmp_path, "r.csv", REGISTER_HEADER + "\n" + row + "\n"))
    assert report.ok and table is not None
    [issue] = report.issues
    assert (issue.row, issue.column, issue.value, issue.severity) == (2, "nhs_number", "943 476 5918", "warning")
    assert "Modulus 11" in issue.reason
    kept = table.to_pylist()[0]
    assert kept["nhs_number"] is None and kept["nhs_valid"] is False and kept["nhs_digits"] == "9434765918"


def test_unknown_codes_are_errors(tmp_path):
    rows = [GOOD_SECONDARY_ROW.replace("cmht", "ward"), GOOD_SECONDARY_ROW.replace("cpa", "high").replace("RGD", "RGE")]
    table, report = read_secondary(write(tmp_path, "s.csv", SECONDARY_HEADER + "\n" + "\n".join(rows) + "\n"))
    assert table is None
    assert [(i.row, i.column, i.value) for i in report.errors] == [(2, "team_type", "ward"), (3, "care_level", "high")]


def test_quarantine_imports_the_good_rows_and_lists_the_bad_ones(tmp_path):
    rows = [GOOD_SECONDARY_ROW, GOOD_SECONDARY_ROW.replace("cmht", "ward").replace("RGD", "RGE"),
            GOOD_SECONDARY_ROW.replace("RGD", "RXX")]
    path = write(tmp_path, "s.csv", SECONDARY_HEADER + "\n" + "\n".join(rows) + "\n")
    table, report = read_secondary(path, quarantine=True)
    assert report.ok and report.quarantined_rows == [3] and table is not None
    assert table.column("row").to_pylist() == [2, 4]
    assert table.column("provider_ods").to_pylist() == ["RGD", "RXX"]
    report_file = tmp_path / "report.csv"
    report.write_csv(report_file)
    assert "3,team_type,ward" in report_file.read_text() and ",yes" in report_file.read_text()


def test_reading_the_same_file_twice_gives_the_same_table_and_report(tmp_path):
    rows = [GOOD_SECONDARY_ROW, GOOD_SECONDARY_ROW.replace("9434765919", "12345").replace("RGD", "RGE")]
    path = write(tmp_path, "s.csv", SECONDARY_HEADER + "\n" + "\n".join(rows) + "\n")
    first_table, first_report = read_secondary(path)
    second_table, second_report = read_secondary(path)
    assert first_table is not None and second_table is not None
    assert first_table.equals(second_table)
    assert first_report.issues == second_report.issues


def test_an_excel_workbook_reads_like_the_csv(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(SECONDARY_HEADER.split(","))
    sheet.append([9434765919, "Okonkwo", "Ada", date(1970, 3, 14), "LS1 4AP", "RGD", "cmht", "cpa",
                  date(2020, 1, 1), None])
    path = tmp_path / "s.xlsx"
    workbook.save(path)
    table, report = read_secondary(path)
    csv_table, _ = read_secondary(write(tmp_path, "s.csv", SECONDARY_HEADER + "\n" + GOOD_SECONDARY_ROW + "\n"))
    assert report.ok and table is not None and csv_table is not None
    assert table.equals(csv_table)


def test_a_snomed_code_outside_the_list_is_a_warning_and_the_group_stays_unknown(tmp_path):
    row = GOOD_REGISTER_ROW.replace("58214004", "22298006")  # myocardial infarction: not an SMI code
    table, report = read_register(write(tmp_path, "r.csv", REGISTER_HEADER + "\n" + row + "\n"))
    assert report.ok and table is not None and table.column("diagnosis_group").to_pylist() == [None]
    assert report.warnings[0].column == "snomed_code"


def test_a_replacement_code_list_is_used_and_a_bad_one_is_refused_with_its_row(tmp_path):
    custom = write(tmp_path, "codes.csv", "snomed_code,diagnosis_group\n22298006,bipolar\n")
    row = GOOD_REGISTER_ROW.replace("58214004", "22298006")
    table, _ = read_register(write(tmp_path, "r.csv", REGISTER_HEADER + "\n" + row + "\n"),
                             code_list=load_code_list(custom))
    assert table is not None
    assert table.column("diagnosis_group").to_pylist() == ["bipolar"]
    bad = write(tmp_path, "bad.csv", "snomed_code,diagnosis_group\n22298006,depression\n")
    with pytest.raises(CodeListError, match="row 2, column 'diagnosis_group', value 'depression'"):
        load_code_list(bad)


def test_the_default_code_list_maps_the_main_smi_concepts():
    codes = load_code_list()
    assert codes.group_for("58214004") == "schizophrenia"
    assert codes.group_for("13746004") == "bipolar"
    assert codes.group_for("69322001") == "other_psychosis"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet="0123456789", min_size=10, max_size=10),
                          st.text(alphabet="0123456789 -x", max_size=13)), min_size=1, max_size=30))
def test_the_vectorised_modulus_11_check_agrees_with_the_identifiers_module(values):
    stripped = strip_nhs_numbers(pa.array(values, type=pa.string()))
    assert list(nhs_valid_mask(stripped)) == [is_valid_nhs_number(v) for v in stripped.to_pylist()]
