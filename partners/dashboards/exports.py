"""CSV and XLSX downloads of the dashboard's published tables (the same figures the page shows)."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook
from openpyxl.styles import Font

from partners.dashboards.presentation import Table
from partners.dashboards.selectors import DashboardContext, policy

CSV_COLUMNS = ["area", "area_code", "area_type", "from_month", "to_month", "table", "row", "column", "value"]


def _notes(ctx: DashboardContext) -> list[str]:
    pol = policy()
    return [
        f"Figures as at {ctx.refresh.as_of:%d %B %Y}.",
        f"Counts of 1 to {pol.max_suppressed} are shown as * and all other counts are rounded to the nearest "
        f"{pol.rounding_base}; further counts are suppressed (*) where a total or margin would otherwise reveal a "
        "suppressed one. Percentages and ratios are computed from the rounded counts. Means resting on "
        f"{pol.max_suppressed} people or fewer are suppressed.",
    ]


def _value(value: object) -> object:
    return "" if value is None else value


def to_csv(ctx: DashboardContext, tables: list[Table]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    area = ctx.area
    common = [area.name, area.ods_code, area.kind_label, ctx.period.months[0], ctx.period.months[-1]]
    for table in tables:
        for row in table.rows:
            label, *values = row
            for column, value in zip(table.columns[1:], values, strict=True):
                writer.writerow([*common, table.caption, label, column, _value(value)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_title(caption: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "", caption)[:28].strip() or "Table"
    title, n = base, 2
    while title in used:
        title = f"{base[:25]} {n}"
        n += 1
    used.add(title)
    return title


def to_xlsx(ctx: DashboardContext, tables: list[Table]) -> bytes:
    book = Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "About these figures"
    bold = Font(bold=True)
    notes.append(["Area", ctx.area.name])
    notes.append(["Area type", ctx.area.kind_label])
    notes.append(["ODS code", ctx.area.ods_code])
    notes.append(["From", ctx.period.months[0]])
    notes.append(["To", ctx.period.months[-1]])
    for line in _notes(ctx):
        notes.append([line])
    notes["A1"].font = bold
    used = {notes.title}
    for table in tables:
        sheet = book.create_sheet(_sheet_title(table.caption, used))
        sheet.append([table.caption])
        sheet["A1"].font = bold
        sheet.append(table.columns)
        for cell in sheet[2]:
            cell.font = bold
        for row in table.rows:
            sheet.append([_value(v) for v in row])
        for note in table.notes:
            sheet.append([note])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
