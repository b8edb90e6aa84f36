"""The pseudonymised research extract: CSV, Stata .dta and a data dictionary.

:func:`write_extract` takes rows (mappings of column -> value; the platform passes rows built from its database,
the CLI passes the analysis dataset) and a secret key, and writes ``<name>.csv``, ``<name>.dta`` and
``<name>_dictionary.csv``:

- Direct identifiers (NHS number, names, date of birth, postcode, address, contact details) are dropped, and the
  dictionary says so.
- Identifier columns (``participant_id``, ``practice_id`` by default) are replaced by keyed pseudonyms:
  ``HMAC-SHA256(key, "<column>:<value>")``, hex, truncated to 16 (participants) or 12 (practices) characters,
  prefixed ``P-``/``C-``. Without the key a pseudonym cannot be reversed or recomputed (HMAC is a keyed
  one-way function; guessing ids to test against pseudonyms needs the key); with the same key the same person
  always gets the same pseudonym, so extracts can be linked by whoever holds the key, and by no one else.
- Column names are made valid Stata names (letters, digits, underscores; at most 32 characters; unique).
- Types: columns whose values are all numbers become numeric; ``true``/``false`` style columns become 0/1 with
  value labels; ``arm`` becomes 1 = intervention, 0 = control with value labels; other text stays text.
- The dictionary lists each variable: name, label, type, values or range, source column and notes.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

IDENTIFYING = {
    "nhs_number", "family_name", "given_name", "first_name", "last_name", "surname", "forename", "name",
    "date_of_birth", "dob", "postcode", "address", "address_line_1", "address_line_2", "email", "phone",
    "telephone", "mobile",
}
PSEUDONYMISED = {"participant_id": ("P-", 16), "practice_id": ("C-", 12)}
MIN_KEY_BYTES = 16
LABELS = {
    "participant_id": "Participant (keyed pseudonym)",
    "practice_id": "Practice, the cluster (keyed pseudonym)",
    "arm": "Allocated arm",
    "region": "Region (minimisation factor)",
    "practice_size": "Practice SMI register size (minimisation factor)",
    "diagnosis_group": "Diagnosis group",
    "care_setting": "Usual care provider at screening",
    "period": "Follow-up period",
    "followup_in_window": "Follow-up inside its protocol window",
    "contacts_10min": "Care Partner contacts of at least 10 minutes",
    "contacts_goals": "Care Partner contacts with goals discussed",
    "cp_availability": "Share of the intervention period with a Care Partner in post",
}
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0"}


class ExtractError(ValueError):
    pass


def pseudonym(value: str, key: bytes, column: str = "participant_id", prefix: str = "", length: int = 16) -> str:
    if len(key) < MIN_KEY_BYTES:
        raise ExtractError(f"the pseudonymisation key must be at least {MIN_KEY_BYTES} bytes")
    digest = hmac.new(key, f"{column}:{value}".encode(), hashlib.sha256).hexdigest()
    return prefix + digest[:length]


def stata_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", name.strip())
    if not base or not (base[0].isalpha() or base[0] == "_"):
        base = "v_" + base
    base = base[:32]
    candidate = base
    k = 1
    while candidate.lower() in taken:
        suffix = f"_{k}"
        candidate = base[: 32 - len(suffix)] + suffix
        k += 1
    taken.add(candidate.lower())
    return candidate


def _label(column: str) -> str:
    if column in LABELS:
        return LABELS[column]
    for prefix, word in (("baseline_", "Baseline"), ("followup_", "Follow-up")):
        if column.startswith(prefix):
            from partners.trial.reports.tables import measure_name

            return f"{word} {measure_name(column[len(prefix):])} score"
    return column.replace("_", " ").capitalize()


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == ""


def _kind(values: list[Any]) -> str:
    present = [str(v).strip() for v in values if not _blank(v)]
    if not present:
        return "text"
    if all(p.lower() in TRUE_WORDS | FALSE_WORDS for p in present) and any(
            p.lower() in {"true", "false", "yes", "no", "y", "n"} for p in present):
        return "boolean"
    try:
        nums = [float(p) for p in present]
    except ValueError:
        return "text"
    return "integer" if all(n == int(n) for n in nums) else "number"


def write_extract(rows: Sequence[Mapping[str, Any]], out_dir: str | Path, key: bytes, *,
                  name: str = "trial_extract", pseudonymise: Mapping[str, tuple[str, int]] | None = None,
                  labels: Mapping[str, str] | None = None) -> dict[str, Path]:
    import pandas as pd
    import pyreadstat

    if len(key) < MIN_KEY_BYTES:
        raise ExtractError(f"the pseudonymisation key must be at least {MIN_KEY_BYTES} bytes")
    if not rows:
        raise ExtractError("there are no rows to extract")
    pseudo = dict(PSEUDONYMISED if pseudonymise is None else pseudonymise)
    columns: list[str] = []
    for row in rows:
        for c in row:
            if c not in columns:
                columns.append(c)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    data: dict[str, list[Any]] = {}
    dictionary: list[dict[str, str]] = []
    value_labels: dict[str, dict[int | float, str]] = {}
    column_labels: dict[str, str | None] = {}
    for col in columns:
        norm = col.strip().lower()
        if norm in IDENTIFYING:
            dictionary.append({"variable": "", "label": _label(norm), "type": "removed", "values": "",
                               "source_column": col, "notes": "direct identifier: not included in the extract"})
            continue
        raw = [row.get(col) for row in rows]
        var = stata_name(norm, taken)
        label = (labels or {}).get(norm) or _label(norm)
        notes = ""
        if norm in pseudo:
            prefix, length = pseudo[norm]
            values: list[Any] = [None if _blank(v) else pseudonym(str(v).strip(), key, norm, prefix, length)
                                 for v in raw]
            kind = "text"
            desc = f"{prefix}<{length} hex characters>"
            notes = "keyed pseudonym (HMAC-SHA256); irreversible without the key"
        elif norm == "arm":
            mapping = {"intervention": 1, "control": 0}
            bad = [v for v in raw if not _blank(v) and str(v).strip().lower() not in mapping]
            if bad:
                raise ExtractError(f"column {col!r}: {bad[0]!r} is not intervention or control")
            values = [None if _blank(v) else mapping[str(v).strip().lower()] for v in raw]
            kind = "integer"
            value_labels[var] = {1: "intervention", 0: "control"}
            desc = "1 = intervention, 0 = control"
        else:
            kind = _kind(raw)
            if kind == "boolean":
                values = [None if _blank(v) else int(str(v).strip().lower() in TRUE_WORDS) for v in raw]
                value_labels[var] = {1: "true", 0: "false"}
                desc = "1 = true, 0 = false"
                kind = "integer"
            elif kind in ("integer", "number"):
                values = [None if _blank(v) else float(str(v).strip()) for v in raw]
                present = [v for v in values if v is not None]
                desc = f"{min(present):g} to {max(present):g}" if present else ""
            else:
                values = [None if _blank(v) else str(v).strip() for v in raw]
                levels = sorted({v for v in values if v is not None})
                desc = ", ".join(levels) if len(levels) <= 12 else f"{len(levels)} distinct values"
        data[var] = values
        column_labels[var] = label[:80]
        dictionary.append({"variable": var, "label": label, "type": kind, "values": desc, "source_column": col,
                           "notes": notes})
    frame = pd.DataFrame(data)
    for var, values in data.items():
        if all(v is None or isinstance(v, int | float) for v in values):
            frame[var] = pd.to_numeric(frame[var], errors="coerce").astype("float64")
        else:
            frame[var] = frame[var].astype(object).where(frame[var].notna(), "")
    for var in value_labels:
        frame[var] = frame[var].astype("float64")
    paths = {"csv": out / f"{name}.csv", "dta": out / f"{name}.dta", "dictionary": out / f"{name}_dictionary.csv"}
    with paths["csv"].open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(list(data))
        for i in range(len(rows)):
            writer.writerow(["" if data[v][i] is None else _csv_value(data[v][i]) for v in data])
    pyreadstat.write_dta(frame, str(paths["dta"]), file_label="PARTNERS trial research extract (pseudonymised)",
                         column_labels=column_labels, variable_value_labels=value_labels)
    with paths["dictionary"].open("w", newline="", encoding="utf-8") as fh:
        dict_writer = csv.DictWriter(fh, fieldnames=["variable", "label", "type", "values", "source_column", "notes"])
        dict_writer.writeheader()
        dict_writer.writerows(dictionary)
    return paths


def _csv_value(v: Any) -> str:
    if isinstance(v, float) and v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def rows_from_csv(path: str | Path) -> list[dict[str, str]]:
    """Read any CSV (UTF-8, BOM accepted) into rows for :func:`write_extract`."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ExtractError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ExtractError(f"{path}: the file is not UTF-8 text") from None
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames:
        raise ExtractError(f"{path}: the file is empty")
    return [dict(r) for r in reader]
