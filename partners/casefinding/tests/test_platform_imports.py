"""Imports in the platform: validated row by row by the core, atomic, idempotent, with a report."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from partners.casefinding import services
from partners.casefinding.models import CodeListEntry, ImportBatch, ImportIssue, RegisterRow, SecondaryRow
from partners.casefinding.tests.platform_data import valid_nhs
from partners.conftest import actor_for

HEADER = ("nhs_number,family_name,given_name,date_of_birth,sex,postcode,practice_ods,snomed_code,diagnosis_group,"
          "in_remission,last_mh_care_date,ethnicity,lsoa\n")
N1, N2 = valid_nhs(993330001), valid_nhs(993330101)


def register_csv(*lines: str) -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode()


GOOD = (f"{N1},Smith,Ann,1970-01-02,F,LS1 4AP,XT0001,58214004,,false,2026-01-01,A,",
        f"{N2},Jones,Bob,02/03/1980,M,ls2 7hq,XT0002,,bipolar,no,2025-06-01,Z,")


@pytest.fixture
def admin(world):
    return actor_for(world.users["admin"])


def test_a_valid_register_imports_every_row_with_its_practice_and_person(admin, world):
    outcome = services.extract_import(actor=admin, kind="register", filename="reg.csv", data=register_csv(*GOOD))
    batch = outcome.batch
    assert batch.status == "imported" and batch.rows_imported == 2 and not outcome.already_imported
    rows = list(RegisterRow.objects.order_by("row"))
    assert [(r.row, r.nhs_number, r.practice_id, r.diagnosis_group) for r in rows] == [
        (2, N1, world.practice_a.pk, "schizophrenia"), (3, N2, world.practice_b.pk, "bipolar")]
    assert rows[1].postcode == "LS2 7HQ" and rows[0].person_key == N1


def test_the_same_file_twice_is_one_import(admin):
    first = services.extract_import(actor=admin, kind="register", filename="reg.csv", data=register_csv(*GOOD))
    again = services.extract_import(actor=admin, kind="register", filename="copy.csv", data=register_csv(*GOOD))
    assert again.already_imported and again.batch.pk == first.batch.pk
    assert ImportBatch.objects.count() == 1 and RegisterRow.objects.count() == 2


def test_a_file_with_errors_is_refused_whole_with_every_bad_row_named(admin):
    data = register_csv(GOOD[0], f"{N2},Jones,Bob,31/02/1980,M,LS2 7HQ,XT0002,,bipolar,no,2025-06-01,Z,",
                        GOOD[0])
    batch = services.extract_import(actor=admin, kind="register", filename="bad.csv", data=data).batch
    assert batch.status == "refused" and batch.rows_imported == 0
    assert not RegisterRow.objects.exists()
    issues = {(i.row, i.column, i.value) for i in ImportIssue.objects.filter(batch=batch, severity="error")}
    assert (3, "date_of_birth", "31/02/1980") in issues
    assert any(row == 4 for row, _, _ in issues)  # the duplicate row


def test_bytes_that_are_not_utf8_and_wrong_columns_are_reported(admin):
    bad_bytes = register_csv(GOOD[0]).replace(b"Smith", b"Sm\xe9th")
    batch = services.extract_import(actor=admin, kind="register", filename="latin1.csv", data=bad_bytes).batch
    assert batch.status == "refused"
    assert any("UTF-8" in i.reason for i in batch.issues.all())
    wrong = b"nhs_number,surname\n" + N1.encode() + b",Smith\n"
    batch = services.extract_import(actor=admin, kind="register", filename="cols.csv", data=wrong).batch
    assert batch.status == "refused" and any("missing" in i.reason for i in batch.issues.all())


def test_an_invalid_nhs_number_is_a_warning_and_the_row_imports_without_it(admin):
    data = register_csv(GOOD[0].replace(N1, "9434765918", 1))
    batch = services.extract_import(actor=admin, kind="register", filename="warn.csv", data=data).batch
    assert batch.status == "imported" and batch.warning_count == 1
    row = RegisterRow.objects.get()
    assert row.nhs_number is None and row.nhs_raw == "9434765918" and row.person_key.startswith("k:")
    assert ImportIssue.objects.get().column == "nhs_number"


def test_quarantine_imports_the_good_rows_and_lists_what_was_set_aside(admin):
    data = register_csv(GOOD[0], f"{N2},Jones,Bob,not a date,M,LS2 7HQ,XT0002,,bipolar,no,2025-06-01,Z,")
    batch = services.extract_import(actor=admin, kind="register", filename="q.csv", data=data, quarantine=True).batch
    assert batch.status == "imported" and batch.rows_imported == 1 and batch.quarantine
    assert ImportIssue.objects.get(batch=batch, severity="error").quarantined


def test_an_excel_workbook_imports_like_csv(admin):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in csv.reader(io.StringIO(register_csv(*GOOD).decode())):
        sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = services.extract_import(actor=admin, kind="register", filename="reg.xlsx", data=buffer.getvalue()).batch
    assert batch.status == "imported" and RegisterRow.objects.count() == 2


def test_a_secondary_care_extract_imports(admin):
    data = (b"nhs_number,family_name,given_name,date_of_birth,postcode,provider_ods,team_type,care_level,"
            b"referral_date,discharge_date\n" + N1.encode() + b",Smith,Ann,1970-01-02,LS1 4AP,RT1,cmht,cpa,"
            b"2024-01-01,\n")
    batch = services.extract_import(actor=admin, kind="secondary", filename="sec.csv", data=data).batch
    assert batch.status == "imported"
    assert SecondaryRow.objects.get().discharge_date is None


def test_practice_staff_may_import_only_their_own_practices_register(world):
    staff = actor_for(world.users["practice_a"])
    batch = services.extract_import(actor=staff, kind="register", filename="reg.csv", data=register_csv(*GOOD)).batch
    assert batch.status == "refused" and not RegisterRow.objects.exists()
    assert ImportIssue.objects.get(batch=batch).row == 3
    own = services.extract_import(actor=staff, kind="register", filename="own.csv",
                                  data=register_csv(GOOD[0])).batch
    assert own.status == "imported"
    with pytest.raises(ValidationError):
        services.extract_import(actor=staff, kind="secondary", filename="sec.csv", data=b"x")
    with pytest.raises(Http404):
        services.extract_import(actor=actor_for(world.users["cp1"]), kind="register", filename="r.csv",
                                data=register_csv(GOOD[0]))


def test_the_code_list_starts_with_the_default_and_administrators_change_it(admin):
    assert CodeListEntry.objects.filter(snomed_code="58214004", diagnosis_group="schizophrenia").exists()
    services.code_list_save(actor=admin, snomed_code="123456789", diagnosis_group="bipolar", term="Test concept")
    data = register_csv(GOOD[0].replace("58214004", "123456789"))
    services.extract_import(actor=admin, kind="register", filename="reg.csv", data=data)
    assert RegisterRow.objects.get().diagnosis_group == "bipolar"
    with pytest.raises(ValidationError):
        services.code_list_save(actor=admin, snomed_code="12x", diagnosis_group="bipolar")


def test_a_code_outside_the_code_list_is_a_warning(admin):
    CodeListEntry.objects.filter(snomed_code="58214004").delete()
    batch = services.extract_import(actor=admin, kind="register", filename="reg.csv", data=register_csv(GOOD[0])).batch
    assert ImportIssue.objects.filter(batch=batch, column="snomed_code", severity="warning").exists()


def test_a_file_refused_whole_stays_one_refused_import_even_when_asked_to_quarantine(admin):
    utf16 = register_csv(*GOOD).decode().encode("utf-16")
    first = services.extract_import(actor=admin, kind="register", filename="u16.csv", data=utf16).batch
    again = services.extract_import(actor=admin, kind="register", filename="u16.csv", data=utf16, quarantine=True)
    assert first.status == "refused" and again.batch.pk == first.pk and again.already_imported
    assert "UTF-16" in first.issues.get().reason
