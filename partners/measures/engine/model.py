"""The engine's vocabulary: items, instruments, score results and the one error type.

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

# How a response is checked. ``integer``: a JSON whole number in [minimum, maximum] (never a boolean,
# never a float such as 3.0); ``boolean``: JSON true or false only (never 0/1); ``hours``: a JSON number
# (whole or not) that is finite and at least ``minimum`` (never a boolean).
ResponseKind = Literal["integer", "boolean", "hours"]


class ScoringError(ValueError):
    """Responses (or a scoring request) that cannot be scored as given.

    The message names the item (number and label), the value and what is allowed, so a form, the API
    and the command line can all show it unchanged. ``item_number`` is 1-based, or ``None`` when the
    problem is not one item (the wrong number of responses, an unknown value set or option).
    """

    def __init__(
        self,
        message: str,
        *,
        item_number: int | None = None,
        item_label: str | None = None,
        value: Any = None,
        allowed: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.item_number = item_number
        self.item_label = item_label
        self.value = value
        self.allowed = allowed


class NotConfiguredError(ScoringError):
    """The value set or tariff a score needs is not available on this installation (say how to get it)."""


def show(value: Any) -> str:
    """A value as the person who sent it wrote it (JSON where possible)."""
    try:
        return json.dumps(value, allow_nan=True)
    except (TypeError, ValueError):
        return repr(value)


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large to be a float
        return False


@dataclass(frozen=True)
class Item:
    """One question: its position, a stable code, a short label in our own words, and what it accepts."""

    number: int
    code: str
    label: str
    kind: ResponseKind = "integer"
    minimum: float | None = None
    maximum: float | None = None
    # Trailing items that may be left off the end of the list (EQ-5D-5L VAS, the TUS "other" row).
    optional: bool = False
    # What the response values mean, in our own words (e.g. {1: "couldn't be worse", 7: "couldn't be better"}).
    anchors: Mapping[int, str] = field(default_factory=dict)

    def allowed_text(self) -> str:
        if self.kind == "boolean":
            return "true or false (JSON booleans; 1/0 and strings are not accepted)"
        if self.kind == "hours":
            return f"a number of hours, at least {self.minimum:g} (whole or decimal; not a boolean or a string)"
        return f"whole numbers {self.minimum:g} to {self.maximum:g} (JSON integers; not booleans, decimals or strings)"

    def check(self, value: Any) -> Any:
        """Return the value if this item accepts it (``None`` is missing), else raise :class:`ScoringError`."""
        if value is None:
            return None
        ok = False
        if self.kind == "boolean":
            ok = isinstance(value, bool)
        elif isinstance(value, bool):
            ok = False  # JSON true is never a number here
        elif self.kind == "integer":
            ok = type(value) is int and self.minimum is not None and self.maximum is not None and (
                self.minimum <= value <= self.maximum
            )
        elif self.kind == "hours":
            ok = isinstance(value, int | float) and _finite(value) and (self.minimum is None or value >= self.minimum)
        if not ok:
            raise ScoringError(
                f"item {self.number} ({self.label}): {show(value)} is not allowed; allowed: {self.allowed_text()}, "
                "or null if not answered",
                item_number=self.number,
                item_label=self.label,
                value=value,
                allowed=self.allowed_text(),
            )
        return value

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"number": self.number, "code": self.code, "label": self.label, "kind": self.kind}
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        if self.optional:
            out["optional"] = True
        if self.anchors:
            out["anchors"] = {str(k): v for k, v in self.anchors.items()}
        return out


@dataclass(frozen=True)
class Threshold:
    """A published figure for interpreting a score or a change (for charts); ``source`` cites it."""

    kind: str  # "reliable_change", "caseness", "statistically_important_change", "target_difference", ...
    value: float
    description: str
    source: str
    direction: Literal["higher_is_better", "lower_is_better"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.value,
            "description": self.description,
            "direction": self.direction,
            "source": self.source,
        }


@dataclass(frozen=True)
class Band:
    """A labelled score range, inclusive at both ends (e.g. PHQ-9 10-14 "moderate")."""

    low: float
    high: float
    label: str


@dataclass(frozen=True)
class Wording:
    """Licensed item wording an organisation has loaded (never shipped: the wording is copyrighted)."""

    language: str
    items: tuple[str, ...]
    licence_reference: str


@dataclass(frozen=True)
class Instrument:
    """An instrument as data. The scoring function is chosen by ``code`` in :mod:`.scoring`."""

    code: str
    name: str
    version: str
    items: tuple[Item, ...]
    rule: str  # identifier of the scoring rule recorded with every score, e.g. "mansa-mean-12"
    score_description: str
    missing_rule: str
    licence: str
    reference: str
    score_range: tuple[float, float] | None = None
    value_sets: tuple[str, ...] = ()
    default_value_set: str | None = None
    options: Mapping[str, str] = field(default_factory=dict)  # option name -> what it does
    scores_keys: tuple[str, ...] = ()
    bands: tuple[Band, ...] = ()
    bands_source: str = ""
    thresholds: tuple[Threshold, ...] = ()
    # One item per goal, as many as there are goals (GBO); ``items`` then holds the template item.
    variable_items: bool = False
    # Licensed wording by language, loaded by an organisation that holds the licence (empty as shipped).
    wording: Mapping[str, Wording] = field(default_factory=dict)

    @property
    def required_count(self) -> int:
        return sum(1 for item in self.items if not item.optional)

    def with_wording(self, language: str, items: list[str] | tuple[str, ...], licence_reference: str) -> Instrument:
        """A copy carrying licensed wording for ``language``, one text per item, in item order."""
        texts = tuple(items)
        if self.variable_items:
            raise ScoringError(f"{self.code}: goal-based outcomes have no fixed wording to load")
        if len(texts) != len(self.items):
            raise ScoringError(
                f"{self.code}: wording for {language} has {len(texts)} item texts; expected {len(self.items)} "
                f"(one per item, in order: {self.item_order_text()})"
            )
        for number, text in enumerate(texts, start=1):
            if not isinstance(text, str) or not text.strip():
                raise ScoringError(f"{self.code}: wording for {language}, item {number}: {show(text)} is not a text")
        if not licence_reference.strip():
            raise ScoringError(f"{self.code}: wording for {language} needs the licence reference it is used under")
        wording = dict(self.wording)
        wording[language] = Wording(language=language, items=texts, licence_reference=licence_reference.strip())
        return replace(self, wording=wording)

    def item_order_text(self) -> str:
        return "; ".join(f"{item.number} {item.label}" for item in self.items)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "version": self.version,
            "rule": self.rule,
            "score": self.score_description,
            "score_range": list(self.score_range) if self.score_range else None,
            "missing_rule": self.missing_rule,
            "responses": (
                "one per goal" if self.variable_items
                else (f"{self.required_count} or {len(self.items)}" if self.required_count != len(self.items)
                      else str(len(self.items)))
            ),
            "items": [item.as_dict() for item in self.items],
            "scores_keys": list(self.scores_keys),
            "value_sets": list(self.value_sets),
            "default_value_set": self.default_value_set,
            "options": dict(self.options),
            "bands": [{"low": b.low, "high": b.high, "label": b.label} for b in self.bands],
            "bands_source": self.bands_source or None,
            "thresholds": [t.as_dict() for t in self.thresholds],
            "licence": self.licence,
            "reference": self.reference,
            "wording_languages": sorted(self.wording),
        }


@dataclass(frozen=True)
class ScoreResult:
    """One scored questionnaire: what was scored, how, and with what gaps."""

    instrument: str
    version: str
    rule: str
    value_set: str | None
    score: float | None
    scores: dict[str, Any]
    missing: int
    prorated: bool
    missing_items: tuple[int, ...] = ()
    # Why ``score`` is None when it is (e.g. "3 of 12 satisfaction items missing; at most 2 allowed").
    no_score_reason: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    # Things a clinician should see whatever the score (e.g. "phq9-item9-positive").
    flags: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The command line's JSON (and the API's): the contract keys first, then the provenance."""
        return {
            "instrument": self.instrument,
            "score": self.score,
            "scores": self.scores,
            "missing": self.missing,
            "prorated": self.prorated,
            "value_set": self.value_set,
            "version": self.version,
            "rule": self.rule,
            "missing_items": list(self.missing_items),
            "no_score_reason": self.no_score_reason,
            "options": dict(self.options),
            "flags": list(self.flags),
        }
