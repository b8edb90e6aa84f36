"""Forms for safety events and physical health: types and required fields here; meaning in services."""

from __future__ import annotations

from typing import Any

from django import forms

from partners.common.forms import DateInput, NHSForm
from partners.safety.models import HealthCheck, MedicationGroup, SafetyEvent
from partners.safety.services import INTERVENTIONS, SERIOUSNESS, SERIOUSNESS_LABELS

DATE_ERRORS = {"invalid": "Enter a real date, for example 2026-03-27."}


def short_date() -> DateInput:
    return DateInput(attrs={"class": "nhsuk-input--width-10"})


def _number(label: str, hint: str = "", *, decimal: bool = True) -> forms.Field:
    attrs = {"class": "nhsuk-input--width-5", "inputmode": "decimal" if decimal else "numeric"}
    field_class = forms.DecimalField if decimal else forms.IntegerField
    return field_class(label=label, help_text=hint, required=False, widget=forms.TextInput(attrs=attrs),
                       error_messages={"invalid": f"Enter {label.lower()} as a number."})


class SafetyEventForm(NHSForm):
    kind = forms.ChoiceField(label="What happened", choices=SafetyEvent.Kind.choices, widget=forms.RadioSelect)
    onset_on = forms.DateField(label="Onset date", widget=short_date(), error_messages=DATE_ERRORS,
                               help_text="The date of admission, the start of crisis care, or the event.")
    ended_on = forms.DateField(label="End date (optional)", required=False, widget=short_date(),
                               error_messages=DATE_ERRORS,
                               help_text="Discharge or the end of crisis care. Leave blank while it is ongoing.")
    description = forms.CharField(label="What happened (optional)", required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    seriousness = forms.MultipleChoiceField(
        label="Seriousness criteria", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(name, SERIOUSNESS_LABELS[name]) for name in SERIOUSNESS],
        help_text="For a serious adverse event, select every criterion it meets.")
    relatedness = forms.ChoiceField(
        label="Related to PARTNERS care?", required=False, widget=forms.RadioSelect,
        choices=[("", "Not assessed"), *SafetyEvent.Relatedness.choices],
        help_text="Required for a serious adverse event.")
    expected = forms.ChoiceField(label="Was it expected?", required=False, widget=forms.RadioSelect,
                                 choices=[("", "Not assessed"), ("yes", "Expected"), ("no", "Unexpected")],
                                 help_text="Required for a serious adverse event.")
    outcome = forms.ChoiceField(label="Outcome", choices=SafetyEvent.Outcome.choices, widget=forms.RadioSelect,
                                initial=SafetyEvent.Outcome.ONGOING)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        chosen = set(data.pop("seriousness", []))
        data.update({name: name in chosen for name in SERIOUSNESS})
        data["expected"] = {"yes": True, "no": False}.get(data.get("expected") or "")
        return data


class ReviewForm(NHSForm):
    note = forms.CharField(label="Review note (optional)", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class HealthCheckForm(NHSForm):
    checked_on = forms.DateField(label="Date of the check", widget=short_date(), error_messages=DATE_ERRORS)
    height_cm = _number("Height (cm)")
    weight_kg = _number("Weight (kg)", "BMI is worked out from height and weight.")
    systolic_bp = _number("Systolic blood pressure (mmHg)", decimal=False)
    diastolic_bp = _number("Diastolic blood pressure (mmHg)", decimal=False)
    total_cholesterol = _number("Total cholesterol (mmol/L)")
    hdl_cholesterol = _number("HDL cholesterol (mmol/L)")
    hba1c = _number("HbA1c (mmol/mol)", decimal=False)
    glucose = _number("Fasting glucose (mmol/L)")
    smoking = forms.ChoiceField(label="Smoking status", choices=HealthCheck.Smoking.choices, widget=forms.RadioSelect,
                                initial=HealthCheck.Smoking.NOT_RECORDED)
    alcohol_units_per_week = _number("Alcohol (units a week)", decimal=False)
    interventions = forms.MultipleChoiceField(label="Follow-up offered", required=False, choices=INTERVENTIONS,
                                              widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(label="Notes (optional)", required=False, max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 3}))


class ConditionForm(NHSForm):
    condition = forms.CharField(label="Long-term condition", max_length=100,
                                help_text="For example type 2 diabetes, hypertension, COPD.")
    snomed_code = forms.CharField(label="SNOMED CT code (optional)", required=False, max_length=18,
                                  widget=forms.TextInput(attrs={"class": "nhsuk-input--width-20",
                                                                "inputmode": "numeric"}))
    recorded_on = forms.DateField(label="Date recorded (optional)", required=False, widget=short_date(),
                                  error_messages=DATE_ERRORS)


class MedicationForm(NHSForm):
    group = forms.ChoiceField(label="Medication group", choices=MedicationGroup.choices, widget=forms.RadioSelect)
    name = forms.CharField(label="Medicine (optional)", required=False, max_length=100)
    started_on = forms.DateField(label="Started (optional)", required=False, widget=short_date(),
                                 error_messages=DATE_ERRORS)
    stopped_on = forms.DateField(label="Stopped (optional)", required=False, widget=short_date(),
                                 error_messages=DATE_ERRORS)
