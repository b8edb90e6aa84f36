"""Structured session forms: large touch targets (NHS.UK radios and checkboxes are 40px), work without JS."""

from __future__ import annotations

from typing import Any

from django import forms

from partners.care.forms import RATING_CHOICES, set_choices
from partners.care.models import Goal
from partners.common.forms import NHSForm
from partners.voice import dialog

SCALE_CHOICES = [(str(n), str(n)) for n in dialog.SCALE]
SCALE_HINT = "1 totally dissatisfied, 4 in the middle, 7 totally satisfied."


class StartForm(NHSForm):
    interpreter_used = forms.BooleanField(label="An interpreter is helping with this session", required=False)


def _rating_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for area in dialog.AREAS:
        fields[area.code] = forms.ChoiceField(
            label=area.label, choices=SCALE_CHOICES, widget=forms.RadioSelect(attrs={"inline": True}),
            error_messages={"required": f"Select how satisfied they are with {area.label.lower()} (1 to 7)."})
        fields[f"{area.code}_help"] = forms.BooleanField(label=f"Wants more help with {area.label.lower()}",
                                                         required=False)
    return fields


# Declared fields (not added after __init__), so the NHS.UK widget classes are applied to every one.
_RatingFormBase: type[NHSForm] = type("_RatingFormBase", (NHSForm,), _rating_fields())


class RatingForm(_RatingFormBase):  # type: ignore[misc,valid-type]
    """One 1-7 rating and a 'wants more help' tick for each of the 11 areas."""

    def __init__(self, *args: Any, previous: dict[str, int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        previous = previous or {}
        for area in dialog.AREAS:
            last = previous.get(area.code)
            self.fields[area.code].help_text = (f"Last time: {last} ({dialog.SCALE_LABELS[last].lower()})."
                                                if last else "Not rated before.")

    def rows(self) -> list[tuple[dialog.Area, Any, Any]]:
        return [(a, self[a.code], self[f"{a.code}_help"]) for a in dialog.AREAS]

    def ratings(self) -> dict[str, int]:
        return {a.code: int(self.cleaned_data[a.code]) for a in dialog.AREAS}

    def more_help(self) -> list[str]:
        return [a.code for a in dialog.AREAS if self.cleaned_data.get(f"{a.code}_help")]


class ChooseForm(NHSForm):
    areas = forms.MultipleChoiceField(
        label="Which areas do they want to talk about today?", choices=[(a.code, a.label) for a in dialog.AREAS],
        widget=forms.CheckboxSelectMultiple, help_text=f"Choose up to {dialog.MAX_CHOSEN}.",
        error_messages={"required": "Choose at least one area to talk about."})

    def clean_areas(self) -> list[str]:
        areas: list[str] = self.cleaned_data["areas"]
        error = dialog.check_choice(areas)
        if error:
            raise forms.ValidationError(error)
        return areas


class DiscussionForm(NHSForm):
    understanding = forms.CharField(label=f"1. {dialog.STEPS[0][1]}", help_text=dialog.STEPS[0][2], required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}))
    looking_forward = forms.CharField(label=f"2. {dialog.STEPS[1][1]}", help_text=dialog.STEPS[1][2],
                                      required=False, widget=forms.Textarea(attrs={"rows": 3}))
    options = forms.CharField(label=f"3. {dialog.STEPS[2][1]}", help_text=dialog.STEPS[2][2], required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    actions = forms.CharField(label=f"4. {dialog.STEPS[3][1]}", help_text=dialog.STEPS[3][2] + " One action a line.",
                              widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"required": "Write at least one agreed action (one a line)."})
    goal = forms.ChoiceField(label="Add the actions to a goal", required=False, widget=forms.RadioSelect)
    goal_words = forms.CharField(label="The new goal, in their own words", required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    goal_rating = forms.ChoiceField(label="How far along are they with the new goal? (0 = not started, 10 = achieved)",
                                    required=False, choices=RATING_CHOICES,
                                    widget=forms.RadioSelect(attrs={"inline": True}))

    def __init__(self, *args: Any, goals: list[Goal] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(g.pk), g.words) for g in goals or []]
        set_choices(self, "goal", [*choices, ("new", "A new goal"), ("", "Not part of a goal")])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("goal") == "new":
            if not (data.get("goal_words") or "").strip():
                self.add_error("goal_words", "Write the new goal in the person's own words.")
            if data.get("goal_rating") in (None, ""):
                self.add_error("goal_rating", "Select how far along they are with the new goal.")
        return data
