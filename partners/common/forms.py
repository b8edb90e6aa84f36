"""Django forms rendered with NHS.UK design system markup (labels, hints, error messages, error summary)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting

WIDGET_CLASSES: dict[type, str] = {
    forms.Textarea: "nhsuk-textarea",
    forms.Select: "nhsuk-select",
    forms.SelectMultiple: "nhsuk-select",
    forms.CheckboxInput: "nhsuk-checkboxes__input",
    forms.RadioSelect: "",
    forms.CheckboxSelectMultiple: "",
    forms.ClearableFileInput: "nhsuk-file-upload",
    forms.FileInput: "nhsuk-file-upload",
}


class NHSFormRenderer(TemplatesSetting):
    """Uses the project's template engine so our NHS.UK widget templates override Django's."""

    form_template_name = "nhsuk/forms/form.html"
    field_template_name = "nhsuk/forms/field.html"


class NHSFormMixin:
    """Adds NHS.UK classes to widgets and error classes to fields that failed validation."""

    template_name_label = "nhsuk/forms/label.html"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            widget = field.widget
            # NHS.UK style: say what to do ("Enter first name"), never "This field is required".
            label = str(field.label or name.replace("_", " ")).lower()
            if str(field.error_messages.get("required")) == str(forms.Field.default_error_messages["required"]):
                verb = "Select" if isinstance(widget, (forms.RadioSelect, forms.Select, forms.CheckboxInput,
                                                       forms.CheckboxSelectMultiple)) else "Enter"
                field.error_messages["required"] = f"{verb} {label}"
            css = next((c for t, c in WIDGET_CLASSES.items() if isinstance(widget, t)), "nhsuk-input")
            existing = widget.attrs.get("class", "")
            if css:
                widget.attrs["class"] = f"{css} {existing}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields:  # type: ignore[attr-defined]
                widget = self.fields[name].widget  # type: ignore[attr-defined]
                base = widget.attrs.get("class", "")
                suffix = {
                    "nhsuk-input": "nhsuk-input--error",
                    "nhsuk-select": "nhsuk-select--error",
                    "nhsuk-textarea": "nhsuk-textarea--error",
                }
                for css, err in suffix.items():
                    if css in base.split() and err not in base:
                        widget.attrs["class"] = f"{base} {err}"
                widget.attrs["aria-invalid"] = "true"
                bound = self[name]  # type: ignore[index]
                described = [f"{bound.auto_id}_error"]
                if bound.help_text:
                    described.insert(0, f"{bound.auto_id}_helptext")
                widget.attrs["aria-describedby"] = " ".join(described)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class NHSForm(NHSFormMixin, forms.Form):
    pass


class NHSModelForm(NHSFormMixin, forms.ModelForm):
    pass


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError onto the form's fields (or the summary for anything else); a form may
    map a service's field names onto its own with ``error_aliases``."""
    aliases = getattr(form, "error_aliases", {})
    for name, messages in exc.message_dict.items():
        target = aliases.get(name, name)
        for message in messages:
            form.add_error(target if target in form.fields else None, message)
