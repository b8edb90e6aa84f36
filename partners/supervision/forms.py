"""Supervision forms. Types and required fields here; the meaning is checked by the services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from django import forms

from partners.accounts.models import User
from partners.care.models import Episode
from partners.common.forms import DateInput, NHSForm
from partners.supervision.models import SupervisionAction, TrainingKind
from partners.supervision.services import NEED_DESCRIPTION, NEED_DUE, NEED_OWNER, NewAction

DATE_ERRORS = {"invalid": "Enter a real date, for example 2026-03-27."}


def short_date() -> DateInput:
    return DateInput(attrs={"class": "nhsuk-input--width-10"})
ACTION_ROWS = 3


def case_label(episode: Episode) -> str:
    return f"{episode.person.full_name} ({episode.get_phase_display().lower()})"


class SessionForm(NHSForm):
    """A session with one supervisee: cases discussed, carried-forward actions now done, new actions."""

    held_on = forms.DateField(label="Date of the session", widget=short_date(), error_messages=DATE_ERRORS)
    minutes = forms.IntegerField(label="Length in minutes (optional)", required=False, min_value=5, max_value=480,
                                 widget=forms.TextInput(attrs={"class": "nhsuk-input--width-3",
                                                               "inputmode": "numeric"}))
    cases = forms.MultipleChoiceField(label="Cases discussed", required=False, widget=forms.CheckboxSelectMultiple)
    completed_actions = forms.MultipleChoiceField(
        label="Actions from earlier sessions now done", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Actions not ticked are carried forward to the next session.")
    notes = forms.CharField(label="Notes (optional)", required=False, max_length=10000,
                            widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, supervisee: User, supervisor: User, episodes: Sequence[Episode],
                 open_actions: Sequence[SupervisionAction], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.supervisee, self.supervisor = supervisee, supervisor
        case_choices = [(str(e.pk), case_label(e)) for e in episodes]
        cast(forms.ChoiceField, self.fields["cases"]).choices = case_choices
        if not case_choices:
            del self.fields["cases"]
        action_choices = [(str(a.pk), f"{a.description} ({a.owner}, due {a.due_on:%-d %b %Y})") for a in open_actions]
        cast(forms.ChoiceField, self.fields["completed_actions"]).choices = action_choices
        if not action_choices:
            del self.fields["completed_actions"]
        owners = [("", "Choose who"), (str(supervisee.pk), f"{supervisee} (Care Partner)"),
                  (str(supervisor.pk), f"{supervisor} (you)")]
        for i in range(1, ACTION_ROWS + 1):
            self.fields[f"action_{i}_description"] = forms.CharField(
                label=f"Action {i}: what is to be done (optional)", required=False, max_length=500)
            self.fields[f"action_{i}_owner"] = forms.ChoiceField(label=f"Action {i}: who will do it",
                                                                 required=False, choices=owners)
            self.fields[f"action_{i}_due_on"] = forms.DateField(label=f"Action {i}: due by", required=False,
                                                                widget=short_date(), error_messages=DATE_ERRORS)
            self.fields[f"action_{i}_case"] = forms.ChoiceField(
                label=f"Action {i}: about which case (optional)", required=False,
                choices=[("", "Not about one case"), *case_choices])

    def clean(self) -> dict[str, Any]:
        """A started action row needs all of what, who and when (the service checks the same, and more)."""
        data = super().clean() or {}
        for i in range(1, ACTION_ROWS + 1):
            names = {part: f"action_{i}_{part}" for part in ("description", "owner", "due_on", "case")}
            if any(name in self.errors for name in names.values()):
                continue
            values = {part: data.get(name) for part, name in names.items()}
            if not (str(values["description"] or "").strip() or values["owner"] or values["due_on"]):
                continue  # a row is started by what, who or when; the case alone may be preselected
            for part, message in (("description", NEED_DESCRIPTION), ("owner", NEED_OWNER), ("due_on", NEED_DUE)):
                if not values[part] or (part == "description" and not str(values[part]).strip()):
                    self.add_error(names[part], message)
        return data

    def action_rows(self) -> list[list[forms.BoundField]]:
        return [[self[f"action_{i}_{part}"] for part in ("description", "owner", "due_on", "case")]
                for i in range(1, ACTION_ROWS + 1)]

    def new_actions(self) -> list[NewAction]:
        data = self.cleaned_data
        out = []
        for i in range(1, ACTION_ROWS + 1):
            description = (data.get(f"action_{i}_description") or "").strip()
            owner, due = data.get(f"action_{i}_owner"), data.get(f"action_{i}_due_on")
            case = data.get(f"action_{i}_case")
            if not (description or owner or due):
                continue
            out.append(NewAction(index=i, description=description, owner_id=int(owner) if owner else None,
                                 due_on=due, episode_id=int(case) if case else None))
        return out

    def session_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("held_on", "minutes", "cases", "completed_actions", "notes")
                if name in self.fields]


class TrainingForm(NHSForm):
    user = forms.ChoiceField(label="Who was trained", widget=forms.RadioSelect)
    kind = forms.ChoiceField(label="Training", choices=TrainingKind.choices, widget=forms.RadioSelect,
                             help_text="Initial PARTNERS training usually takes 2 to 3 days.")
    completed_on = forms.DateField(label="Date completed", widget=short_date(), error_messages=DATE_ERRORS)
    days = forms.DecimalField(label="Length in days", max_digits=3, decimal_places=1,
                              widget=forms.TextInput(attrs={"class": "nhsuk-input--width-3", "inputmode": "decimal"}),
                              error_messages={"invalid": "Enter the length as a number of days, for example 2.5."})
    title = forms.CharField(label="Course title (optional)", required=False, max_length=200)
    provider = forms.CharField(label="Provided by (optional)", required=False, max_length=200)
    notes = forms.CharField(label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, subjects: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(u.pk), f"{u} ({u.get_role_display()})") for u in subjects]
        cast(forms.ChoiceField, self.fields["user"]).choices = choices


class DateRangeForm(NHSForm):
    start = forms.DateField(label="From", widget=short_date(),
                            error_messages=DATE_ERRORS)
    end = forms.DateField(label="To", widget=short_date(),
                          error_messages=DATE_ERRORS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, date) and isinstance(end, date):
            if end < start:
                self.add_error("end", "The end date must be on or after the start date.")
            elif (end - start).days > 3 * 366:
                self.add_error("end", "Choose a range of at most three years.")
        return data
