from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from partners.casefinding.tests.platform_data import write_extracts


@pytest.fixture(scope="session")
def extract_files(tmp_path_factory: Any) -> dict[str, Path]:
    return write_extracts(tmp_path_factory.mktemp("cf_extracts"), today=timezone.localdate())


@pytest.fixture
def imported(world: Any, extract_files: dict[str, Path]) -> dict[str, Any]:
    """Both extracts imported by the administrator."""
    from partners.casefinding import services
    from partners.conftest import actor_for

    admin = actor_for(world.users["admin"])
    register = services.extract_import(actor=admin, kind="register", filename="register.csv",
                                       data=extract_files["register"].read_bytes()).batch
    secondary = services.extract_import(actor=admin, kind="secondary", filename="secondary.csv",
                                        data=extract_files["secondary"].read_bytes()).batch
    return {"register": register, "secondary": secondary, "admin": admin}


@pytest.fixture
def run_linkage(imported: dict[str, Any]) -> Any:
    from partners.casefinding import services

    def _run(**kwargs: Any) -> Any:
        kwargs.setdefault("as_of", timezone.localdate())
        return services.linkage_run(actor=imported["admin"], register_batch_id=imported["register"].pk,
                                    secondary_batch_id=imported["secondary"].pk, **kwargs)

    return _run


@pytest.fixture
def made_run(world: Any) -> Any:
    """A linkage run built by hand (no splink): ``add(name, practice, status, ...)`` adds a register row and
    its result, for the outreach, scope and page tests."""
    from partners.casefinding.models import CaseFindingResult, ImportBatch, LinkageRun, RegisterRow
    from partners.casefinding.tests.platform_data import valid_nhs

    now = timezone.now()
    register = ImportBatch.objects.create(kind="register", filename="r.csv", sha256="r" * 64, status="imported",
                                          uploaded_at=now, uploaded_by=world.users["admin"])
    secondary = ImportBatch.objects.create(kind="secondary", filename="s.csv", sha256="s" * 64, status="imported",
                                           uploaded_at=now, uploaded_by=world.users["admin"])
    run = LinkageRun.objects.create(register_batch=register, secondary_batch=secondary, as_of=timezone.localdate(),
                                    run_at=now, run_by=world.users["admin"], summary={"in_gap": 0})
    counter = {"n": 1}

    def add(given: str, family: str, *, practice: Any = None, status: str = "primary_care_only",
            eligible: bool = True, reasons: list[str] | None = None, nhs: str | None = "auto",
            person: Any = None) -> Any:
        practice = practice or world.practice_a
        counter["n"] += 1
        number = valid_nhs(992220000 + counter["n"] * 10) if nhs == "auto" else nhs
        row = RegisterRow.objects.create(
            batch=register, row=counter["n"], record_key=f"key{counter['n']:016d}",
            person_key=number or f"k:key{counter['n']:016d}", nhs_number=number, nhs_raw=number or "",
            nhs_digits=number, nhs_valid=bool(number), family_name=family, given_name=given,
            date_of_birth=date(1970, 1, 1), sex="female", postcode="ZZ1 1AA", practice_ods=practice.ods_code,
            practice=practice, person=person, snomed_code="58214004", diagnosis_group="schizophrenia",
            last_mh_care_date=timezone.localdate() - timedelta(days=30), ethnicity="A")
        return CaseFindingResult.objects.create(
            run=run, register_row=row, practice=practice, nhs_number=number or "", practice_ods=practice.ods_code,
            status=status, match_method="none", care_needs_past_2y=True, eligible=eligible,
            exclusion_reasons=reasons or [])

    run.add = add  # type: ignore[attr-defined]
    return run
