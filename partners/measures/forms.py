"""Forms for collecting questionnaires (NHS.UK markup). Values are parsed here; the engine validates them
(through the services), so the messages a person sees are the engine's, item by item."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from partners.common.forms import DateInput, NHSForm
from partners.measures.models import CollectionMode, QuestionnaireResponse, SelfCompletionLink
from partners.measures.presentation import Question, parse

POINT_CHOICES = [(c.value, c.label) for c in QuestionnaireResponse.Point]
STAFF_MODE_CHOICES = [(CollectionMode.STAFF.value, "Entered by staff with the person"),
                      (CollectionMode.INTERPRETER.value, "Completed with an interpreter")]


def _choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def item_field_name(number: int) -> str:
    return f"item_{number}"


def question_field(question: Question, *, required: bool = False) -> forms.Field:
    label = question.heading
    if question.kind in ("choice", "yes_no"):
        return forms.ChoiceField(
            label=label, required=required, help_text=question.stem, widget=forms.RadioSelect,
            choices=[(o.form_value, o.label) for o in question.options])
    hint = question.stem
    if question.kind == "hours":
        hint = f"{question.stem} Enter hours, for example 4 or 2.5."
    return forms.CharField(
        label=label, required=required, help_text=hint, max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal" if question.kind == "hours" else "numeric",
                                      "class": "nhsuk-input--width-4", "autocomplete": "off"}))


class StaffEntryForm(NHSForm):
    """One instrument, every item on one page, for staff entering a completed questionnaire."""

    completed_on = forms.DateField(label="Date completed", widget=DateInput())
    point = forms.ChoiceField(label="Measurement point", choices=POINT_CHOICES, widget=forms.RadioSelect)
    mode = forms.ChoiceField(label="How it was completed", choices=STAFF_MODE_CHOICES, widget=forms.RadioSelect,
                             initial=CollectionMode.STAFF)
    language = forms.CharField(label="Language used", max_length=35, initial="en",
                               help_text="A language tag such as en, pl or ur (the language of an interpreter).")

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        self.questions = questions
        super().__init__(*args, **kwargs)
        self.fields["completed_on"].initial = timezone.localdate()
        for question in questions:
            field = question_field(question)
            field.label = f"{question.number}. {question.heading}"
            self.fields[item_field_name(question.number)] = field
        # Fields added after NHSForm set its classes: give them the NHS.UK input class too.
        for question in questions:
            widget = self.fields[item_field_name(question.number)].widget
            if isinstance(widget, forms.TextInput):
                widget.attrs["class"] = f"nhsuk-input {widget.attrs.get('class', '')}".strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        values: list[Any] = []
        for question in self.questions:
            name = item_field_name(question.number)
            try:
                values.append(parse(question, str(cleaned.get(name) or "")))
            except ValueError as exc:
                self.add_error(name, str(exc))
                values.append(None)
        cleaned["responses"] = values
        return cleaned

    def apply_service_errors(self, exc: ValidationError) -> None:
        for key, messages in exc.message_dict.items():
            target: str | None = key
            if key.startswith("responses[") and key.endswith("]"):
                target = item_field_name(int(key[len("responses["):-1]))
            if target not in self.fields:
                target = None
            for message in messages:
                self.add_error(target, message)


class SendLinkForm(NHSForm):
    instrument = forms.ChoiceField(label="Questionnaire", widget=forms.RadioSelect)
    point = forms.ChoiceField(label="Measurement point", choices=POINT_CHOICES, widget=forms.RadioSelect)
    channel = forms.ChoiceField(label="Send the link by", widget=forms.RadioSelect)
    language = forms.ChoiceField(label="Language", help_text="Only languages whose licensed wording has been "
                                                             "loaded are offered; otherwise the questions are in "
                                                             "English.")

    def __init__(self, *args: Any, instruments: list[tuple[str, str]], channels: list[tuple[str, str]],
                 languages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "instrument", instruments)
        _choices(self, "channel", channels)
        _choices(self, "language", languages)


class MeasurementPlanForm(NHSForm):
    instruments = forms.MultipleChoiceField(label="Questionnaires at each point", widget=forms.CheckboxSelectMultiple)
    review_interval_months = forms.IntegerField(label="Months between reviews", min_value=1, max_value=12,
                                                widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-2"}))
    window_days = forms.IntegerField(
        label="Days either side of a due date", min_value=0, max_value=90,
        help_text="A questionnaire completed this close to a due date counts for it.",
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-2"}))
    collect_at_end = forms.BooleanField(label="Collect at the end of the episode", required=False)

    def __init__(self, *args: Any, instruments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "instruments", instruments)


class InstrumentSettingForm(NHSForm):
    scope = forms.ChoiceField(label="Applies to", required=False,
                              help_text="An organisation's setting also applies to the "
                                                     "organisations beneath it (a PCN's practices, an ICS's "
                                                     "members).")
    enabled = forms.ChoiceField(label="Decision", choices=[("on", "Enable"), ("off", "Disable")],
                                widget=forms.RadioSelect)
    licence_confirmed = forms.BooleanField(label="I confirm the licence conditions above are met", required=False)

    def __init__(self, *args: Any, organisations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "scope", [("", "All organisations (platform-wide)"), *organisations])


class WordingForm(NHSForm):
    language = forms.CharField(label="Language", max_length=35, help_text="A language tag such as en, pl or ur.",
                               widget=forms.TextInput(attrs={"class": "nhsuk-input--width-5"}))
    scope = forms.ChoiceField(label="Applies to", required=False)
    licence_reference = forms.CharField(label="Licence reference", max_length=300,
                                        help_text="The licence or registration this wording is used under.")
    items = forms.CharField(label="Item wording", widget=forms.Textarea(attrs={"rows": 16}),
                            help_text="One item per line, in the instrument's item order.")

    def __init__(self, *args: Any, organisations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "scope", [("", "All organisations (platform-wide)"), *organisations])


def channel_choices(person: Any) -> list[tuple[str, str]]:
    sms = "Text message" + (f" to {person.phone}" if person.phone else " (no mobile number recorded)")
    if person.phone and not person.sms_opt_in:
        sms += " (has not agreed to text messages)"
    email = "Email" + (f" to {person.email}" if person.email else " (no email address recorded)")
    if person.email and not person.email_opt_in:
        email += " (has not agreed to emails)"
    return [(SelfCompletionLink.Channel.SMS.value, sms), (SelfCompletionLink.Channel.EMAIL.value, email)]
