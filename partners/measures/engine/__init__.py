"""Outcome measures: instruments as data and one pure scoring engine (no Django imports).

Use it like this::

    from partners.measures.engine import ScoringError, get_instrument, list_instruments, score

    result = score("eq-5d-5l", [2, 1, 1, 3, 4, 70], value_set="england-2018")
    result.score            # the index (0.573 here); None when the missing-data rule gives no score
    result.scores           # instrument extras: {"profile": "21134", "vas": 70}
    result.as_dict()        # {"instrument", "score", "scores", "missing", "prorated", "value_set", ...}

API
---
``list_instruments() -> list[Instrument]``
    Every instrument (mansa, wemwbs, swemwbs, qpr15, icecap-a, eq-5d-5l, brief-inspire, tus, phq9, gad7,
    gbo) with items in response order, short labels in our own words, allowed responses, scoring and
    missing-data rules, licence note, options, severity bands and published thresholds (``as_dict()``).
``get_instrument(code) -> Instrument``
    One of them (``ScoringError`` for an unknown code). ``Instrument.with_wording(language, texts,
    licence_reference)`` returns a copy carrying licensed wording an organisation has loaded.
``score(code, responses, value_set=None, options=None) -> ScoreResult``
    The only scoring function. ``responses`` in item order, ``None`` for unanswered. A ``ScoreResult``
    records instrument, version, rule, value set, score, scores, missing (count and item numbers),
    prorated, the reason when there is no score, options used and flags (e.g. ``phq9-item9-positive``).
``validate(code, responses) -> list``
    The checks ``score`` makes, without scoring (for storing responses before a tariff is configured).
``ScoringError``
    Bad input: the message names the item (number and label), the value and what is allowed, or the
    count expected. ``NotConfiguredError`` (a ScoringError) means a value set or tariff is not installed
    (the van Hout crosswalk, the ICECAP-A tariff) and says how to install it.
``find_outliers(totals, rule, k, max_hours)``
    Data-set level outlier rules for the Time Use Survey (the trial removed two outliers).

Response types are strict: a 1-7 item takes JSON integers only (``true`` is not 1, ``3.0`` is not 3);
a yes/no item takes ``true``/``false`` only (``1``/``0`` are refused); TUS hours take any finite number
>= 0. Nothing is clipped.
"""

from .instruments import INSTRUMENTS, SWEMWBS_METRIC
from .model import Instrument, Item, NotConfiguredError, ScoreResult, ScoringError, Threshold, Wording
from .scoring import find_outliers, get_instrument, list_instruments, score, validate
from .valuesets import EQ5D_DEFAULT_VALUE_SET, EQ5D_VALUE_SETS, get_value_set, load_icecap_tariff

__all__ = [
    "EQ5D_DEFAULT_VALUE_SET",
    "EQ5D_VALUE_SETS",
    "INSTRUMENTS",
    "SWEMWBS_METRIC",
    "Instrument",
    "Item",
    "NotConfiguredError",
    "ScoreResult",
    "ScoringError",
    "Threshold",
    "Wording",
    "find_outliers",
    "get_instrument",
    "get_value_set",
    "list_instruments",
    "load_icecap_tariff",
    "score",
    "validate",
]
