from __future__ import annotations

from typing import Any

from django import forms

from partners.accounts.models import Role, User
from partners.common.forms import NHSForm
from partners.organisations.models import Organisation


class AccountForm(NHSForm):
    username = forms.CharField(max_length=150, help_text="Letters, digits, dots, hyphens and underscores.")
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    job_title = forms.CharField(max_length=100, required=False)
    role = forms.ChoiceField(choices=Role.choices, widget=forms.RadioSelect)
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.filter(is_active=True).order_by("kind", "name"),
                                          required=False, empty_label="None",
                                          help_text="Practice staff: their practice. Leaders: the ICS, PCN or trust.")
    supervisor = forms.ModelChoiceField(queryset=User.objects.filter(role=Role.SUPERVISOR, is_active=True),
                                        required=False, empty_label="None", help_text="Care Partners only.")
    is_active = forms.BooleanField(label="Account is active", required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["username"]
        else:
            del self.fields["is_active"]
