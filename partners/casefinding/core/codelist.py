"""The configurable SNOMED CT code list that maps a register's diagnosis code to a diagnosis group.

The default (``partners/casefinding/data/smi_snomed_codes.csv``) is a curated subset of the QOF MH_COD
cluster; see the comment at the top of that file for its source and limits. A replacement is a CSV
with the columns ``snomed_code, diagnosis_group`` (``term`` optional; lines starting ``#`` ignored),
loaded with ``load_code_list(path)`` and passed to ``read_register(..., code_list=...)`` (or
``partners casefind --code-list FILE``).
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

DEFAULT_CODE_LIST = Path(__file__).resolve().parent.parent / "data" / "smi_snomed_codes.csv"
GROUPS = ("schizophrenia", "bipolar", "other_psychosis")


class CodeListError(ValueError):
    pass


@dataclass(frozen=True)
class CodeList:
    path: str
    groups: dict[str, str]  # SNOMED CT concept id -> diagnosis group
    terms: dict[str, str]

    def group_for(self, code: str | None) -> str | None:
        return self.groups.get((code or "").strip())

    def as_arrow(self) -> pa.Table:
        codes = sorted(self.groups)
        return pa.table({"snomed_code": pa.array(codes, type=pa.string()),
                         "diagnosis_group": pa.array([self.groups[c] for c in codes], type=pa.string())})


def load_code_list(path: str | os.PathLike[str] | None = None) -> CodeList:
    """Read a code list; raises :class:`CodeListError` naming the row, column and value of a bad line."""
    path = Path(path) if path is not None else DEFAULT_CODE_LIST
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CodeListError(f"{path}: cannot read the code list ({exc})") from exc
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if not line.lstrip().startswith("#")]
    reader = csv.reader([line for _, line in lines])
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise CodeListError(f"{path}: the code list is empty") from None
    for needed in ("snomed_code", "diagnosis_group"):
        if needed not in header:
            raise CodeListError(f"{path}: row {lines[0][0]}: required column {needed!r} is missing")
    code_i, group_i = header.index("snomed_code"), header.index("diagnosis_group")
    term_i = header.index("term") if "term" in header else None
    groups: dict[str, str] = {}
    terms: dict[str, str] = {}
    for (number, _), record in zip(lines[1:], reader, strict=False):
        if not record:
            continue
        code = record[code_i].strip() if code_i < len(record) else ""
        group = record[group_i].strip().lower() if group_i < len(record) else ""
        if not code.isdigit() or not 6 <= len(code) <= 18:
            raise CodeListError(f"{path}: row {number}, column 'snomed_code', value {code!r}: not a SNOMED CT id")
        if group not in GROUPS:
            raise CodeListError(f"{path}: row {number}, column 'diagnosis_group', value {group!r}: "
                                f"must be one of {', '.join(GROUPS)}")
        if code in groups and groups[code] != group:
            raise CodeListError(f"{path}: row {number}, column 'snomed_code', value {code!r}: listed twice with "
                                "different groups")
        groups[code] = group
        if term_i is not None and term_i < len(record):
            terms[code] = record[term_i]
    return CodeList(path=str(path), groups=groups, terms=terms)
