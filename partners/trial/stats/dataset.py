"""The trial analysis dataset (data-formats.md section 4): reading and validating it.

One row per randomised participant. Column names are case-insensitive with surrounding spaces ignored; a UTF-8
BOM is accepted; blank (also ``NA``, ``N/A`` or ``.``) means missing. Outcome pairs are ``baseline_<measure>``
and ``followup_<measure>``; a hyphen in a measure name is read as an underscore (``baseline_icecap-a`` and
``baseline_icecap_a`` are both the measure ``icecap_a``).

:func:`read_dataset` (a path) and :func:`parse_dataset` (rows of text) return a :class:`TrialDataset` or raise
:class:`DatasetError`, whose message names the file, row (the header is row 1), column and value of every
problem found. :func:`TrialDataset.require` checks the columns an analysis needs, with the same kind of message.
Columns that the format does not name are kept in ``extra`` (Table 1 summarises them).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

INTERVENTION = "intervention"
CONTROL = "control"
ARMS = (INTERVENTION, CONTROL)
MISSING = {"", "na", "n/a", "."}
TRUE_WORDS = {"true", "yes", "1", "y"}
FALSE_WORDS = {"false", "no", "0", "n"}
KNOWN_TEXT = ("region", "practice_size", "diagnosis_group", "care_setting", "period")
KNOWN_NUMERIC = ("contacts_10min", "contacts_goals", "cp_availability")
MAX_REPORTED = 25


class DatasetError(ValueError):
    """The dataset cannot be analysed; the message names every problem (file, row, column, value)."""

    def __init__(self, problems: Sequence[str], source: str = "") -> None:
        self.problems = list(problems)
        shown = self.problems[:MAX_REPORTED]
        more = len(self.problems) - len(shown)
        head = f"{source}: " if source else ""
        text = head + ("; ".join(shown) if len(shown) == 1 else
                       f"{len(self.problems)} problems:\n  " + "\n  ".join(shown))
        if more > 0:
            text += f"\n  ... and {more} more"
        super().__init__(text)


def measure_key(name: str) -> str:
    return name.strip().lower().replace("-", "_")


@dataclass
class TrialDataset:
    source: str
    header: list[str]
    row_numbers: list[int]
    participant_id: list[str]
    practice_id: list[str]
    arm: list[str]
    text: dict[str, list[str | None]]
    numeric: dict[str, NDArray[np.float64]]
    followup_in_window: NDArray[np.float64] | None
    baseline: dict[str, NDArray[np.float64]]
    followup: dict[str, NDArray[np.float64]]
    extra: dict[str, list[str | None]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.participant_id)

    @property
    def measures(self) -> list[str]:
        """Measures with both a baseline and a follow-up column, in the order of the header."""
        return [m for m in self.baseline if m in self.followup]

    @property
    def intervention(self) -> NDArray[np.bool_]:
        return np.array([a == INTERVENTION for a in self.arm], dtype=bool)

    def has(self, column: str) -> bool:
        return column in self.header

    def require(self, columns: Iterable[str], purpose: str) -> None:
        missing = [c for c in columns if c not in self.header]
        if missing:
            raise DatasetError([f"column {c!r} is missing (needed for {purpose})" for c in missing], self.source)

    def require_outcome(self, outcome: str) -> str:
        key = measure_key(outcome)
        if key not in self.baseline or key not in self.followup:
            have = ", ".join(self.measures) or "none"
            absent = [f"{kind}_{key}" for kind, cols in (("baseline", self.baseline), ("followup", self.followup))
                      if key not in cols]
            raise DatasetError([f"unknown outcome {outcome!r}: column {', '.join(repr(a) for a in absent)} is "
                                f"missing; the measures with baseline_ and followup_ columns are: {have}"],
                               self.source)
        return key

    def subset(self, keep: NDArray[np.bool_]) -> TrialDataset:
        idx = np.flatnonzero(keep)

        def pick(values: list[str | None]) -> list[str | None]:
            return [values[i] for i in idx]

        return TrialDataset(
            source=self.source, header=self.header, row_numbers=[self.row_numbers[i] for i in idx],
            participant_id=[self.participant_id[i] for i in idx], practice_id=[self.practice_id[i] for i in idx],
            arm=[self.arm[i] for i in idx], text={k: pick(v) for k, v in self.text.items()},
            numeric={k: v[idx] for k, v in self.numeric.items()},
            followup_in_window=None if self.followup_in_window is None else self.followup_in_window[idx],
            baseline={k: v[idx] for k, v in self.baseline.items()},
            followup={k: v[idx] for k, v in self.followup.items()},
            extra={k: pick(v) for k, v in self.extra.items()},
        )

    def practices(self, arm: str | None = None) -> list[str]:
        seen: dict[str, None] = {}
        for p, a in zip(self.practice_id, self.arm, strict=True):
            if arm is None or a == arm:
                seen.setdefault(p, None)
        return list(seen)


def _is_missing(value: str | None) -> bool:
    return value is None or value.strip().lower() in MISSING


def parse_number(value: str | None) -> float:
    if _is_missing(value):
        return math.nan
    assert value is not None
    number = float(value.strip())
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def parse_bool(value: str | None) -> float:
    if _is_missing(value):
        return math.nan
    assert value is not None
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return 1.0
    if word in FALSE_WORDS:
        return 0.0
    raise ValueError("not true/false, yes/no, 1/0 or y/n")


def read_dataset(path: str | Path) -> TrialDataset:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError([f"cannot read the file ({exc.strerror or exc})"], str(path)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetError([f"the file is not UTF-8 text (byte {exc.start})"], str(path)) from None
    return parse_dataset(io.StringIO(text), source=str(path))


def parse_dataset(stream: Iterable[str], source: str = "dataset") -> TrialDataset:
    reader = csv.reader(stream)
    try:
        header_raw = next(reader)
    except StopIteration:
        raise DatasetError(["the file is empty (no header row)"], source) from None
    except csv.Error as exc:
        raise DatasetError([f"row 1: {exc}"], source) from None
    header = [h.strip().lower() for h in header_raw]
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    problems: list[str] = []
    seen: set[str] = set()
    for h in header:
        if h and h in seen:
            problems.append(f"row 1: column {h!r} appears twice")
        seen.add(h)
    for col in ("participant_id", "practice_id", "arm"):
        if col not in header:
            problems.append(f"column {col!r} is missing")
    if problems:
        raise DatasetError(problems, source)
    index = {h: i for i, h in enumerate(header) if h}
    rows: list[tuple[int, list[str]]] = []
    try:
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
                problems.append(f"row {number}: {len(row)} values but the header has {len(header)} columns")
                continue
            rows.append((number, row + [""] * (len(header) - len(row))))
    except csv.Error as exc:
        raise DatasetError([f"row {reader.line_num}: {exc}"], source) from None
    if not rows:
        raise DatasetError(["there are no data rows"], source)

    def cell(row: list[str], col: str) -> str | None:
        i = index.get(col)
        return None if i is None else row[i]

    measure_cols: dict[str, tuple[str, str]] = {}
    for h in header:
        for prefix in ("baseline_", "followup_"):
            if h.startswith(prefix) and len(h) > len(prefix) and h != "followup_in_window":
                measure_cols[h] = (prefix[:-1], measure_key(h[len(prefix):]))
    participant_id: list[str] = []
    practice_id: list[str] = []
    arm: list[str] = []
    ids_seen: dict[str, int] = {}
    for number, row in rows:
        pid = (cell(row, "participant_id") or "").strip()
        prac = (cell(row, "practice_id") or "").strip()
        a = (cell(row, "arm") or "").strip().lower()
        if not pid:
            problems.append(f"row {number}, column 'participant_id': the value is blank")
        elif pid in ids_seen:
            problems.append(f"row {number}, column 'participant_id': {pid!r} already appears in row {ids_seen[pid]}")
        else:
            ids_seen[pid] = number
        if not prac:
            problems.append(f"row {number}, column 'practice_id': the value is blank")
        if a not in ARMS:
            problems.append(f"row {number}, column 'arm': {cell(row, 'arm')!r} is not 'intervention' or 'control'")
        participant_id.append(pid)
        practice_id.append(prac)
        arm.append(a)
    text: dict[str, list[str | None]] = {}
    for col in KNOWN_TEXT:
        if col in index:
            text[col] = [None if _is_missing(cell(r, col)) else (cell(r, col) or "").strip() for _, r in rows]
    numeric: dict[str, NDArray[np.float64]] = {}
    for col in KNOWN_NUMERIC:
        if col in index:
            values = np.full(len(rows), np.nan)
            for k, (number, row) in enumerate(rows):
                try:
                    values[k] = parse_number(cell(row, col))
                except ValueError:
                    problems.append(f"row {number}, column {col!r}: {cell(row, col)!r} is not a number")
                    continue
                if col == "cp_availability" and not (math.isnan(values[k]) or 0.0 <= values[k] <= 1.0):
                    problems.append(f"row {number}, column {col!r}: {cell(row, col)!r} is not a share between 0 and 1")
                if col.startswith("contacts") and values[k] < 0:
                    problems.append(f"row {number}, column {col!r}: {cell(row, col)!r} is negative")
            numeric[col] = values
    window = None
    if "followup_in_window" in index:
        window = np.full(len(rows), np.nan)
        for k, (number, row) in enumerate(rows):
            try:
                window[k] = parse_bool(cell(row, "followup_in_window"))
            except ValueError:
                problems.append(f"row {number}, column 'followup_in_window': {cell(row, 'followup_in_window')!r} "
                                "is not true/false")
    baseline: dict[str, NDArray[np.float64]] = {}
    followup: dict[str, NDArray[np.float64]] = {}
    for col, (kind, key) in measure_cols.items():
        values = np.full(len(rows), np.nan)
        for k, (number, row) in enumerate(rows):
            try:
                values[k] = parse_number(cell(row, col))
            except ValueError:
                problems.append(f"row {number}, column {col!r}: {cell(row, col)!r} is not a number")
        (baseline if kind == "baseline" else followup)[key] = values
    known = {"participant_id", "practice_id", "arm", "followup_in_window", *KNOWN_TEXT, *KNOWN_NUMERIC,
             *measure_cols}
    extra = {h: [None if _is_missing(cell(r, h)) else (cell(r, h) or "").strip() for _, r in rows]
             for h in header if h and h not in known}
    if not problems:
        problems += _cluster_consistency(rows, practice_id, arm, text)
    if problems:
        raise DatasetError(problems, source)
    return TrialDataset(source=source, header=[h for h in header if h], row_numbers=[n for n, _ in rows],
                        participant_id=participant_id, practice_id=practice_id, arm=arm, text=text, numeric=numeric,
                        followup_in_window=window, baseline=baseline, followup=followup, extra=extra)


def _cluster_consistency(rows: list[tuple[int, list[str]]], practice_id: list[str], arm: list[str],
                         text: dict[str, list[str | None]]) -> list[str]:
    """Arm and the minimisation factors are properties of the practice: they must not vary inside one."""
    problems = []
    checks: dict[str, list[str | None]] = {"arm": list(arm)}
    for col in ("region", "practice_size"):
        if col in text:
            checks[col] = text[col]
    for col, values in checks.items():
        first: dict[str, tuple[str | None, int]] = {}
        for (number, _), prac, value in zip(rows, practice_id, values, strict=True):
            if value is None:
                continue
            if prac not in first:
                first[prac] = (value, number)
            elif first[prac][0] != value:
                problems.append(f"row {number}, column {col!r}: {value!r} differs from {first[prac][0]!r} in row "
                                f"{first[prac][1]} for the same practice {prac!r} ({col} is a practice-level value)")
    return problems
