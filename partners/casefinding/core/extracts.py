"""Reading and validating the two case-finding extracts (``data-formats.md`` sections 1 and 2).

    register, report = read_register("register.csv")          # or .xlsx
    secondary, report = read_secondary("secondary.csv", quarantine=True)

Each returns ``(table, report)``. ``table`` is a :class:`pyarrow.Table` of clean, typed rows in file
order (``None`` when the file is refused); ``report`` is a :class:`ValidationReport` listing every
problem as ``row, column, value, reason`` with a severity:

- **error**: the row cannot be imported as it stands (a malformed date, an unknown code, a blank
  required value, a duplicate row, bytes that are not UTF-8, the wrong number of fields). One error
  refuses the whole file (``table is None``), unless ``quarantine=True``: then the rows with errors
  are set aside (listed in ``report.quarantined_rows``) and the rest are returned. File-level
  errors (a missing column, a UTF-16 file, a spreadsheet that cannot be opened) always refuse.
- **warning**: the row is imported, with the field treated as missing for linkage: an NHS number
  that fails the Modulus 11 check (real extracts have them: the row is linked on names, date of
  birth and postcode instead), a postcode that is not a UK postcode, a SNOMED CT code outside the
  code list, a date of birth in the future, a discharge before the referral.

Row numbers are the spreadsheet's: the header is row 1, the first data row is row 2.

Format rules: UTF-8 with or without a BOM; comma separated; header names case-insensitive with
surrounding spaces ignored; extra columns ignored; dates ``YYYY-MM-DD`` or ``DD/MM/YYYY``; booleans
``true/false, yes/no, 1/0, y/n`` in any case; sex ``female, male, other, unknown, F, M, U``; blank
means missing. NHS numbers and postcodes are normalised with the rules of
``partners.common.identifiers`` (the bulk check runs as SQL in DuckDB for speed; the reasons on the
report come from ``identifiers`` itself, and a test keeps the two in agreement).

Clean register columns: ``row, nhs_number`` (ten digits when valid, else null), ``nhs_raw`` (as
given), ``nhs_digits`` (the ten digits even when the check fails, for fuzzy comparison),
``nhs_valid, family_name, given_name, date_of_birth, sex, postcode, practice_ods, snomed_code,
diagnosis_group, in_remission, last_mh_care_date, ethnicity, lsoa``. Clean secondary columns:
``row, nhs_number, nhs_raw, nhs_digits, nhs_valid, family_name, given_name, date_of_birth,
postcode, provider_ods, team_type, care_level, referral_date, discharge_date``.

Reading is atomic and idempotent: nothing is returned unless the whole file (or, with quarantine,
every good row) is, and the same file always gives the same table and report.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from partners.casefinding.core.codelist import CodeList, load_code_list
from partners.common.identifiers import normalise_nhs_number, normalise_postcode

Severity = Literal["error", "warning"]

REGISTER_COLUMNS = (
    "nhs_number", "family_name", "given_name", "date_of_birth", "sex", "postcode", "practice_ods",
    "snomed_code", "diagnosis_group", "in_remission", "last_mh_care_date", "ethnicity", "lsoa",
)
REGISTER_REQUIRED = (
    "nhs_number", "family_name", "given_name", "date_of_birth", "postcode", "practice_ods", "in_remission",
    "last_mh_care_date",
)
SECONDARY_COLUMNS = (
    "nhs_number", "family_name", "given_name", "date_of_birth", "postcode", "provider_ods", "team_type",
    "care_level", "referral_date", "discharge_date",
)
SECONDARY_REQUIRED = (
    "nhs_number", "family_name", "given_name", "date_of_birth", "postcode", "provider_ods", "team_type",
    "referral_date", "discharge_date",
)
DIAGNOSIS_GROUPS = ("schizophrenia", "bipolar", "other_psychosis")
TEAM_TYPES = ("cmht", "eip", "crisis_home_treatment", "inpatient", "outpatient", "other")
CARE_LEVELS = ("cpa", "standard", "outpatient_only")
SEXES = {"female": "female", "male": "male", "other": "other", "unknown": "unknown", "f": "female", "m": "male",
         "u": "unknown"}
ETHNIC_CODES = "ABCDEFGHJKLMNPRSZ"


@dataclass(frozen=True)
class Issue:
    """One problem: the spreadsheet row, the column, the value as written, why, and how serious.

    ``detail`` may be left blank for an NHS number or postcode: the reason then comes from
    ``partners.common.identifiers`` when it is first read (a national extract has tens of thousands
    of such warnings, and most runs only count them)."""

    row: int
    column: str
    value: str
    detail: str = ""
    severity: Severity = "error"

    @property
    def reason(self) -> str:
        if self.detail:
            return self.detail
        if self.column == "nhs_number":
            return _nhs_reason(self.value)
        if self.column == "postcode":
            return _postcode_reason(self.value)
        return "not valid"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason,
                "severity": self.severity}

    def line(self, path: str = "") -> str:
        where = f"{path}: " if path else ""
        return f"{where}row {self.row}, column {self.column!r}, value {self.value!r}: {self.reason}"


@dataclass
class ValidationReport:
    """Every problem found in one file. ``ok`` is true when the file (or its good rows) imports."""

    path: str
    kind: str
    rows_read: int = 0
    rows_imported: int = 0
    issues: list[Issue] = field(default_factory=list)
    quarantine: bool = False
    quarantined_rows: list[int] = field(default_factory=list)
    file_error: bool = False

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        if self.file_error:
            return False
        return self.quarantine or not self.errors

    def bad_rows(self) -> list[int]:
        return sorted({i.row for i in self.errors})

    def lines(self, severity: Severity | None = "error") -> list[str]:
        return [i.line(self.path) for i in self.issues if severity is None or i.severity == severity]

    def as_dict(self, *, include_warnings: bool = False) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "rows_read": self.rows_read,
            "rows_imported": self.rows_imported,
            "errors": [i.as_dict() for i in self.errors],
            "warnings": len(self.warnings) if not include_warnings else [i.as_dict() for i in self.warnings],
            "quarantined_rows": self.quarantined_rows,
        }

    def write_csv(self, path: str | Path) -> None:
        """The downloadable report: one line per problem (``file, row, column, value, reason, severity``)."""
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["file", "row", "column", "value", "reason", "severity", "quarantined"])
            quarantined = set(self.quarantined_rows)
            for issue in sorted(self.issues, key=lambda i: (i.row, i.column)):
                writer.writerow([self.path, issue.row, issue.column, issue.value, issue.reason, issue.severity,
                                 "yes" if issue.row in quarantined else "no"])


class ExtractRefused(Exception):
    """Raised by :func:`require` when a file is refused; carries the report."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(f"{report.path}: refused with {len(report.errors)} error(s)")


def require(result: tuple[pa.Table | None, ValidationReport]) -> pa.Table:
    table, report = result
    if table is None:
        raise ExtractRefused(report)
    return table


# ----------------------------------------------------------------------------------------------- loading


@dataclass
class _Raw:
    header: list[str]  # normalised header names, in file order
    table: pa.Table  # string columns c0..cn plus int64 "row"
    issues: list[Issue]
    file_error: bool = False


def _normalise_header(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


def _load(path: Path) -> _Raw:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _Raw([], pa.table({}), [Issue(1, "", str(path), f"cannot read the file ({exc.strerror})")], True)
    if data[:4] == b"PK\x03\x04":
        return _load_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return _Raw([], pa.table({}), [Issue(1, "", "", "an Excel 97-2003 .xls workbook: save it as .xlsx or CSV")],
                    True)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return _Raw([], pa.table({}), [Issue(1, "", "", "the file is UTF-16 encoded; it must be UTF-8")], True)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        return _Raw([], pa.table({}), [Issue(1, "", "", "the file is empty (no header row)")], True)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return _load_csv_slowly(data)
    return _load_csv_fast(data)


def _header_from(first_line: str) -> list[str]:
    return [_normalise_header(h) for h in next(csv.reader([first_line]))]


def _load_csv_fast(data: bytes) -> _Raw:
    first_line = data.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    header = _header_from(first_line)
    names = [f"c{i}" for i in range(len(header))]
    invalid: list[int] = []

    def on_invalid(row: Any) -> str:
        invalid.append(1)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid:
        return _load_csv_slowly(data)
    if invalid:
        return _load_csv_slowly(data)
    table = table.append_column("row", pa.array(range(2, table.num_rows + 2), type=pa.int64()))
    return _Raw(header, table, [])


def _load_csv_slowly(data: bytes) -> _Raw:
    """Row-by-row parse that names every line with bad bytes or the wrong number of fields."""
    issues: list[Issue] = []
    lines = data.split(b"\n")
    text_lines: list[str] = []
    bad_encoding: dict[int, str] = {}
    for number, raw in enumerate(lines, start=1):
        try:
            text_lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            text = raw.decode("utf-8", errors="replace")
            text_lines.append(text)
            sample = raw[exc.start:exc.start + 4]
            bad_encoding[number] = f"bytes that are not UTF-8 ({sample!r}); save the file as UTF-8"
    header = [_normalise_header(h) for h in next(csv.reader([text_lines[0].rstrip("\r")]))]
    if 1 in bad_encoding:
        return _Raw(header, pa.table({}), [Issue(1, "", text_lines[0][:80], "the header row " + bad_encoding[1])],
                    True)
    columns: list[list[str]] = [[] for _ in header]
    rows: list[int] = []
    reader = csv.reader(io.StringIO("\n".join(text_lines[1:])))
    for record in reader:
        number = reader.line_num + 1
        if not record or (len(record) == 1 and not record[0].strip()):
            continue
        if number in bad_encoding:
            bad_cols = [header[i] for i, v in enumerate(record) if "\ufffd" in v and i < len(header)]
            for col in bad_cols or [""]:
                value = record[header.index(col)] if col else ",".join(record)
                issues.append(Issue(number, col, value, "the value has " + bad_encoding[number]))
        if len(record) != len(header):
            issues.append(Issue(number, "", ",".join(record)[:200],
                                f"the row has {len(record)} fields; the header has {len(header)}"))
            continue
        for i, value in enumerate(record):
            columns[i].append(value)
        rows.append(number)
    arrays = {f"c{i}": pa.array(col, type=pa.string()) for i, col in enumerate(columns)}
    arrays["row"] = pa.array(rows, type=pa.int64())
    return _Raw(header, pa.table(arrays), issues)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _load_xlsx(data: bytes) -> _Raw:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        return _Raw([], pa.table({}), [Issue(1, "", "", f"the workbook cannot be opened ({type(exc).__name__})")],
                    True)
    sheet = workbook.worksheets[0]
    rows_iter = sheet.iter_rows(values_only=True)
    try:
        header_cells = next(rows_iter)
    except StopIteration:
        return _Raw([], pa.table({}), [Issue(1, "", "", "the first sheet is empty (no header row)")], True)
    width = len(header_cells)
    while width and header_cells[width - 1] in (None, ""):
        width -= 1
    header = [_normalise_header(_cell_text(h)) for h in header_cells[:width]]
    columns: list[list[str]] = [[] for _ in header]
    rows: list[int] = []
    for number, cells in enumerate(rows_iter, start=2):
        values = [_cell_text(c) for c in cells[:width]] + [""] * max(0, width - len(cells))
        if not any(v.strip() for v in values):
            continue
        for i, value in enumerate(values):
            columns[i].append(value)
        rows.append(number)
    workbook.close()
    arrays = {f"c{i}": pa.array(col, type=pa.string()) for i, col in enumerate(columns)}
    arrays["row"] = pa.array(rows, type=pa.int64())
    return _Raw(header, pa.table(arrays), [])


# -------------------------------------------------------------------------------------------- validating

_DATE_SQL = """(CASE
    WHEN length({v}) = 10 AND substr({v}, 5, 1) = '-' AND substr({v}, 8, 1) = '-'
        THEN CASE WHEN regexp_full_match({v}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') THEN try_cast({v} AS DATE) END
    WHEN {v} LIKE '%/%/%' AND regexp_full_match({v}, '[0-9]{{1,2}}/[0-9]{{1,2}}/[0-9]{{4}}')
        THEN try_strptime({v}, '%d/%m/%Y')::DATE
END)"""


def strip_nhs_numbers(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """NHS numbers with surrounding spaces removed and inner spaces and hyphens dropped (vectorised)."""
    trimmed = pc.utf8_trim_whitespace(values)
    return pc.replace_substring_regex(trimmed, pattern=r"[\s-]", replacement="").combine_chunks() \
        if isinstance(trimmed, pa.ChunkedArray) else pc.replace_substring_regex(trimmed, pattern=r"[\s-]",
                                                                                 replacement="")


def nhs_valid_mask(digits: pa.Array) -> np.ndarray:
    """The Modulus 11 rule of ``identifiers.is_valid_nhs_number`` over a whole column of stripped numbers.

    Vectorised with numpy (a million numbers in tens of milliseconds); a test keeps it in agreement
    with the one-at-a-time function.
    """
    digits = pc.cast(digits, pa.string())
    n = len(digits)
    candidate = pc.fill_null(pc.match_substring_regex(digits, pattern="^[0-9]{10}$"), False)
    mask = np.asarray(candidate.to_numpy(zero_copy_only=False), dtype=bool)
    result = np.zeros(n, dtype=bool)
    if not mask.any():
        return result
    offsets = np.frombuffer(digits.buffers()[1], dtype=np.int32)[digits.offset: digits.offset + n + 1]
    data = np.frombuffer(digits.buffers()[2], dtype=np.uint8)
    starts = offsets[:-1][mask]
    matrix = data[starts[:, None] + np.arange(10)].astype(np.int64) - 48
    total = matrix[:, :9] @ np.arange(10, 1, -1)
    check = (11 - total % 11) % 11
    not_repeated = (matrix != matrix[:, :1]).any(axis=1)
    result[mask] = (check == matrix[:, 9]) & not_repeated
    return result


def _nhs_reason(value: str) -> str:
    try:
        normalise_nhs_number(value)
    except ValueError as exc:
        return f"{exc}; the row will be linked on name, date of birth and postcode"
    return "NHS number is not valid"


def _postcode_reason(value: str) -> str:
    try:
        normalise_postcode(value)
    except ValueError as exc:
        return f"{exc}; treated as missing for linkage"
    return "not a UK postcode"


@dataclass(frozen=True)
class _Check:
    column: str
    condition: str  # SQL true when the row has the problem
    reason: str  # fixed text, or "" to compute per value
    severity: Severity = "error"


def _sql_list(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _validate(raw: _Raw, kind: str, path: str, *, quarantine: bool, code_list: CodeList | None,
              columns: tuple[str, ...], required: tuple[str, ...]) -> tuple[pa.Table | None, ValidationReport]:
    report = ValidationReport(path=path, kind=kind, quarantine=quarantine, issues=list(raw.issues))
    if raw.file_error:
        report.file_error = True
        return None, report
    seen: dict[str, int] = {}
    for i, name in enumerate(raw.header):
        if name in seen and name in columns:
            report.issues.append(Issue(1, name, name, f"column {name!r} appears twice in the header"))
            report.file_error = True
        seen.setdefault(name, i)
    missing = [c for c in required if c not in seen]
    for name in missing:
        report.issues.append(Issue(1, name, "", f"required column {name!r} is missing from the header "
                                   f"(found: {', '.join(h for h in raw.header if h) or 'nothing'})"))
    if kind == "register" and "snomed_code" not in seen and "diagnosis_group" not in seen:
        report.issues.append(Issue(1, "diagnosis_group", "", "the header needs snomed_code or diagnosis_group"))
        missing.append("diagnosis_group")
    if missing or report.file_error:
        report.file_error = True
        return None, report

    report.rows_read = raw.table.num_rows + len({i.row for i in raw.issues if i.row > 1})
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        selected = {"row": raw.table.column("row")}
        for name in columns:
            selected[name] = (raw.table.column(f"c{seen[name]}") if name in seen
                              else pa.array([""] * raw.table.num_rows, type=pa.string()))
        stripped = strip_nhs_numbers(selected["nhs_number"])
        selected["nhs_stripped"] = stripped
        selected["nhs_ok"] = pa.array(nhs_valid_mask(stripped), type=pa.bool_())
        con.register("src", pa.table(selected))
        if code_list is not None:
            con.register("codes", code_list.as_arrow())
        checks = _checks(kind)
        clean = con.sql(_clean_sql(kind, code_list is not None, checks, columns)).to_arrow_table()
        con.register("clean", clean)
        flagged = con.sql(" UNION ALL ".join(
            f"SELECT row, {i} AS check_no FROM clean WHERE flag_{i}" for i in range(len(checks)))).fetchall()
        raw_values = _raw_values(con, sorted({row for row, _ in flagged}), columns)
        for row, check_no in flagged:
            check = checks[check_no]
            value = raw_values[row][check.column]
            report.issues.append(Issue(row, check.column, value, check.reason, check.severity))
        report.issues.extend(_duplicates(con, kind, columns))
        report.issues.sort(key=lambda i: (i.row, i.column))
        bad = report.bad_rows()
        if bad and not quarantine:
            return None, report
        report.quarantined_rows = bad if quarantine else []
        table = clean.select([c.split(" AS ")[-1] for c in _output_columns(kind)])
        if bad:
            keep = pc.invert(pc.is_in(table.column("row"), value_set=pa.array(bad, type=pa.int64())))
            table = table.filter(keep)
        rows = table.column("row").to_numpy()
        if len(rows) > 1 and not (np.diff(rows) > 0).all():  # keep file order whatever the engine did
            table = table.sort_by("row")
        report.rows_imported = table.num_rows
        return table, report
    finally:
        con.close()


def _raw_values(con: duckdb.DuckDBPyConnection, rows: list[int], columns: tuple[str, ...]) -> dict[int, dict[str,
                                                                                                             str]]:
    """The trimmed values as written in the file, for the rows named on the report."""
    if not rows:
        return {}
    con.register("wanted_rows", pa.table({"row": pa.array(rows, type=pa.int64())}))
    cols = ", ".join(f"trim({c})" for c in columns)
    result = con.sql(f"SELECT row, {cols} FROM src WHERE row IN (SELECT row FROM wanted_rows)").fetchall()
    return {r[0]: {**dict(zip(columns, r[1:], strict=True)), "": ""} for r in result}


def _clean_sql(kind: str, with_codes: bool, checks: list[_Check], columns: tuple[str, ...]) -> str:
    """One table, ``clean``: the parsed values, a ``flag_<i>`` column per check, and a hash of the row."""
    raw_cols = (REGISTER_COLUMNS if kind == "register" else SECONDARY_COLUMNS)
    raws = ",\n".join(f"trim({c}) AS raw_{c}" for c in raw_cols)
    parts = [
        "CASE WHEN nhs_ok THEN nhs_stripped END AS nhs_number",
        "nhs_ok AS nhs_valid",
        "CASE WHEN regexp_full_match(nhs_stripped, '[0-9]{10}') THEN nhs_stripped END AS nhs_digits",
        "nullif(raw_nhs_number, '') AS nhs_raw",
        "nullif(raw_family_name, '') AS family_name",
        "nullif(raw_given_name, '') AS given_name",
        _DATE_SQL.format(v="raw_date_of_birth") + " AS date_of_birth",
        "CASE WHEN regexp_full_match(pc_compact, '[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}') "
        "THEN substr(pc_compact, 1, length(pc_compact) - 3) || ' ' || right(pc_compact, 3) END AS postcode",
    ]
    if kind == "register":
        parts += [
            "upper(raw_practice_ods) AS practice_ods",
            "nullif(raw_snomed_code, '') AS snomed_code",
            f"CASE lower(raw_sex) {' '.join(f"WHEN '{k}' THEN '{v}'" for k, v in SEXES.items())} END AS sex",
            "nullif(replace(replace(lower(raw_diagnosis_group), ' ', '_'), '-', '_'), '') AS group_given",
            "CASE WHEN lower(raw_in_remission) IN ('true','yes','1','y') THEN true "
            "WHEN lower(raw_in_remission) IN ('false','no','0','n') THEN false END AS in_remission",
            _DATE_SQL.format(v="raw_last_mh_care_date") + " AS last_mh_care_date",
            "nullif(upper(raw_ethnicity), '') AS ethnicity",
            "nullif(upper(raw_lsoa), '') AS lsoa",
        ]
        outer = "p.*, coalesce(p.group_given, c.diagnosis_group) AS diagnosis_group" if with_codes else \
            "p.*, p.group_given AS diagnosis_group"
        join = "LEFT JOIN codes c ON c.snomed_code = p.raw_snomed_code" if with_codes else ""
    else:
        parts += [
            "upper(raw_provider_ods) AS provider_ods",
            "nullif(replace(replace(lower(raw_team_type), ' ', '_'), '-', '_'), '') AS team_type",
            "nullif(replace(replace(lower(raw_care_level), ' ', '_'), '-', '_'), '') AS care_level",
            _DATE_SQL.format(v="raw_referral_date") + " AS referral_date",
            _DATE_SQL.format(v="raw_discharge_date") + " AS discharge_date",
        ]
        outer, join = "*", ""
    outputs = ", ".join(c.split(" AS ")[-1] for c in _output_columns(kind))
    flags = ", ".join(f"coalesce({c.condition}, false) AS flag_{i}" for i, c in enumerate(checks))
    key = ", ".join(f"raw_{c}" for c in columns)
    return f"""
    WITH parsed AS (
        SELECT {outer} FROM (
        SELECT *, {', '.join(parts)}
        FROM (
            SELECT row, {raws}, nhs_stripped, nhs_ok,
                upper(regexp_replace(postcode, '\\s', '', 'g')) AS pc_compact
            FROM src
        )
    ) p {join})
    SELECT {outputs.replace("in_remission", "coalesce(in_remission, false) AS in_remission")}, {flags},
        hash({key}) AS row_hash
    FROM parsed
    """


def _date_checks(column: str, *, required: bool = False) -> list[_Check]:
    checks = [_Check(column, f"raw_{column} <> '' AND {column} IS NULL",
                     "not a date: use YYYY-MM-DD or DD/MM/YYYY (a real calendar date)"),
              _Check(column, f"{column} IS NOT NULL AND year({column}) < 1850", "the year is before 1850")]
    if required:
        checks.append(_Check(column, f"raw_{column} = ''", f"{column} is blank; it is required"))
    return checks


_ODS = "'[A-Z0-9]{3,10}'"


def _checks(kind: str) -> list[_Check]:
    checks = [
        _Check("nhs_number", "raw_nhs_number <> '' AND NOT nhs_valid", "", "warning"),
        _Check("postcode", "raw_postcode <> '' AND postcode IS NULL", "", "warning"),
        *_date_checks("date_of_birth"),
        _Check("date_of_birth", "date_of_birth > current_date", "the date of birth is in the future", "warning"),
    ]
    if kind == "register":
        checks += [
            _Check("date_of_birth", "raw_date_of_birth = ''",
                   "date of birth is blank: age cannot be checked and the row is linked without it", "warning"),
            _Check("practice_ods", "raw_practice_ods = ''", "practice_ods is blank; it is required"),
            _Check("practice_ods", f"raw_practice_ods <> '' AND NOT regexp_full_match(practice_ods, {_ODS})",
                   "not an ODS code (3 to 10 letters and digits)"),
            _Check("sex", "raw_sex <> '' AND sex IS NULL",
                   "sex must be female, male, other or unknown (or F, M, U)"),
            _Check("diagnosis_group", f"group_given IS NOT NULL AND group_given NOT IN ({_sql_list(DIAGNOSIS_GROUPS)})",
                   f"diagnosis_group must be one of {', '.join(DIAGNOSIS_GROUPS)}"),
            _Check("snomed_code", "snomed_code IS NOT NULL AND NOT regexp_full_match(snomed_code, '[0-9]{6,18}')",
                   "not a SNOMED CT identifier (6 to 18 digits)", "warning"),
            _Check("snomed_code", "snomed_code IS NOT NULL AND group_given IS NULL AND diagnosis_group IS NULL "
                   "AND regexp_full_match(snomed_code, '[0-9]{6,18}')",
                   "SNOMED CT code is not in the SMI code list, and diagnosis_group is blank: diagnosis unknown",
                   "warning"),
            _Check("diagnosis_group", "snomed_code IS NULL AND group_given IS NULL",
                   "diagnosis_group and snomed_code are both blank: diagnosis unknown", "warning"),
            _Check("in_remission", "raw_in_remission <> '' AND in_remission IS NULL",
                   "in_remission must be true or false (also yes/no, 1/0, y/n)"),
            *_date_checks("last_mh_care_date"),
            _Check("ethnicity", f"ethnicity IS NOT NULL AND NOT regexp_full_match(ethnicity, '[{ETHNIC_CODES}]')",
                   "ethnicity must be an NHS ethnic category code (A to S, or Z for not stated)"),
            _Check("lsoa", "lsoa IS NOT NULL AND NOT regexp_full_match(lsoa, '[EW]0[0-9]{7}')",
                   "not an LSOA code (E01... or W01...)", "warning"),
        ]
    else:
        checks += [
            _Check("provider_ods", "raw_provider_ods = ''", "provider_ods is blank; it is required"),
            _Check("provider_ods", f"raw_provider_ods <> '' AND NOT regexp_full_match(provider_ods, {_ODS})",
                   "not an ODS code (3 to 10 letters and digits)"),
            _Check("team_type", "team_type IS NULL", "team_type is blank; it is required"),
            _Check("team_type", f"team_type NOT IN ({_sql_list(TEAM_TYPES)})",
                   f"team_type must be one of {', '.join(TEAM_TYPES)}"),
            _Check("care_level", f"care_level NOT IN ({_sql_list(CARE_LEVELS)})",
                   f"care_level must be one of {', '.join(CARE_LEVELS)}"),
            *_date_checks("referral_date"),
            *_date_checks("discharge_date"),
            _Check("discharge_date", "discharge_date < referral_date", "the discharge is before the referral",
                   "warning"),
        ]
    return checks


def _duplicates(con: duckdb.DuckDBPyConnection, kind: str, columns: tuple[str, ...]) -> list[Issue]:
    """Rows identical to an earlier row (after trimming surrounding spaces) are errors; on the register the
    same valid NHS number twice at one practice is an error, at two practices a warning."""
    candidates = con.sql("""
        SELECT row FROM clean WHERE row_hash IN (
            SELECT row_hash FROM clean GROUP BY row_hash HAVING count(*) > 1)
    """).fetchall()
    issues: list[Issue] = []
    dup_rows: set[int] = set()
    if candidates:
        values = _raw_values(con, sorted(r for (r,) in candidates), columns)
        first: dict[tuple[str, ...], int] = {}
        for row in sorted(values):
            key = tuple(values[row][c] or "" for c in columns)
            if key in first:
                dup_rows.add(row)
                issues.append(Issue(row, "", values[row]["nhs_number"] or "",
                                    f"duplicate of row {first[key]}: every value is the same"))
            else:
                first[key] = row
    if kind == "register":
        same = con.sql("""
            SELECT row, nhs_raw, first_row, practice_ods, first_practice FROM (
                SELECT row, nhs_raw, practice_ods,
                    min(row) OVER (PARTITION BY nhs_number, practice_ods) AS first_row,
                    min(row) OVER (PARTITION BY nhs_number) AS first_any,
                    arg_min(practice_ods, row) OVER (PARTITION BY nhs_number) AS first_practice
                FROM clean WHERE nhs_number IN (
                    SELECT nhs_number FROM clean WHERE nhs_valid GROUP BY nhs_number HAVING count(*) > 1)
            ) WHERE row <> first_any
        """).fetchall()
        for row, value, first_row, practice, first_practice in same:
            if row in dup_rows:
                continue
            if first_row != row:
                issues.append(Issue(row, "nhs_number", value, f"the same NHS number is on row {first_row} at practice "
                                    f"{practice}: a patient appears once per practice"))
            else:
                issues.append(Issue(row, "nhs_number", value, f"also registered at practice {first_practice}",
                                    "warning"))
    return issues


def _output_columns(kind: str) -> list[str]:
    common = ["row", "nhs_number", "nhs_raw", "nhs_digits", "nhs_valid", "family_name", "given_name",
              "date_of_birth"]
    if kind == "register":
        return [*common, "sex", "postcode", "practice_ods", "snomed_code", "diagnosis_group",
                "coalesce(in_remission, false) AS in_remission", "last_mh_care_date", "ethnicity", "lsoa"]
    return [*common, "postcode", "provider_ods", "team_type", "care_level", "referral_date", "discharge_date"]


def read_register(path: str | os.PathLike[str], *, quarantine: bool = False,
                  code_list: CodeList | None = None) -> tuple[pa.Table | None, ValidationReport]:
    """The practice SMI register extract (CSV or XLSX): ``(table or None, report)``."""
    path = Path(path)
    raw = _load(path)
    return _validate(raw, "register", str(path), quarantine=quarantine, code_list=code_list or load_code_list(),
                     columns=REGISTER_COLUMNS, required=REGISTER_REQUIRED)


def read_secondary(path: str | os.PathLike[str], *, quarantine: bool = False) -> tuple[pa.Table | None,
                                                                                         ValidationReport]:
    """The secondary mental health care extract (CSV or XLSX): ``(table or None, report)``."""
    path = Path(path)
    raw = _load(path)
    return _validate(raw, "secondary", str(path), quarantine=quarantine, code_list=None,
                     columns=SECONDARY_COLUMNS, required=SECONDARY_REQUIRED)
