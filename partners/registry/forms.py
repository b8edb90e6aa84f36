from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from partners.common.forms import DateInput, NHSForm
from partners.common.identifiers import ETHNIC_CATEGORIES
from partners.registry.models import CareSetting, CommunicationNeed, ContactMethod, DiagnosisGroup, Sex


class PersonForm(NHSForm):
    """Types and required fields only: the meaning (NHS number check, dates, practice) is checked by
    ``registry.services.person_clean`` so the form and the API give the same messages."""

    nhs_number = forms.CharField(label="NHS number", required=False, max_length=14,
                                 help_text="10 digits, for example 943 476 5919.",
                                 widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10",
                                                               "inputmode": "numeric", "spellcheck": "false"}))
    given_name = forms.CharField(label="First name", max_length=100)
    family_name = forms.CharField(label="Last name", max_length=100)
    preferred_name = forms.CharField(label="Preferred name (optional)", max_length=100, required=False)
    date_of_birth = forms.DateField(label="Date of birth", widget=DateInput(),
                                    error_messages={"invalid": "Enter the date of birth as a real date."})
    sex = forms.ChoiceField(choices=Sex.choices, initial=Sex.UNKNOWN)
    ethnicity = forms.ChoiceField(label="Ethnic category", choices=list(ETHNIC_CATEGORIES.items()), initial="Z")
    postcode = forms.CharField(max_length=10, required=False,
                               widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10",
                                                             "autocomplete": "postal-code"}))
    practice_ods = forms.CharField(label="GP practice ODS code", max_length=10,
                                   help_text="For example L83012.",
                                   widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10"}))
    diagnosis_group = forms.ChoiceField(choices=DiagnosisGroup.choices, widget=forms.RadioSelect)
    usual_care_setting = forms.ChoiceField(label="Usual mental health care", choices=CareSetting.choices,
                                           widget=forms.RadioSelect)
    phone = forms.CharField(max_length=30, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}))
    email = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    preferred_contact_method = forms.ChoiceField(label="How they prefer to be contacted",
                                                 choices=ContactMethod.choices, widget=forms.RadioSelect)
    sms_opt_in = forms.BooleanField(label="Agrees to reminders by text message", required=False)
    email_opt_in = forms.BooleanField(label="Agrees to reminders by email", required=False)
    preferred_language = forms.CharField(
        label="Preferred language", max_length=35, initial="en",
        help_text="A language code, for example en (English), pl (Polish), ur (Urdu), bn (Bengali), pa (Punjabi).",
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10", "spellcheck": "false"}))
    interpreter_needed = forms.BooleanField(label="Needs an interpreter", required=False)
    interpreter_language = forms.CharField(
        label="Interpreter's language (optional)", max_length=35, required=False,
        help_text="A language code, or bsl for British Sign Language. Leave blank for their preferred language.",
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10", "spellcheck": "false"}))
    communication_needs = forms.MultipleChoiceField(label="Communication and access needs",
                                                    choices=CommunicationNeed.choices, required=False,
                                                    widget=forms.CheckboxSelectMultiple)

    def clean(self) -> dict[str, Any]:
        """Check the meaning of what was entered now, so every problem shows in one error summary."""
        from partners.registry.services import person_clean

        data = super().clean() or {}
        try:
            person_clean(data, partial=True)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    if field in self.fields and field not in self.errors:
                        self.add_error(field, error)
        return data
