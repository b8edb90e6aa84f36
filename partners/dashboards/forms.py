from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from partners.common.forms import NHSForm
from partners.dashboards.selectors import ENGLAND, AreaTree, Period, within


def _month_choices(months: list[date]) -> list[tuple[str, str]]:
    return [(f"{m:%Y-%m}", f"{m:%B %Y}") for m in months]


class DashboardFilterForm(NHSForm):
    """Area (ICS, PCN, practice under the leader's own area) and a range of months."""

    ics = forms.ChoiceField(label="ICS", required=False)
    pcn = forms.ChoiceField(label="PCN", required=False)
    practice = forms.ChoiceField(label="Practice", required=False)
    start = forms.ChoiceField(label="From", required=False)
    end = forms.ChoiceField(label="To", required=False)

    def __init__(self, *args: Any, tree: AreaTree, root: str, months: list[date], default: Period,
                 **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"start": f"{default.first:%Y-%m}", "end": f"{default.last:%Y-%m}"})
        super().__init__(*args, **kwargs)
        self.default = default
        self.tree, self.root = tree, root
        data = self.data if self.is_bound else {}
        all_areas = "All areas" if root == ENGLAND else f"All of {tree.areas[root].name}"
        root_kind = tree.areas[root].kind
        # ICS choices only for a national view; PCNs under the chosen ICS (or the root); practices likewise.
        if root == ENGLAND:
            self._choices("ics", [("", "All ICSs"), *((a.key, a.name) for a in tree.descendants(root, "ics"))])
        else:
            del self.fields["ics"]
        ics = data.get("ics") or ""
        scope = ics if ics and within(tree, root, ics) else root
        # Offer PCNs once an ICS is in view, practices once a PCN (or a single ICS) is: never every practice
        # in England in one list. The table of areas below the current one links to each of them too.
        if root_kind in ("pcn", "practice") or tree.areas[scope].kind == "england":
            del self.fields["pcn"]
        else:
            self._choices("pcn", [("", "All PCNs"), *((a.key, a.name) for a in tree.descendants(scope, "pcn"))])
        pcn = data.get("pcn") or ""
        if pcn and "pcn" in self.fields and within(tree, scope, pcn):
            scope = pcn
        if root_kind == "practice" or tree.areas[scope].kind == "england":
            del self.fields["practice"]
        else:
            self._choices("practice", [("", "All practices"),
                                       *((a.key, a.name) for a in tree.descendants(scope, "practice"))])
        choices = _month_choices(months)
        self._choices("start", choices)
        self._choices("end", choices)
        self.all_areas_label = all_areas

    def _choices(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["start"] = cleaned.get("start") or f"{self.default.first:%Y-%m}"
        cleaned["end"] = cleaned.get("end") or f"{self.default.last:%Y-%m}"
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "Enter a 'To' month that is the same as or after the 'From' month")
        ics, pcn, practice = cleaned.get("ics") or "", cleaned.get("pcn") or "", cleaned.get("practice") or ""
        if practice and pcn and not within(self.tree, pcn, practice):
            self.add_error("practice", "Select a practice in the PCN you chose, or choose 'All practices'")
        if pcn and ics and not within(self.tree, ics, pcn):
            self.add_error("pcn", "Select a PCN in the ICS you chose, or choose 'All PCNs'")
        return cleaned

    def area_key(self) -> str:
        cleaned = self.cleaned_data
        return cleaned.get("practice") or cleaned.get("pcn") or cleaned.get("ics") or self.root

    def period(self) -> Period:
        return Period(date.fromisoformat(self.cleaned_data["start"] + "-01"),
                      date.fromisoformat(self.cleaned_data["end"] + "-01"))
