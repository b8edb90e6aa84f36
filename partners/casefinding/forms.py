"""Forms for the case-finding screens (NHS.UK markup through common.forms)."""

from __future__ import annotations

from typing import Any

from django import forms

from partners.casefinding.models import Kind, Mode, OutreachAttempt, ScreeningFlag
from partners.casefinding.services import OUTCOMES, TELEPHONE_RESULTS
from partners.common.forms import DateInput, NHSForm


class UploadForm(NHSForm):
    kind = forms.ChoiceField(label="Which extract", choices=Kind.choices, widget=forms.RadioSelect)
    file = forms.FileField(label="Extract file", help_text="CSV (UTF-8) or Excel .xlsx, with a header row.")
    quarantine = forms.BooleanField(
        label="Import the good rows and set aside rows with errors", required=False,
        help_text="Leave unticked to refuse the whole file if any row has an error.")

    def __init__(self, *args: Any, kinds: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = kinds  # type: ignore[attr-defined]


class RunForm(NHSForm):
    register_batch = forms.TypedChoiceField(label="Register extract", coerce=int)
    secondary_batch = forms.TypedChoiceField(label="Secondary care extract", coerce=int)
    as_of = forms.DateField(label="As of", help_text="The date the gap rule reads the extracts on.",
                            widget=DateInput(attrs={"class": "nhsuk-input--width-10"}))
    threshold = forms.FloatField(label="Match probability threshold", min_value=0.51, max_value=1.0, initial=0.9,
                                 help_text="Pairs at or above it are linked; pairs from 0.5 up to it wait for "
                                           "review.", widget=forms.NumberInput(attrs={"step": "0.01",
                                                                                      "class": "nhsuk-input--width-4"}))
    mode = forms.ChoiceField(label="Eligibility criteria", choices=Mode.choices, initial=Mode.SERVICE,
                             widget=forms.RadioSelect)

    def __init__(self, *args: Any, registers: list[tuple[int, str]], secondaries: list[tuple[int, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["register_batch"].choices = registers  # type: ignore[attr-defined]
        self.fields["secondary_batch"].choices = secondaries  # type: ignore[attr-defined]


class CodeForm(NHSForm):
    snomed_code = forms.CharField(label="SNOMED CT concept id", max_length=18,
                                  widget=forms.TextInput(attrs={"class": "nhsuk-input--width-20",
                                                                "inputmode": "numeric"}))
    diagnosis_group = forms.ChoiceField(label="Diagnosis group", choices=[
        ("schizophrenia", "Schizophrenia"), ("bipolar", "Bipolar disorder"), ("other_psychosis", "Other psychosis")])
    term = forms.CharField(label="Term", max_length=255, required=False)


class InviteForm(NHSForm):
    channel = forms.ChoiceField(label="Send the invitation by", widget=forms.RadioSelect, choices=[
        (OutreachAttempt.Channel.LETTER, "Letter (printed by the practice)"),
        (OutreachAttempt.Channel.SMS, "Text message (GOV.UK Notify)"),
        (OutreachAttempt.Channel.EMAIL, "Email (GOV.UK Notify)")])
    recipient = forms.CharField(label="Mobile number or email address", required=False, max_length=254,
                                help_text="Not needed for a letter.")


class AppointmentForm(NHSForm):
    channel = forms.ChoiceField(label="Offer the appointment by", widget=forms.RadioSelect, choices=[
        (OutreachAttempt.Channel.LETTER, "Letter (printed by the practice)"),
        (OutreachAttempt.Channel.SMS, "Text message (GOV.UK Notify)"),
        (OutreachAttempt.Channel.EMAIL, "Email (GOV.UK Notify)"),
        (OutreachAttempt.Channel.TELEPHONE, "Telephone")])
    appointment_on = forms.DateField(label="Appointment date",
                                     widget=DateInput(attrs={"class": "nhsuk-input--width-10"}))
    appointment_time = forms.TimeField(label="Time", widget=forms.TimeInput(attrs={"type": "time",
                                                                                 "class": "nhsuk-input--width-5"}))
    place = forms.CharField(label="Where", max_length=200, required=False)
    recipient = forms.CharField(label="Mobile number or email address", required=False, max_length=254)


class TelephoneForm(NHSForm):
    result = forms.ChoiceField(label="Call result", choices=list(TELEPHONE_RESULTS.items()), widget=forms.RadioSelect)
    notes = forms.CharField(label="Notes", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class OutcomeForm(NHSForm):
    outcome = forms.ChoiceField(label="Outcome", choices=list(OUTCOMES.items()), widget=forms.RadioSelect)
    notes = forms.CharField(label="Notes", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class OptOutForm(NHSForm):
    notes = forms.CharField(label="Notes", required=False, max_length=500)


class FlagForm(NHSForm):
    flag = forms.ChoiceField(label="Trial exclusion", choices=ScreeningFlag.Flag.choices)
    present = forms.TypedChoiceField(label="Record or clear", coerce=lambda v: v == "yes", widget=forms.RadioSelect,
                                     choices=[("yes", "Record this exclusion"), ("no", "Clear it")])
    note = forms.CharField(label="Note", required=False, max_length=300)
