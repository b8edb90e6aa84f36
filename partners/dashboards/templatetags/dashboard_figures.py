"""Showing published figures: ``*`` for suppressed counts (with words for screen readers), thousands separators."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

from partners.common.disclosure import SUPPRESSED
from partners.dashboards.presentation import Table

register = template.Library()


@register.filter
def figure(value: object, kind: str = "") -> SafeString | str:
    if value == SUPPRESSED:
        return mark_safe('*<span class="nhsuk-u-visually-hidden"> (suppressed)</span>')  # constant markup  # nosec B308
    if value is None or value == "":
        return mark_safe('\u2013<span class="nhsuk-u-visually-hidden"> (none)</span>')  # constant markup  # nosec B308
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if kind == "%" and isinstance(value, int | float):
        return f"{value:,.1f}%"
    if kind == "ratio" and isinstance(value, int | float):
        return f"{value:.2f}"
    if kind == "mean" and isinstance(value, int | float):
        return f"{value:+.2f}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    if isinstance(value, int | float):
        return f"{value:,.0f}"
    return str(value)


@register.simple_tag
def figures_table(table: Table, drill: dict[str, str] | None = None, hide_caption: bool = False) -> SafeString:
    """A published table in NHS.UK markup (built in Python: these tables can have hundreds of cells)."""
    caption_class = "nhsuk-table__caption nhsuk-table__caption--s"
    if hide_caption:
        caption_class += " nhsuk-u-visually-hidden"
    numeric_from = table.numeric_from
    key = escape(table.key)
    wrapper = f'<div class="partners-table-wrapper" tabindex="0" role="region" aria-label="{escape(table.caption)}">'
    parts = [f'{wrapper}<table class="nhsuk-table" data-testid="table-{key}">',
             f'<caption class="{caption_class}">{escape(table.caption)}</caption>',
             '<thead class="nhsuk-table__head"><tr class="nhsuk-table__row">']
    for i, column in enumerate(table.columns):
        numeric = " nhsuk-table__header--numeric" if i >= numeric_from else ""
        parts.append(f'<th scope="col" class="nhsuk-table__header{numeric}">{escape(column)}</th>')
    parts.append('</tr></thead><tbody class="nhsuk-table__body">')
    for row in table.cells():
        parts.append('<tr class="nhsuk-table__row">')
        for i, (value, kind) in enumerate(row):
            if i == 0:
                label = str(escape(value))
                link = (drill or {}).get(str(value))
                if link:
                    label = f'<a href="{escape(link)}">{label}</a>'
                parts.append(f'<th scope="row" class="nhsuk-table__header">{label}</th>')
            else:
                numeric = " nhsuk-table__cell--numeric" if i >= numeric_from else ""
                parts.append(f'<td class="nhsuk-table__cell{numeric}">{conditional_escape(figure(value, kind))}</td>')
        parts.append("</tr>")
    parts.append("</tbody></table></div>")
    for note in table.notes:
        parts.append(f'<p class="nhsuk-body-s">{escape(note)}</p>')
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped  # nosec B308 B703
