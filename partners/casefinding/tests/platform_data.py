"""Small synthetic extracts for the platform tests: a generated population (so splink has something to
train on) spread over the test world's two practices, plus hand-made people the tests look for."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from partners.casefinding import synth
from partners.common.identifiers import nhs_number_check_digit

PRACTICE_A, PRACTICE_B = "XT0001", "XT0002"


def valid_nhs(start: int) -> str:
    """The first valid NHS number from ``start`` (a nine-digit prefix) upwards, in the 999 test range."""
    n = start
    while True:
        check = nhs_number_check_digit(str(n))
        if check is not None:
            return f"{n}{check}"
        n += 1


def numbers() -> dict[str, str]:
    return {"lang": valid_nhs(991110001), "gap": valid_nhs(991110101), "other": valid_nhs(991110201),
            "twin_a": valid_nhs(991110301), "twin_b": valid_nhs(991110401), "cared": valid_nhs(991110501)}


def cases(today: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    n = numbers()
    recent = (today - timedelta(days=100)).isoformat()

    def reg(nhs: str, given: str, family: str, dob: str, postcode: str, practice: str = PRACTICE_A,
            **extra: Any) -> dict[str, Any]:
        row = {"nhs_number": nhs, "family_name": family, "given_name": given, "date_of_birth": dob, "sex": "U",
               "postcode": postcode, "practice_ods": practice, "snomed_code": "58214004", "diagnosis_group": "",
               "in_remission": "false", "last_mh_care_date": recent, "ethnicity": "Z", "lsoa": ""}
        row.update(extra)
        return row

    def sec(nhs: str, given: str, family: str, dob: str, postcode: str, team: str, level: str, referral: str,
            discharge: str = "") -> dict[str, Any]:
        return {"nhs_number": nhs, "family_name": family, "given_name": given, "date_of_birth": dob,
                "postcode": postcode, "provider_ods": "RT1", "team_type": team, "care_level": level,
                "referral_date": referral, "discharge_date": discharge}

    register = [
        reg(n["lang"], "Zofia", "Wisniewska", "1980-02-02", "ZZ9 1AA"),
        reg(n["gap"], "Priya", "Ravensworth", "1975-06-15", "ZZ9 2BB"),
        reg(n["other"], "Tomas", "Kettleborough", "1968-09-09", "ZZ9 3CC", practice=PRACTICE_B),
        reg(n["twin_a"], "Ellis", "Featherstonehaugh", "1990-07-21", "ZZ9 4DD"),
        reg(n["twin_b"], "Harriet", "Featherstonehaugh", "1990-07-21", "ZZ9 4DD"),
        reg("", "Margaret", "Hollingsworth", "1961-05-17", "ZZ9 5EE"),
        reg(n["cared"], "Desmond", "Ashcombe-Royle", "1959-01-30", "ZZ9 6FF"),
    ]
    secondary = [
        # Harriet's twin Ellis has no secondary care; Harriet's record has no NHS number.
        sec("", "Harriet", "Featherstonehaugh", "1990-07-21", "ZZ9 4DD", "cmht", "cpa", "2025-01-01"),
        # Margaret: no NHS number on either side, a surname typo: a probabilistic pair.
        sec("", "Margaret", "Holingsworth", "17/05/1961", "ZZ9 5EE", "cmht", "cpa", "2024-01-10"),
        # Desmond: under a CMHT (linked by NHS number), so not in the gap.
        sec(n["cared"], "Desmond", "Ashcombe-Royle", "1959-01-30", "ZZ9 6FF", "cmht", "cpa", "2023-03-03"),
    ]
    return register, secondary


def write_extracts(folder: Path, *, size: int = 1500, today: date | None = None) -> dict[str, Path]:
    today = today or date.today()
    population = synth.generate(size, seed=11, rates=synth.CorruptionRates(register_duplicates=0.0))
    register = population.register.to_pylist()
    for i, row in enumerate(register):
        row["practice_ods"] = PRACTICE_A if i % 2 == 0 else PRACTICE_B
    secondary = population.secondary.to_pylist()
    extra_reg, extra_sec = cases(today)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"register": folder / "register.csv", "secondary": folder / "secondary.csv"}
    for path, rows in ((paths["register"], register + extra_reg), (paths["secondary"], secondary + extra_sec)):
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            for row in rows:
                writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return paths
