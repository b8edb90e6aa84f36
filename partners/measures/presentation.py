"""How each instrument's items are asked on a screen (pure Python, no Django).

Item labels are short and in our own words (the engine's); the question stem for each instrument is ours
too. Where an organisation has loaded licensed wording for the language, that wording is the question
(``Question.text``) and our label is not shown. Response options come from the engine's item definitions
(range and anchors); PHQ-9 and GAD-7 response options are given in full (free to reproduce).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from partners.measures.engine import Instrument, Item, get_instrument, list_instruments

InputKind = Literal["choice", "yes_no", "number", "hours"]

# Instruments collected through forms and links (goal-based outcomes are rated on goals, in care).
COLLECTED = tuple(i.code for i in list_instruments() if not i.variable_items)

# Our own question stems: what the person is asked about each item's label.
STEMS: dict[str, str] = {
    "mansa": "How satisfied are you with this part of your life at the moment?",
    "wemwbs": "Over the last 2 weeks, how much of the time have you felt like this?",
    "swemwbs": "Over the last 2 weeks, how much of the time have you felt like this?",
    "qpr15": "How much do you agree that this describes you at the moment?",
    "icecap-a": "Which level best describes you at the moment?",
    "eq-5d-5l": "How much of a problem do you have with this today?",
    "brief-inspire": "How much does your Care Partner support you with this?",
    "tus": "In a typical week, about how many hours do you spend on this?",
    "phq9": "Over the last 2 weeks, how often have you been bothered by this?",
    "gad7": "Over the last 2 weeks, how often have you been bothered by this?",
    "dialog-life": "How satisfied are you with this at the moment?",
    "dialog-care": "How satisfied are you with this part of your care at the moment?",
}
YES_NO_STEM = "Is this true for you?"
VAS_STEM = "How good or bad is your health today? Enter a number from 0 (the worst you can imagine) to 100 (the best)."

_FREQUENCY_0_3 = {0: "not at all", 1: "several days", 2: "more than half the days", 3: "nearly every day"}
FULL_OPTIONS: dict[str, dict[int, str]] = {"phq9": _FREQUENCY_0_3, "gad7": _FREQUENCY_0_3}

MINUTES_PER_ITEM = 0.25


@dataclass(frozen=True)
class Option:
    value: Any  # int or bool, exactly what the engine accepts
    label: str

    @property
    def form_value(self) -> str:
        return encode(self.value)


@dataclass(frozen=True)
class Question:
    number: int
    count: int
    heading: str  # what the question is about (our label, or the licensed item text)
    stem: str  # how to answer it
    kind: InputKind
    options: tuple[Option, ...]
    minimum: float | None
    maximum: float | None
    licensed: bool  # True when heading is licensed wording
    language: str


def encode(value: Any) -> str:
    """A response value as a form field value ("" for not answered)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _kind(item: Item) -> InputKind:
    if item.kind == "boolean":
        return "yes_no"
    if item.kind == "hours":
        return "hours"
    if item.maximum is not None and item.minimum is not None and item.maximum - item.minimum <= 10:
        return "choice"
    return "number"


def options_for(instrument: Instrument, item: Item) -> tuple[Option, ...]:
    kind = _kind(item)
    if kind == "yes_no":
        return (Option(True, "Yes"), Option(False, "No"))
    if kind != "choice":
        return ()
    assert item.minimum is not None and item.maximum is not None
    full = FULL_OPTIONS.get(instrument.code, {})
    out = []
    for value in range(int(item.minimum), int(item.maximum) + 1):
        words = full.get(value) or item.anchors.get(value)
        out.append(Option(value, f"{value} - {words}" if words else str(value)))
    return tuple(out)


def questions(instrument_code: str, wording: Sequence[str] | None = None, language: str = "en") -> list[Question]:
    """The instrument's items as questions, in item order (``wording``: licensed texts, one per item)."""
    instrument = get_instrument(instrument_code)
    if instrument.variable_items:
        raise ValueError(f"{instrument.code} is rated on goals, not asked as a questionnaire")
    if wording is not None and len(wording) != len(instrument.items):
        raise ValueError(f"{instrument.code}: wording has {len(wording)} texts for {len(instrument.items)} items")
    count = len(instrument.items)
    out = []
    for item in instrument.items:
        kind = _kind(item)
        if item.kind == "boolean":
            stem = YES_NO_STEM
        elif instrument.code == "eq-5d-5l" and item.code == "vas":
            stem = VAS_STEM
        else:
            stem = STEMS.get(instrument.code, "")
        licensed = wording is not None
        out.append(Question(
            number=item.number, count=count,
            heading=wording[item.number - 1] if wording is not None else _capitalise(item.label),
            stem=stem, kind=kind, options=options_for(instrument, item), minimum=item.minimum,
            maximum=item.maximum, licensed=licensed, language=language if licensed else "en",
        ))
    return out


def parse(question: Question, raw: str) -> Any:
    """A submitted form value as the engine's response value; ``None`` when blank.

    Raises ``ValueError`` with a message for a value that is not of the right type. Range checks are the
    engine's (``Item.check``), so its message is the one shown.
    """
    text = raw.strip()
    if text == "":
        return None
    if question.kind == "yes_no":
        if text in ("true", "false"):
            return text == "true"
        raise ValueError("Select yes or no")
    if question.kind == "hours":
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"Enter a number of hours, like 4 or 2.5 (not {text!r})") from None
        return int(value) if value.is_integer() else value
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"Enter a whole number (not {text!r})") from None


def estimated_minutes(count: int) -> int:
    return max(2, round(count * MINUTES_PER_ITEM + 0.49))


SHORT_NAMES: dict[str, str] = {
    "mansa": "MANSA", "wemwbs": "WEMWBS", "swemwbs": "SWEMWBS", "qpr15": "QPR-15", "icecap-a": "ICECAP-A",
    "eq-5d-5l": "EQ-5D-5L", "brief-inspire": "Brief INSPIRE", "tus": "Time Use Survey", "phq9": "PHQ-9",
    "gad7": "GAD-7", "gbo": "Goal-based outcomes", "dialog-life": "DIALOG life areas", "dialog-care": "DIALOG care",
}


def short_name(code: str) -> str:
    return SHORT_NAMES.get(code, code)
