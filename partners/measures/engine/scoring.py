"""One scoring function for every instrument: :func:`score`.

Responses come in item order; ``None`` (JSON null) is an unanswered item. Anything else that an item does
not accept - out of range, a boolean for a number or a number for a yes/no item, a decimal for a whole
number, a string - raises :class:`ScoringError` naming the item, the value and what is allowed. Nothing is
clipped or coerced.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .instruments import INSTRUMENTS, SWEMWBS_METRIC
from .model import Instrument, Item, ScoreResult, ScoringError, show
from .valuesets import EQ5D_VALUE_SETS, ICECAP_TARIFF_NAME, get_value_set, load_icecap_tariff


def list_instruments() -> list[Instrument]:
    """Every instrument, in the order of ``measures.md`` (goal-based outcomes last)."""
    return list(INSTRUMENTS.values())


def get_instrument(code: str) -> Instrument:
    key = code.strip().lower() if isinstance(code, str) else None
    if key not in INSTRUMENTS:
        raise ScoringError(f"unknown instrument {show(code)}; known: {', '.join(INSTRUMENTS)}")
    return INSTRUMENTS[key]


def validate(code: str, responses: Any) -> list[Any]:
    """The responses checked against the instrument's items (``None`` = missing); raises ScoringError."""
    return _validate(get_instrument(code), responses)


def _validate(instrument: Instrument, responses: Any) -> list[Any]:
    if not isinstance(responses, list | tuple):
        raise ScoringError(
            f"{instrument.code}: responses must be a list (one per item, in order), not {show(responses)}"
        )
    if instrument.variable_items:
        if not responses:
            raise ScoringError(f"{instrument.code}: expected one rating per goal (at least one), got none")
        template = instrument.items[0]
        items = [
            Item(number=n, code=f"goal_{n}", label=f"goal {n}", kind=template.kind, minimum=template.minimum,
                 maximum=template.maximum)
            for n in range(1, len(responses) + 1)
        ]
    else:
        required, total = instrument.required_count, len(instrument.items)
        if not required <= len(responses) <= total:
            expected = str(total) if required == total else f"{required} or {total}"
            raise ScoringError(
                f"{instrument.code}: expected {expected} responses (one per item, in order: "
                f"{instrument.item_order_text()}), got {len(responses)}"
            )
        items = list(instrument.items[: len(responses)])
    checked = []
    for item, value in zip(items, responses, strict=True):
        try:
            checked.append(item.check(value))
        except ScoringError as exc:
            raise ScoringError(f"{instrument.code} {exc.message}", item_number=exc.item_number,
                               item_label=exc.item_label, value=exc.value, allowed=exc.allowed) from None
    return checked


def _missing_items(values: Sequence[Any]) -> tuple[int, ...]:
    return tuple(n for n, v in enumerate(values, start=1) if v is None)


def _int_option(instrument: Instrument, name: str, value: Any, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise ScoringError(
            f"{instrument.code}: option {name} must be a whole number {low} to {high}, not {show(value)}"
        )
    return value


def _max_missing(options: Mapping[str, Any]) -> int | None:
    """How many missing items may be prorated (None: no prorating); options are already checked."""
    if options.get("prorate_max_missing") is not None:
        return int(options["prorate_max_missing"])
    if options.get("prorate") is True:
        # measures.md: WEMWBS "configurable prorating: mean of answered x 14 when at most 3 missing".
        return 3
    return None


def _sum_or_prorate(
    instrument: Instrument, values: Sequence[int | None], options: Mapping[str, Any]
) -> tuple[float | None, bool, str | None]:
    answered = [v for v in values if v is not None]
    missing = len(values) - len(answered)
    if missing == 0:
        return sum(answered), False, None
    limit = _max_missing(options)
    if limit is not None and missing <= limit:
        return sum(answered) / len(answered) * len(values), True, None
    if limit is None:
        return None, False, f"{missing} of {len(values)} items missing; no score when any item is missing"
    return None, False, f"{missing} of {len(values)} items missing; at most {limit} may be prorated"


def _band(instrument: Instrument, total: float | None) -> str | None:
    if total is None:
        return None
    for band in instrument.bands:
        if band.low <= total <= band.high:
            return band.label
    # A prorated total can fall between two integer bands (e.g. 9.5): take the band whose range it passed.
    for band in reversed(instrument.bands):
        if total >= band.low:
            return band.label
    return None


Scored = tuple[float | None, dict[str, Any], bool, str | None, str | None, tuple[str, ...]]
# (score, scores, prorated, value_set, no_score_reason, flags)


def _mansa(inst: Instrument, values: list[Any], value_set: str | None, options: Mapping[str, Any]) -> Scored:
    satisfaction, objective = values[:12], values[12:]
    answered = [v for v in satisfaction if v is not None]
    scores = {"objective": list(objective)}
    if len(answered) >= 10:
        return sum(answered) / len(answered), scores, len(answered) < 12, None, None, ()
    reason = f"{12 - len(answered)} of 12 satisfaction items missing; at least 10 must be answered"
    return None, scores, False, None, reason, ()


def _summed(inst: Instrument, values: list[Any], value_set: str | None, options: Mapping[str, Any]) -> Scored:
    total, prorated, reason = _sum_or_prorate(inst, values, options)
    scores: dict[str, Any] = {}
    flags: tuple[str, ...] = ()
    if inst.bands:
        scores["severity"] = _band(inst, total)
    if inst.code == "phq9" and values[8] is not None and values[8] > 0:
        flags = ("phq9-item9-positive",)
    return total, scores, prorated, None, reason, flags


def _swemwbs(inst: Instrument, values: list[Any], value_set: str | None, options: Mapping[str, Any]) -> Scored:
    if any(v is None for v in values):
        missing = sum(v is None for v in values)
        return None, {"raw": None}, False, None, f"{missing} of 7 items missing; no score when any is missing", ()
    raw = sum(values)
    return SWEMWBS_METRIC[raw], {"raw": raw}, False, None, None, ()


def _icecap(inst: Instrument, values: list[Any], value_set: str | None, options: Mapping[str, Any]) -> Scored:
    tariff = load_icecap_tariff()
    if any(v is None for v in values):
        missing = sum(v is None for v in values)
        return None, {}, False, tariff.name, f"{missing} of 5 attributes missing; no score when any is missing", ()
    return tariff.score(tuple(values)), {}, False, tariff.name, None, ()


def _eq5d(inst: Instrument, values: list[Any], value_set: str | None, options: Mapping[str, Any]) -> Scored:
    value_set_obj = get_value_set(value_set)
    dimensions = values[:5]
    vas = values[5] if len(values) == 6 else None
    if any(v is None for v in dimensions):
        missing = sum(v is None for v in dimensions)
        reason = f"{missing} of 5 dimensions missing; no index when any dimension is missing"
        return None, {"profile": None, "vas": vas}, False, value_set_obj.name, reason, ()
    levels = tuple(dimensions)
    profile = "".join(str(level) for level in levels)
    return value_set_obj.index(levels), {"profile": profile, "vas": vas}, False, value_set_obj.name, None, ()


def _brief_inspire(inst: Instrument, values: list[Any], value_set: str | None, options: Mapping[str, Any]) -> Scored:
    if any(v is None for v in values):
        missing = sum(v is None for v in values)
        return None, {}, False, None, f"{missing} of 5 items missing; no score when any is missing", ()
    return sum(values) * 25 / len(values), {}, False, None, None, ()


_TUS_EXCLUDED_FROM_CONSTRUCTIVE = {"leisure", "sport"}


def _tus(inst: Instrument, values: list[Any], value_set: str | None, options: Mapping[str, Any]) -> Scored:
    limit = options.get("outlier_max_hours")
    if any(v is None for v in values):
        missing = sum(v is None for v in values)
        scores: dict[str, Any] = {"constructive_economic": None}
        if limit is not None:
            scores["outlier"] = None
        return None, scores, False, None, f"{missing} of {len(values)} activities missing; no score when any is", ()
    total = sum(values)
    constructive = sum(v for item, v in zip(inst.items, values, strict=False)
                       if item.code not in _TUS_EXCLUDED_FROM_CONSTRUCTIVE)
    scores = {"constructive_economic": constructive}
    flags: tuple[str, ...] = ()
    if limit is not None:
        scores["outlier"] = total > limit
        if total > limit:
            flags = ("tus-outlier",)
    return total, scores, False, None, None, flags


def _gbo(inst: Instrument, values: list[Any], value_set: str | None, options: Mapping[str, Any]) -> Scored:
    baseline_raw = options.get("baseline")
    baseline: list[Any] | None = None
    if baseline_raw is not None:
        if not isinstance(baseline_raw, list | tuple) or len(baseline_raw) != len(values):
            raise ScoringError(f"gbo: baseline must be a list of {len(values)} ratings (one per goal, in the same "
                               f"order), not {show(baseline_raw)}")
        baseline = []
        for n, value in enumerate(baseline_raw, start=1):
            item = Item(number=n, code=f"goal_{n}", label=f"goal {n} at agreement", minimum=0, maximum=10)
            baseline.append(item.check(value))
    rated = [v for v in values if v is not None]
    mean = sum(rated) / len(rated) if rated else None
    scores: dict[str, Any] = {"ratings": list(values)}
    if baseline is not None:
        change = [None if v is None or b is None else v - b for v, b in zip(values, baseline, strict=True)]
        known = [c for c in change if c is not None]
        scores.update(baseline=baseline, change=change, mean_change=sum(known) / len(known) if known else None)
    reason = None if rated else "no goal rated"
    return mean, scores, False, None, reason, ()


def _dialog(inst: Instrument, values: list[Any], value_set: str | None, options: Mapping[str, Any]) -> Scored:
    answered = [v for v in values if v is not None]
    needed = len(values) - (2 if len(values) == 8 else 1)
    if len(answered) >= needed:
        return sum(answered) / len(answered), {}, len(answered) < len(values), None, None, ()
    reason = f"{len(values) - len(answered)} of {len(values)} items missing; at least {needed} must be answered"
    return None, {}, False, None, reason, ()


_SCORERS: dict[str, Callable[[Instrument, list[Any], str | None, Mapping[str, Any]], Scored]] = {
    "mansa": _mansa,
    "wemwbs": _summed,
    "swemwbs": _swemwbs,
    "qpr15": _summed,
    "icecap-a": _icecap,
    "eq-5d-5l": _eq5d,
    "brief-inspire": _brief_inspire,
    "tus": _tus,
    "phq9": _summed,
    "gad7": _summed,
    "gbo": _gbo,
    "dialog-life": _dialog,
    "dialog-care": _dialog,
}


def _check_value_set(instrument: Instrument, value_set: Any) -> str | None:
    if value_set is None:
        return None
    if not isinstance(value_set, str):
        raise ScoringError(f"value set must be a name, not {show(value_set)}")
    if not instrument.value_sets:
        raise ScoringError(
            f"{instrument.code} has no value sets, so {value_set!r} cannot be used; value sets apply to "
            f"eq-5d-5l ({', '.join(EQ5D_VALUE_SETS)}) and icecap-a ({ICECAP_TARIFF_NAME})"
        )
    if value_set not in instrument.value_sets:
        raise ScoringError(f"unknown value set {value_set!r} for {instrument.code}; known: "
                           f"{', '.join(instrument.value_sets)}")
    return value_set


def _check_options(instrument: Instrument, options: Any) -> dict[str, Any]:
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise ScoringError(f"{instrument.code}: options must be a mapping of name to value, not {show(options)}")
    unknown = sorted(str(k) for k in options if k not in instrument.options)
    if unknown:
        known = ", ".join(instrument.options) or "none"
        raise ScoringError(f"{instrument.code}: unknown option {', '.join(unknown)}; options for {instrument.code}: "
                           f"{known}")
    checked = {k: v for k, v in options.items() if v is not None}
    if "prorate" in checked and not isinstance(checked["prorate"], bool):
        raise ScoringError(f"{instrument.code}: option prorate must be true or false, not {show(checked['prorate'])}")
    if "prorate_max_missing" in checked:
        _int_option(instrument, "prorate_max_missing", checked["prorate_max_missing"], 0, len(instrument.items) - 1)
    limit = checked.get("outlier_max_hours")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int | float)
                              or not math.isfinite(limit) or limit <= 0):
        raise ScoringError(f"{instrument.code}: option outlier_max_hours must be a positive number of hours, "
                           f"not {show(limit)}")
    return checked


def score(
    code: str,
    responses: Sequence[Any],
    value_set: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> ScoreResult:
    """Score one completed questionnaire. The only scoring function: CLI, web app, API and trial use it.

    ``value_set`` chooses the EQ-5D-5L value set (default ``uk-2026``) or the ICECAP-A tariff; other
    instruments take none. ``options`` are the instrument's documented options (``Instrument.options``).
    Raises :class:`ScoringError` for bad input and :class:`NotConfiguredError` (a ScoringError) when the
    value set or tariff needed is not installed.
    """
    instrument = get_instrument(code)
    chosen_value_set = _check_value_set(instrument, value_set)
    checked_options = _check_options(instrument, options)
    values = _validate(instrument, responses)
    total, scores, prorated, used_value_set, reason, flags = _SCORERS[instrument.code](
        instrument, values, chosen_value_set, checked_options
    )
    missing_items = _missing_items(values)
    return ScoreResult(
        instrument=instrument.code,
        version=instrument.version,
        rule=instrument.rule,
        value_set=used_value_set,
        score=total,
        scores=scores,
        missing=len(missing_items),
        prorated=prorated,
        missing_items=missing_items,
        no_score_reason=reason if total is None else None,
        options=checked_options,
        flags=flags,
    )


# --- Outliers across a data set (the trial removed two TUS outliers without stating its rule) -------------

def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between order statistics (R's type 7, numpy's default)."""
    position = (len(sorted_values) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def find_outliers(totals: Sequence[float | None], rule: str = "none", k: float = 1.5,
                  max_hours: float | None = None) -> list[bool]:
    """Which totals are outliers under a stated rule (``None`` totals are never outliers).

    Rules: ``none``; ``max_hours`` (above ``max_hours``); ``iqr`` (Tukey's fences: below Q1 - k*IQR or above
    Q3 + k*IQR, quartiles by linear interpolation). The rule used must be reported with any analysis.
    """
    if rule == "none":
        return [False] * len(totals)
    if rule == "max_hours":
        if max_hours is None or not math.isfinite(max_hours) or max_hours <= 0:
            raise ScoringError(f"outlier rule max_hours needs a positive max_hours, not {show(max_hours)}")
        return [t is not None and t > max_hours for t in totals]
    if rule == "iqr":
        if not math.isfinite(k) or k <= 0:
            raise ScoringError(f"outlier rule iqr needs a positive k, not {show(k)}")
        known = sorted(t for t in totals if t is not None)
        if len(known) < 4:
            return [False] * len(totals)
        q1, q3 = _quantile(known, 0.25), _quantile(known, 0.75)
        low, high = q1 - k * (q3 - q1), q3 + k * (q3 - q1)
        return [t is not None and (t < low or t > high) for t in totals]
    raise ScoringError(f"unknown outlier rule {rule!r}; known: none, max_hours, iqr")
