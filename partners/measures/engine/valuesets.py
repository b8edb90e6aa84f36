"""EQ-5D-5L value sets and the ICECAP-A tariff.

* ``uk-2026`` (the default) and ``england-2018``: additive decrements, transcribed from the tables in
  ``shared/spec/measures.md`` (index = 1 + the sum of the five decrements; level 1 = 0). The
  ``england-2018`` table is Devlin N, Shah K, Feng Y, Mulhern B, van Hout B. Valuing health-related
  quality of life: an EQ-5D-5L value set for England. Health Econ 2018;27:7-22. The ``uk-2026`` table is
  Rowen D et al., Value Health 2026 (as given in the spec). Both give indices to 3 decimal places.
* ``vanhout-crosswalk``: van Hout B, Janssen MF, Feng YS, et al. Interim scoring for the EQ-5D-5L:
  mapping the EQ-5D-5L to EQ-5D-3L value sets. Value Health 2012;15:708-715 (UK 3L values), a
  published 3,125-row lookup. We may not ship it: ``partners measures install-crosswalk`` obtains it
  (see :mod:`partners.measures.crosswalk`) and writes ``<var>/measures/eq5d5l-vanhout-crosswalk-uk.csv``;
  until then scoring with it raises :class:`NotConfiguredError` saying how to get it.
* ICECAP-A: Flynn TN, Huynh E, Peters TJ, et al. Scoring the ICECAP-A capability instrument. Estimation
  of a UK general population tariff. Health Econ 2015;24:258-269. The tariff must be transcribed from that
  paper and was not verified here, so none is shipped: an organisation loads it as a CSV file (format in
  :func:`load_icecap_tariff`) with ``partners measures install-tariff icecap-a FILE``.

``<var>`` is ``$PARTNERS_VAR_DIR`` when set, otherwise ``var/`` at the top of the source tree, as in the
Django settings.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .model import NotConfiguredError, ScoringError

EQ5D_DIMENSIONS = ("mobility", "self-care", "usual activities", "pain/discomfort", "anxiety/depression")

# Decrements for levels 2, 3, 4, 5 of each dimension, in EQ5D_DIMENSIONS order (shared/spec/measures.md).
_ENGLAND_2018: tuple[tuple[float, float, float, float], ...] = (
    (-0.058, -0.076, -0.207, -0.274),
    (-0.050, -0.080, -0.164, -0.203),
    (-0.050, -0.063, -0.162, -0.184),
    (-0.063, -0.084, -0.276, -0.335),
    (-0.078, -0.104, -0.285, -0.289),
)
_UK_2026: tuple[tuple[float, float, float, float], ...] = (
    (-0.032, -0.058, -0.179, -0.279),
    (-0.038, -0.060, -0.162, -0.206),
    (-0.049, -0.086, -0.184, -0.212),
    (-0.056, -0.066, -0.371, -0.479),
    (-0.041, -0.126, -0.313, -0.391),
)

CROSSWALK_FILENAME = "eq5d5l-vanhout-crosswalk-uk.csv"
ICECAP_TARIFF_FILENAME = "icecap-a-tariff.csv"
ICECAP_ATTRIBUTES = ("stability", "attachment", "autonomy", "achievement", "enjoyment")
ICECAP_TARIFF_NAME = "flynn-2015-uk"


def var_dir() -> Path:
    """Where installation data lives: ``$PARTNERS_VAR_DIR`` or ``var/`` at the top of the source tree."""
    env = os.environ.get("PARTNERS_VAR_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "var"


def measures_data_dir() -> Path:
    return var_dir() / "measures"


@dataclass(frozen=True)
class AdditiveValueSet:
    name: str
    title: str
    source: str
    decrements: tuple[tuple[float, float, float, float], ...]

    def index(self, levels: tuple[int, ...]) -> float:
        total = 1.0
        for dimension, level in enumerate(levels):
            if level > 1:
                total += self.decrements[dimension][level - 2]
        # Every decrement has 3 decimal places, so the exact index has 3 too: rounding only removes the
        # binary floating-point residue (0.7839999... -> 0.784); it changes no published value.
        return round(total, 3)


@dataclass(frozen=True)
class LookupValueSet:
    name: str
    title: str
    source: str
    table: Mapping[str, float]

    def index(self, levels: tuple[int, ...]) -> float:
        return self.table["".join(str(level) for level in levels)]


ValueSet = AdditiveValueSet | LookupValueSet

ADDITIVE_VALUE_SETS: dict[str, AdditiveValueSet] = {
    "uk-2026": AdditiveValueSet(
        name="uk-2026",
        title="UK EQ-5D-5L value set (2026)",
        source="Rowen D et al. Value Health 2026 (decrements as tabulated in shared/spec/measures.md)",
        decrements=_UK_2026,
    ),
    "england-2018": AdditiveValueSet(
        name="england-2018",
        title="England EQ-5D-5L value set (2018)",
        source="Devlin NJ, Shah KK, Feng Y, Mulhern B, van Hout B. Health Econ 2018;27:7-22",
        decrements=_ENGLAND_2018,
    ),
}
CROSSWALK_NAME = "vanhout-crosswalk"
EQ5D_VALUE_SETS = ("uk-2026", "england-2018", CROSSWALK_NAME)
EQ5D_DEFAULT_VALUE_SET = "uk-2026"
CROSSWALK_SOURCE = (
    "van Hout B, Janssen MF, Feng YS, et al. Interim scoring for the EQ-5D-5L: mapping the EQ-5D-5L to "
    "EQ-5D-3L value sets. Value Health 2012;15:708-715 (UK values), as carried by the R package eq5d (MIT)"
)

ALL_STATES = tuple("".join(map(str, s)) for s in itertools.product(range(1, 6), repeat=5))

_crosswalk_cache: dict[tuple[str, int, int], LookupValueSet] = {}


def crosswalk_path() -> Path:
    return measures_data_dir() / CROSSWALK_FILENAME


def crosswalk_missing_message(path: Path) -> str:
    return (
        f"the EQ-5D-5L value set '{CROSSWALK_NAME}' (van Hout 2012 crosswalk) is not installed here ({path} "
        "not found). It is a published 3,125-row table that this project may not ship: run "
        "'partners measures install-crosswalk' (downloads the R package eq5d 0.16.0 from CRAN and checks "
        "its sha256; needs Rscript), or on a machine without internet "
        "'partners measures install-crosswalk --from eq5d_0.16.0.tar.gz'. "
        "The 'uk-2026' and 'england-2018' value sets need nothing installed."
    )


def parse_crosswalk_csv(text: str, origin: str) -> dict[str, float]:
    """Read ``state,index`` rows; exactly the 3,125 states 11111..55555, each once, finite values."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header != ["state", "index"]:
        raise ScoringError(f"{origin}: the first row must be 'state,index', found {header!r}")
    table: dict[str, float] = {}
    valid = set(ALL_STATES)
    for row_number, row in enumerate(reader, start=2):
        if len(row) != 2:
            raise ScoringError(f"{origin}, row {row_number}: expected 2 columns (state,index), found {len(row)}")
        state, raw = row[0].strip(), row[1].strip()
        if state not in valid:
            raise ScoringError(f"{origin}, row {row_number}, column state: {state!r} is not an EQ-5D-5L profile")
        if state in table:
            raise ScoringError(f"{origin}, row {row_number}, column state: {state} appears twice")
        try:
            value = float(raw)
        except ValueError:
            raise ScoringError(f"{origin}, row {row_number}, column index: {raw!r} is not a number") from None
        if not math.isfinite(value):
            raise ScoringError(f"{origin}, row {row_number}, column index: {raw!r} is not a finite number")
        table[state] = value
    if len(table) != len(ALL_STATES):
        missing = sorted(valid - set(table))
        raise ScoringError(f"{origin}: {len(missing)} of the 3,125 profiles are missing (first: {missing[0]})")
    if table["11111"] != 1.0:
        raise ScoringError(f"{origin}: profile 11111 must be 1 (full health), found {table['11111']}")
    return table


def load_crosswalk(path: Path | None = None) -> LookupValueSet:
    path = path or crosswalk_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise NotConfiguredError(crosswalk_missing_message(path)) from None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    cached = _crosswalk_cache.get(key)
    if cached is None:
        table = parse_crosswalk_csv(path.read_text(encoding="utf-8"), str(path))
        cached = LookupValueSet(name=CROSSWALK_NAME, title="EQ-5D-5L crosswalk to UK EQ-5D-3L values",
                                source=CROSSWALK_SOURCE, table=table)
        _crosswalk_cache.clear()
        _crosswalk_cache[key] = cached
    return cached


def get_value_set(name: str | None) -> ValueSet:
    """An EQ-5D-5L value set by name (``None`` is the default, ``uk-2026``)."""
    name = EQ5D_DEFAULT_VALUE_SET if name is None else name
    if name in ADDITIVE_VALUE_SETS:
        return ADDITIVE_VALUE_SETS[name]
    if name == CROSSWALK_NAME:
        return load_crosswalk()
    raise ScoringError(f"unknown EQ-5D-5L value set {name!r}; known: {', '.join(EQ5D_VALUE_SETS)}")


# --- ICECAP-A tariff ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class IcecapTariff:
    name: str
    source: str
    values: Mapping[str, tuple[float, float, float, float]]  # attribute -> values for levels 1..4

    def score(self, levels: tuple[int, ...]) -> float:
        return sum(self.values[attribute][level - 1] for attribute, level in zip(ICECAP_ATTRIBUTES, levels,
                                                                                  strict=True))


ICECAP_FORMAT_HELP = (
    "a CSV file whose lines starting with '#' are comments, one of which must be '# source: <the "
    "publication and table the values were transcribed from>', then the header 'attribute,level,value' and "
    "20 rows: each of stability, attachment, autonomy, achievement, enjoyment at levels 1-4 (4 = full "
    "capability). Level 1 values must sum to 0 and level 4 values to 1 (within 0.001), and no attribute's "
    "value may fall as its level rises"
)


def icecap_tariff_path() -> Path:
    env = os.environ.get("PARTNERS_ICECAP_A_TARIFF")
    return Path(env) if env else measures_data_dir() / ICECAP_TARIFF_FILENAME


def icecap_missing_message(path: Path) -> str:
    return (
        "the ICECAP-A tariff is not configured on this installation, so ICECAP-A cannot be scored "
        f"({path} not found). The UK tariff (Flynn et al., Health Econ 2015;24:258-269) must be transcribed "
        "from the published paper, never estimated; it is not shipped. To configure it, write "
        f"{ICECAP_FORMAT_HELP}; then run 'partners measures install-tariff icecap-a FILE' (or set "
        "PARTNERS_ICECAP_A_TARIFF to the file's path)."
    )


def parse_icecap_tariff(text: str, origin: str) -> IcecapTariff:
    source = ""
    body: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comment = stripped.lstrip("#").strip()
            if comment.lower().startswith("source:"):
                source = comment.split(":", 1)[1].strip()
        elif stripped:
            body.append(line)
    if not source:
        raise ScoringError(f"{origin}: a '# source: ...' line naming the publication and table is required")
    reader = csv.reader(body)
    header = [cell.strip() for cell in next(reader, [])]
    if header != ["attribute", "level", "value"]:
        raise ScoringError(f"{origin}: the header must be 'attribute,level,value', found {','.join(header)!r}")
    cells: dict[tuple[str, int], float] = {}
    for row_number, row in enumerate(reader, start=2):
        if len(row) != 3:
            raise ScoringError(f"{origin}, data row {row_number}: expected 3 columns, found {len(row)}")
        attribute, level_text, value_text = (cell.strip() for cell in row)
        if attribute not in ICECAP_ATTRIBUTES:
            raise ScoringError(f"{origin}, data row {row_number}, column attribute: {attribute!r} is not one of "
                               f"{', '.join(ICECAP_ATTRIBUTES)}")
        if level_text not in {"1", "2", "3", "4"}:
            raise ScoringError(f"{origin}, data row {row_number}, column level: {level_text!r} is not 1, 2, 3 or 4")
        try:
            value = float(value_text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise ScoringError(f"{origin}, data row {row_number}, column value: {value_text!r} is not a number")
        key = (attribute, int(level_text))
        if key in cells:
            raise ScoringError(f"{origin}, data row {row_number}: {attribute} level {level_text} appears twice")
        cells[key] = value
    missing = [f"{a} level {lv}" for a in ICECAP_ATTRIBUTES for lv in range(1, 5) if (a, lv) not in cells]
    if missing:
        raise ScoringError(f"{origin}: missing {', '.join(missing)}")
    table = {a: tuple(cells[(a, lv)] for lv in range(1, 5)) for a in ICECAP_ATTRIBUTES}
    for attribute, by_level in table.items():
        for level in range(1, 4):
            if by_level[level] < by_level[level - 1]:
                raise ScoringError(f"{origin}: {attribute} level {level + 1} ({by_level[level]}) is below level "
                                   f"{level} ({by_level[level - 1]}); a higher capability level never has a lower "
                                   "value")
    bottom = sum(table[a][0] for a in ICECAP_ATTRIBUTES)
    top = sum(table[a][3] for a in ICECAP_ATTRIBUTES)
    if abs(bottom) > 0.001 or abs(top - 1) > 0.001:
        raise ScoringError(f"{origin}: state 11111 must score 0 and 44444 must score 1 (within 0.001); "
                           f"the file gives {bottom:.4f} and {top:.4f}")
    return IcecapTariff(name=ICECAP_TARIFF_NAME, source=source,
                        values={a: (v[0], v[1], v[2], v[3]) for a, v in table.items()})


def load_icecap_tariff(path: Path | None = None) -> IcecapTariff:
    """The installed ICECAP-A tariff, or :class:`NotConfiguredError` saying how to configure it."""
    path = path or icecap_tariff_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotConfiguredError(icecap_missing_message(path)) from None
    return parse_icecap_tariff(text, str(path))
