"""The care forms. They parse and present; the services validate (so the API gives the same messages)."""

from __future__ import annotations

from typing import Any

from django import forms

from partners.accounts.models import Role, User
from partners.care import rhythm
from partners.care.models import (
    ContactMode,
    ContactPlace,
    EndReason,
    Goal,
    Handover,
    LifeArea,
    Referral,
    SecondaryCareChange,
    Service,
)
from partners.common.forms import DateInput, NHSForm
from partners.organisations.models import Organisation

RATING_CHOICES = [(str(i), str(i)) for i in range(11)]


def set_choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ContactForm(NHSForm):
    """The quick contact form: date, mode, place, minutes, goals discussed, notes, liaison, next contact."""

    contact_on = forms.DateField(label="Date of contact", widget=DateInput(attrs={"class": "nhsuk-input--width-10"}))
    mode = forms.ChoiceField(label="How", choices=ContactMode.choices, widget=forms.RadioSelect(attrs={"inline": True}))
    place = forms.ChoiceField(label="Where (face to face)", required=False, choices=ContactPlace.choices,
                              widget=forms.RadioSelect(attrs={"inline": True}))
    minutes = forms.IntegerField(label="Minutes", widget=forms.NumberInput(
        attrs={"class": "nhsuk-input--width-4", "inputmode": "numeric"}))
    not_reached = forms.BooleanField(label="They were not reached (an attempt)", required=False)
    goals = forms.MultipleChoiceField(label="Goals discussed", required=False, widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(label="Notes", required=False, widget=_textarea(4))
    liaison_actions = forms.CharField(label="Liaison actions", required=False, widget=_textarea(2),
                                      help_text="Who you contacted or will contact for them, and why.")
    next_contact_on = forms.DateField(label="Next contact", widget=DateInput(attrs={"class": "nhsuk-input--width-10"}))

    def __init__(self, *args: Any, goals: list[Goal] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "goals", [(str(g.pk), g.words) for g in goals or []])
        self.fields["goals"].error_messages["invalid_choice"] = (
            "Goal %(value)s is not one of this person's goals in this episode.")
        if not goals:
            self.fields["goals"].help_text = "No goals agreed yet."


class GoalForm(NHSForm):
    words = forms.CharField(label="The goal, in their own words", widget=_textarea(2))
    life_area = forms.ChoiceField(label="Area of life", choices=LifeArea.choices)
    steps = forms.CharField(label="Steps", required=False, widget=_textarea(3))
    who_helps = forms.CharField(label="Who helps", required=False, max_length=300)
    rating = forms.ChoiceField(label="How far along are they now? (0 = not started, 10 = achieved)",
                               choices=RATING_CHOICES, widget=forms.RadioSelect(attrs={"inline": True}))
    review_on = forms.DateField(label="Review by", required=False, widget=DateInput(),
                                help_text="Leave blank for 8 weeks from today.")


class GoalEditForm(NHSForm):
    words = forms.CharField(label="The goal, in their own words", widget=_textarea(2))
    life_area = forms.ChoiceField(label="Area of life", choices=LifeArea.choices)
    steps = forms.CharField(label="Steps", required=False, widget=_textarea(3))
    who_helps = forms.CharField(label="Who helps", required=False, max_length=300)
    review_on = forms.DateField(label="Review by", required=False, widget=DateInput())
    is_new_goal = forms.BooleanField(
        label="This is now a different goal (keep the old one in the history as changed)", required=False)
    rating = forms.ChoiceField(label="If a different goal: how far along are they with it?", required=False,
                               choices=[("", "Not rated"), *RATING_CHOICES])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("is_new_goal") and data.get("rating") in (None, ""):
            self.add_error("rating", "Select how far along they are with the new goal.")
        return data


class GoalReviewForm(NHSForm):
    rating = forms.ChoiceField(label="How far along are they now? (0 = not started, 10 = achieved)",
                               choices=RATING_CHOICES, widget=forms.RadioSelect(attrs={"inline": True}))
    status = forms.ChoiceField(label="The goal", choices=[
        (Goal.Status.ACTIVE, "Keep working on it"), (Goal.Status.ACHIEVED, "Achieved"),
        (Goal.Status.DROPPED, "Dropped")], initial=Goal.Status.ACTIVE, widget=forms.RadioSelect)
    note = forms.CharField(label="Note", required=False, widget=_textarea(2))
    next_review_on = forms.DateField(label="Next review", required=False, widget=DateInput(),
                                     help_text="Leave blank for 8 weeks from today.")
    rated_on = forms.DateField(label="Date of review", widget=DateInput())


class SharedUnderstandingForm(NHSForm):
    situation = forms.CharField(label="Their situation", required=False, widget=_textarea(4),
                                help_text="In their words where you can: home, family, health, what has happened.")
    strengths = forms.CharField(label="Their strengths", required=False, widget=_textarea(3))
    what_matters = forms.CharField(label="What matters to them", required=False, widget=_textarea(3))


class RhythmForm(NHSForm):
    interval_days = forms.TypedChoiceField(label="Contact", coerce=int, widget=forms.RadioSelect,
                                           choices=[(d, label) for d, label in rhythm.INTERVALS.items()])
    agreed_with = forms.CharField(label="Who agreed", max_length=200,
                                  help_text="For example: the person and their Care Partner; with their supervisor.")
    reason = forms.CharField(label="Why", widget=_textarea(2))
    next_contact_on = forms.DateField(label="Next contact", widget=DateInput())


class UrgentReferralForm(NHSForm):
    service = forms.ChoiceField(label="Refer urgently to")
    reason = forms.CharField(label="Why it is urgent", widget=_textarea(3))
    agreed_with = forms.CharField(label="Who agreed", required=False, max_length=200,
                                  help_text="For example: the person; their GP; the duty worker.")
    interval_days = forms.TypedChoiceField(label="Contact until things settle", coerce=int, initial=7,
                                           choices=[(3, "Every few days"), (7, "Weekly")], widget=forms.RadioSelect)
    next_contact_on = forms.DateField(label="Next contact", widget=DateInput())
    error_aliases = {"service": "service"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        urgent = Service.objects.filter(is_active=True, kind__in=[Service.Kind.CRISIS, Service.Kind.SECONDARY_MH])
        set_choices(self, "service", [("", "Choose a service"), *[(str(s.pk), s.name) for s in urgent]])


class ReferralForm(NHSForm):
    service = forms.ChoiceField(label="Service")
    reason = forms.CharField(label="Reason", widget=_textarea(3))
    referred_on = forms.DateField(label="Date", widget=DateInput())
    urgent = forms.BooleanField(label="Urgent", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for service in Service.objects.filter(is_active=True).order_by("kind", "name"):
            groups.setdefault(service.get_kind_display(), []).append((str(service.pk), service.name))
        set_choices(self, "service", [("", "Choose a service"), *groups.items()])


class ReferralOutcomeForm(NHSForm):
    status = forms.ChoiceField(label="Status", choices=Referral.Status.choices, widget=forms.RadioSelect)
    outcome = forms.CharField(label="What came of it", required=False, widget=_textarea(3))
    outcome_on = forms.DateField(label="Date", widget=DateInput())


class PhaseForm(NHSForm):
    to_phase = forms.ChoiceField(label="Move the episode to", widget=forms.RadioSelect)
    end_reason = forms.ChoiceField(label="If ending: why", required=False,
                                   choices=[("", "Choose a reason"), *EndReason.choices])
    reason = forms.CharField(label="Note", required=False, max_length=300)
    on = forms.DateField(label="Date", widget=DateInput())

    def __init__(self, *args: Any, phases: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "to_phase", phases)


class SecondaryCareForm(NHSForm):
    secondary_care_change = forms.ChoiceField(label="Secondary mental health care during the episode",
                                              choices=SecondaryCareChange.choices, widget=forms.RadioSelect)
    secondary_care_note = forms.CharField(label="Note", required=False, max_length=300)


def care_partner_choices(exclude: int | None = None) -> list[tuple[str, str]]:
    people = User.objects.filter(role=Role.CARE_PARTNER, is_active=True).order_by("last_name", "first_name")
    return [(str(u.pk), u.get_full_name() or u.username) for u in people if u.pk != exclude]


class HandoverForm(NHSForm):
    to_care_partner = forms.ChoiceField(label="New Care Partner")
    reason = forms.ChoiceField(label="Why", choices=Handover.Reason.choices, initial=Handover.Reason.PERSON_CHOICE,
                               widget=forms.RadioSelect)
    note = forms.CharField(label="Handover note", required=False, widget=_textarea(4),
                           help_text="What the new Care Partner should know first. The whole history goes with "
                                     "the case.")

    def __init__(self, *args: Any, current: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "to_care_partner", [("", "Choose a Care Partner"), *care_partner_choices(current)])


class ReferToPartnersForm(NHSForm):
    care_partner = forms.ChoiceField(label="Care Partner", required=False,
                                     help_text="Leave blank for the Care Partner in post at their practice.")
    source = forms.CharField(label="Referred by", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "care_partner", [("", "The Care Partner in post"), *care_partner_choices()])


class ServiceForm(NHSForm):
    name = forms.CharField(label="Name", max_length=200)
    kind = forms.ChoiceField(label="Kind of service", choices=[("", "Choose"), *Service.Kind.choices])
    area = forms.CharField(label="Area covered", required=False, max_length=100)
    phone = forms.CharField(label="Telephone", required=False, max_length=30)
    email = forms.CharField(label="Email", required=False, max_length=254)
    address = forms.CharField(label="Address", required=False, max_length=300)
    website = forms.CharField(label="Website", required=False, max_length=200)
    description = forms.CharField(label="What they offer and how to refer", required=False, widget=_textarea(3))
    is_active = forms.BooleanField(label="Taking referrals", required=False, initial=True)


class AbsenceForm(NHSForm):
    care_partner = forms.ChoiceField(label="Care Partner")
    starts_on = forms.DateField(label="From", widget=DateInput())
    ends_on = forms.DateField(label="Until (blank if not known)", required=False, widget=DateInput())
    reason = forms.CharField(label="Reason", required=False, max_length=100,
                             help_text="For example: annual leave, sickness, training. No clinical detail.")


class CoverForm(NHSForm):
    absent = forms.ChoiceField(label="Caseload of")
    covering = forms.ChoiceField(label="Covered by")
    starts_on = forms.DateField(label="From", widget=DateInput())
    ends_on = forms.DateField(label="Until (blank if not known)", required=False, widget=DateInput())
    reason = forms.CharField(label="Reason", required=False, max_length=200)


class PostForm(NHSForm):
    care_partner = forms.ChoiceField(label="Care Partner")
    practice = forms.ChoiceField(label="Practice")
    starts_on = forms.DateField(label="In post from", widget=DateInput())
    ends_on = forms.DateField(label="Until (blank while in post)", required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        practices = Organisation.objects.filter(kind=Organisation.Kind.PRACTICE, is_active=True).order_by("name")
        set_choices(self, "practice", [("", "Choose a practice"), *[(str(p.pk), p.name) for p in practices]])
