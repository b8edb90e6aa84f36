"""Forms for the researchers' trial screens (NHS.UK markup through common.forms.NHSForm)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from partners.common.forms import DateInput, NHSForm
from partners.organisations.models import Organisation
from partners.trial.models import Trial

FACTOR_CHOICES = [("region", "Region (locality)"), ("practice_size", "Practice size (SMI register: small or large)")]
OUTCOME_CHOICES = [("mansa", "MANSA (quality of life)"), ("swemwbs", "SWEMWBS (wellbeing)"),
                   ("wemwbs", "WEMWBS (wellbeing)"), ("qpr15", "QPR-15 (recovery)"), ("icecap-a", "ICECAP-A"),
                   ("eq-5d-5l", "EQ-5D-5L"), ("brief-inspire", "Brief INSPIRE"), ("phq9", "PHQ-9"),
                   ("gad7", "GAD-7"), ("tus", "Time Use Survey")]
PRACTICE_REASONS = [
    ("Declined: no capacity for research", "Declined: no capacity for research"),
    ("No response", "No response"),
    ("Did not meet the practice criteria", "Did not meet the practice criteria"),
    ("Withdrew before randomisation", "Withdrew before randomisation"),
    ("other", "Another reason"),
]


class TrialForm(NHSForm):
    name = forms.CharField(label="Trial name", max_length=200)
    registration = forms.CharField(label="Registration id", max_length=60, required=False,
                                   help_text="For example ISRCTN12345678.")
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    primary_outcome = forms.ChoiceField(label="Primary outcome", choices=OUTCOME_CHOICES, initial="mansa",
                                        widget=forms.Select)
    secondary_outcomes = forms.MultipleChoiceField(label="Secondary outcomes", choices=OUTCOME_CHOICES,
                                                   required=False, widget=forms.CheckboxSelectMultiple)
    factors = forms.MultipleChoiceField(label="Minimisation factors", choices=FACTOR_CHOICES,
                                        initial=["region", "practice_size"], widget=forms.CheckboxSelectMultiple,
                                        help_text="Practices are allocated 1:1 by minimisation on these factors.")
    p = forms.FloatField(label="Probability of allocating to the arm that minimises imbalance", initial=0.8,
                         min_value=0.5, max_value=1.0, help_text="Between 0.5 and 1; 0.8 is usual.")
    followup_days = forms.IntegerField(label="Follow-up due (days after the practice is randomised)", initial=304,
                                       min_value=1, max_value=3650)
    followup_window_days = forms.IntegerField(label="Follow-up window (days either side of the due date)",
                                              initial=30, min_value=0, max_value=365)

    def clean_secondary_outcomes(self) -> list[str]:
        primary = self.cleaned_data.get("primary_outcome")
        return [c for c in self.cleaned_data.get("secondary_outcomes", []) if c != primary]


class ApproachForm(NHSForm):
    practices = forms.MultipleChoiceField(label="Practices approached", widget=forms.CheckboxSelectMultiple)
    on = forms.DateField(label="Date approached", widget=DateInput())

    def __init__(self, *args: Any, trial: Trial, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        taken = trial.practices.values_list("practice_id", flat=True)
        field = self.fields["practices"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (str(o.pk), f"{o.name} ({o.ods_code})") for o in
            Organisation.objects.filter(kind=Organisation.Kind.PRACTICE, is_active=True).exclude(pk__in=taken)
            .order_by("name")]
        self.fields["on"].initial = timezone.localdate()


class RecruitForm(NHSForm):
    on = forms.DateField(label="Date recruited", widget=DateInput())

    def __init__(self, *args: Any, factors: list[str], initial_levels: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        for factor in factors:
            self.fields[f"level_{factor}"] = forms.CharField(
                label=f"{factor.replace('_', ' ').capitalize()} (minimisation factor)", max_length=60,
                initial=initial_levels.get(factor, ""))
        self._apply_classes()

    def _apply_classes(self) -> None:
        for field in self.fields.values():
            if isinstance(field.widget, forms.TextInput) and "nhsuk-input" not in field.widget.attrs.get("class", ""):
                field.widget.attrs["class"] = "nhsuk-input"
                field.error_messages["required"] = f"Enter {str(field.label).lower()}"

    def levels(self) -> dict[str, str]:
        return {k.removeprefix("level_"): v for k, v in self.cleaned_data.items() if k.startswith("level_")}


class ExcludeForm(NHSForm):
    reason = forms.ChoiceField(label="Reason", choices=PRACTICE_REASONS, widget=forms.RadioSelect)
    other_reason = forms.CharField(label="Another reason", max_length=200, required=False,
                                   help_text="Give the reason when it is not listed.")
    on = forms.DateField(label="Date", widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == "other":
            if not (data.get("other_reason") or "").strip():
                self.add_error("other_reason", "Enter the reason")
            data["reason"] = (data.get("other_reason") or "").strip()
        return data


class DateForm(NHSForm):
    on = forms.DateField(label="Date baseline recruitment finished", widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class UnblindForm(NHSForm):
    decision = forms.CharField(
        label="The decision to unblind", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Who decided, when, and on what basis (for example the database lock and the Trial Steering "
                  "Committee's approval). Recorded with your name; it cannot be undone.")
