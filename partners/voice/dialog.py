"""The structured session (DIALOG+ style), as pure data and rules: no Django here.

The person rates 8 life areas and 3 aspects of care from 1 (totally dissatisfied) to 7 (totally satisfied)
and says for each whether they want more help; they choose up to 3 to talk about; each chosen area goes
through four steps. The means are scored by the measures engine (instruments ``dialog-life`` and
``dialog-care``, in this item order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MAX_CHOSEN = 3
SCALE = range(1, 8)
SCALE_LABELS = {1: "Totally dissatisfied", 2: "Very dissatisfied", 3: "Fairly dissatisfied", 4: "In the middle",
                5: "Fairly satisfied", 6: "Very satisfied", 7: "Totally satisfied"}


@dataclass(frozen=True)
class Area:
    code: str
    label: str
    kind: str  # "life" or "care"
    life_area: str  # the care.Goal life area an agreed action's goal falls under


AREAS: tuple[Area, ...] = (
    Area("mental_health", "Mental health", "life", "mental_health"),
    Area("physical_health", "Physical health", "life", "physical_health"),
    Area("job", "Job situation (work or occupation)", "life", "work"),
    Area("accommodation", "Accommodation", "life", "housing"),
    Area("leisure", "Leisure activities", "life", "leisure"),
    Area("friendships", "Friendships", "life", "social"),
    Area("partner_family", "Relationship with partner or family", "life", "relationships"),
    Area("personal_safety", "Personal safety", "life", "other"),
    Area("medication", "Medication", "care", "mental_health"),
    Area("practical_help", "Practical help", "care", "other"),
    Area("meetings", "Meetings with your Care Partner", "care", "other"),
)
BY_CODE: dict[str, Area] = {a.code: a for a in AREAS}
LIFE = tuple(a.code for a in AREAS if a.kind == "life")
CARE = tuple(a.code for a in AREAS if a.kind == "care")

# The four steps each chosen area goes through (DIALOG+'s solution-focused approach).
STEPS: tuple[tuple[str, str, str], ...] = (
    ("understanding", "Understanding", "Why this rating, and not lower? What is already going well?"),
    ("looking_forward", "Looking forward", "What would be a small step better? What would you like to be different?"),
    ("options", "Exploring options", "What could you do, what could your Care Partner do, what could others do?"),
    ("actions", "Agreeing actions", "What will each of you do before you next meet?"),
)


def responses(ratings: Mapping[str, int | None], codes: Sequence[str]) -> list[int | None]:
    """Ratings in the instrument's item order (None where not rated)."""
    return [ratings.get(code) for code in codes]


@dataclass(frozen=True)
class Comparison:
    area: Area
    rating: int | None
    previous: int | None
    more_help: bool

    @property
    def change(self) -> int | None:
        return None if self.rating is None or self.previous is None else self.rating - self.previous

    @property
    def change_text(self) -> str:
        change = self.change
        if change is None:
            return "first rating" if self.previous is None else ""
        if change == 0:
            return "same as last time"
        return f"{'up' if change > 0 else 'down'} {abs(change)} since last time"


def compare(ratings: Mapping[str, int | None], more_help: Mapping[str, bool],
            previous: Mapping[str, int | None]) -> list[Comparison]:
    return [Comparison(a, ratings.get(a.code), previous.get(a.code), bool(more_help.get(a.code))) for a in AREAS]


def check_ratings(ratings: Mapping[str, object]) -> dict[str, str]:
    """Field errors for ratings: every area rated with a whole number 1 to 7."""
    errors: dict[str, str] = {}
    for area in AREAS:
        value = ratings.get(area.code)
        if value is None or value == "":
            errors[area.code] = f"Select how satisfied they are with {area.label.lower()} (1 to 7)."
        elif type(value) is not int or value not in SCALE:
            errors[area.code] = f"{area.label}: {value!r} is not a rating from 1 to 7."
    return errors


def check_choice(chosen: Sequence[str]) -> str | None:
    """The error for the areas chosen to talk about, or None: 1 to 3 different, known areas."""
    unknown = [c for c in chosen if c not in BY_CODE]
    if unknown:
        return f"{', '.join(repr(c) for c in unknown)} is not one of the areas."
    if len(set(chosen)) != len(chosen):
        return "Each area can be chosen once."
    if not chosen:
        return "Choose at least one area to talk about."
    if len(chosen) > MAX_CHOSEN:
        return f"Choose up to {MAX_CHOSEN} areas to talk about ({len(chosen)} were chosen)."
    return None


def split_actions(text: str) -> list[str]:
    """Agreed actions, one a line (blank lines and list markers dropped)."""
    out = []
    for line in text.splitlines():
        cleaned = line.strip().lstrip("-*•").strip()
        if cleaned:
            out.append(cleaned)
    return out
