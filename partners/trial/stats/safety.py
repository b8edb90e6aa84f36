"""Safety outcomes by arm and as treated (trial.md): admissions, in-patient days, crisis episodes and days, SAEs.

The analysis dataset has no safety columns, so safety events come as separate records - from the platform's
safety events, or from an optional CSV (``partners trial analyse --safety EVENTS.csv``,
``partners report trial --safety EVENTS.csv``) with one row per event:

============================  ===========================================================================
column                        meaning
============================  ===========================================================================
participant_id                as in the analysis dataset (the arm is looked up there)
event_type                    ``psychiatric_admission`` (or ``admission``), ``crisis_episode`` (or
                              ``crisis``, ``home_treatment``), ``serious_adverse_event`` (or ``sae``)
onset_date                    ``YYYY-MM-DD`` (``DD/MM/YYYY`` accepted)
end_date                      optional; days = end - onset when ``days`` is blank
days                          optional; in-patient days (admissions) or days under home treatment (crisis)
first_contact_date            optional; the participant's first Care Partner contact (blank = none)
============================  ===========================================================================

As treated (the trial's rule): an event counts as *treated* when the participant is in the intervention arm and
had at least one Care Partner contact before its onset; every other event is *untreated*.
:func:`safety_summary` takes :class:`SafetyEvent` records and a participant -> arm mapping; it is pure, so the
platform can call it with events from its database.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from partners.trial.stats.dataset import CONTROL, INTERVENTION, DatasetError

EVENT_TYPES = {
    "psychiatric_admission": "psychiatric_admission", "admission": "psychiatric_admission",
    "crisis_episode": "crisis_episode", "crisis": "crisis_episode", "home_treatment": "crisis_episode",
    "serious_adverse_event": "serious_adverse_event", "sae": "serious_adverse_event",
}


@dataclass(frozen=True)
class SafetyEvent:
    participant_id: str
    event_type: str  # psychiatric_admission | crisis_episode | serious_adverse_event
    onset: date
    days: float | None = None
    first_contact: date | None = None


def parse_date(value: str) -> date:
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError("not a date (YYYY-MM-DD or DD/MM/YYYY)")


def read_safety_csv(path: str | Path) -> list[SafetyEvent]:
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise DatasetError([f"cannot read the file ({exc.strerror or exc})"], str(path)) from None
    except UnicodeDecodeError:
        raise DatasetError(["the file is not UTF-8 text"], str(path)) from None
    return parse_safety(io.StringIO(text), source=str(path))


def parse_safety(stream: Iterable[str], source: str = "safety events") -> list[SafetyEvent]:
    reader = csv.DictReader(stream)
    if reader.fieldnames is None:
        raise DatasetError(["the file is empty (no header row)"], source)
    reader.fieldnames = [f.strip().lower() for f in reader.fieldnames]
    problems = [f"column {c!r} is missing" for c in ("participant_id", "event_type", "onset_date")
                if c not in reader.fieldnames]
    if problems:
        raise DatasetError(problems, source)
    events: list[SafetyEvent] = []
    for number, row in enumerate(reader, start=2):
        pid = (row.get("participant_id") or "").strip()
        kind = (row.get("event_type") or "").strip().lower()
        ok = True
        if not pid:
            problems.append(f"row {number}, column 'participant_id': the value is blank")
            ok = False
        if kind not in EVENT_TYPES:
            problems.append(f"row {number}, column 'event_type': {row.get('event_type')!r} is not one of "
                            "psychiatric_admission, crisis_episode, serious_adverse_event")
            ok = False
        dates: dict[str, date | None] = {}
        for col in ("onset_date", "end_date", "first_contact_date"):
            raw = (row.get(col) or "").strip()
            if not raw:
                dates[col] = None
                if col == "onset_date":
                    problems.append(f"row {number}, column 'onset_date': the value is blank")
                    ok = False
                continue
            try:
                dates[col] = parse_date(raw)
            except ValueError as exc:
                problems.append(f"row {number}, column {col!r}: {raw!r} is {exc}")
                ok = False
        days: float | None = None
        raw_days = (row.get("days") or "").strip()
        if raw_days:
            try:
                days = float(raw_days)
                if days < 0:
                    raise ValueError
            except ValueError:
                problems.append(f"row {number}, column 'days': {raw_days!r} is not a non-negative number")
                ok = False
        if ok:
            onset = dates["onset_date"]
            assert onset is not None
            end = dates["end_date"]
            if days is None and end is not None:
                if end < onset:
                    problems.append(f"row {number}, column 'end_date': {row.get('end_date')!r} is before the onset")
                    continue
                days = float((end - onset).days)
            events.append(SafetyEvent(participant_id=pid, event_type=EVENT_TYPES[kind], onset=onset, days=days,
                                      first_contact=dates["first_contact_date"]))
    if problems:
        raise DatasetError(problems, source)
    return events


def is_treated(event: SafetyEvent, arm: str) -> bool:
    """The trial's as-treated rule: intervention arm and a Care Partner contact before the onset."""
    return arm == INTERVENTION and event.first_contact is not None and event.first_contact < event.onset


def _empty() -> dict[str, Any]:
    return {
        "psychiatric_admissions": {"events": 0, "participants": 0},
        "inpatient_days": 0.0,
        "crisis_episodes": {"events": 0, "participants": 0},
        "crisis_days": 0.0,
        "serious_adverse_events": {"events": 0, "participants": 0},
    }


_KEYS = {"psychiatric_admission": ("psychiatric_admissions", "inpatient_days"),
         "crisis_episode": ("crisis_episodes", "crisis_days"),
         "serious_adverse_event": ("serious_adverse_events", None)}


def safety_summary(events: Iterable[SafetyEvent], arms: Mapping[str, str]) -> dict[str, Any]:
    """Counts by allocated arm and as treated. Raises DatasetError for an event whose participant is unknown."""
    events = list(events)
    unknown = sorted({e.participant_id for e in events if e.participant_id not in arms})
    if unknown:
        raise DatasetError([f"participant {p!r} has safety events but is not in the analysis dataset"
                            for p in unknown], "safety events")
    groups: dict[str, dict[str, dict[str, Any]]] = {
        "by_arm": {INTERVENTION: _empty(), CONTROL: _empty()},
        "as_treated": {"treated": _empty(), "untreated": _empty()},
    }
    people: dict[tuple[str, str, str], set[str]] = {}
    days_missing = 0
    for e in events:
        arm = arms[e.participant_id]
        count_key, days_key = _KEYS[e.event_type]
        for family, group in (("by_arm", arm), ("as_treated", "treated" if is_treated(e, arm) else "untreated")):
            target = groups[family][group]
            target[count_key]["events"] += 1
            people.setdefault((family, group, count_key), set()).add(e.participant_id)
            if days_key is not None:
                if e.days is None:
                    days_missing += 1 if family == "by_arm" else 0
                else:
                    target[days_key] += e.days
    for (family, group, count_key), ids in people.items():
        groups[family][group][count_key]["participants"] = len(ids)
    return {**groups, "events": len(events), "events_without_days": days_missing,
            "rule": "treated = intervention arm with at least one Care Partner contact before onset"}
