"""What the dashboard and equity pages show, as plain data: tiles, charts and their tables.

The HTML pages, the CSV and the XLSX downloads are all made from these same tables, so a download
holds exactly the published (suppressed and rounded) figures the page shows, and nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings

from partners.common.disclosure import published_percentage
from partners.dashboards.core import charts
from partners.dashboards.core import equity as eq
from partners.dashboards.core import measures as M
from partners.dashboards.core.publication import Level, Shown
from partners.dashboards.selectors import DashboardContext, instruments_with_data

INSTRUMENT_NAMES = {
    "mansa": "MANSA", "wemwbs": "WEMWBS", "swemwbs": "SWEMWBS", "qpr15": "QPR-15", "icecap-a": "ICECAP-A",
    "eq-5d-5l": "EQ-5D-5L", "brief-inspire": "Brief INSPIRE", "tus": "Time Use Survey", "phq9": "PHQ-9",
    "gad7": "GAD-7",
}
TILES = ("on_register", "in_gap", "invited", "engaged", "active", "ended", "contacts", "goals_agreed",
         "safety_events")


def month_name(label: str, short: bool = False) -> str:
    day = date.fromisoformat(label + "-01")
    return f"{day:%b %Y}" if short else f"{day:%B %Y}"


@dataclass
class Table:
    key: str
    caption: str
    columns: list[str]
    rows: Sequence[Sequence[object]]
    numeric_from: int = 1
    notes: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)  # per column: "", "%", "ratio" or "mean"

    def cells(self) -> list[list[tuple[object, str]]]:
        """Each row's cells with the format of their column."""
        return [[(v, self.formats[i] if i < len(self.formats) else "") for i, v in enumerate(row)]
                for row in self.rows]


@dataclass
class Chart:
    key: str
    title: str
    svg: str
    table: Table
    summary: str = ""


@dataclass
class Tile:
    code: str
    label: str
    value: Shown
    caption: str
    trend: str
    spark: str
    help: str


def _trend(level: Level, code: str) -> str:
    series = level.series(level.area.key, code)
    if len(series) < 2:
        return ""
    (prev_month, prev), (_, last) = series[-2], series[-1]
    if not isinstance(prev, int) or not isinstance(last, int):
        return ""
    when = month_name(prev_month)
    if last > prev:
        return f"Up from {prev:,} in {when}"
    if last < prev:
        return f"Down from {prev:,} in {when}"
    return f"Same as {when}"


def tiles(ctx: DashboardContext) -> list[Tile]:
    level = ctx.level
    first, last = month_name(level.months[0]), month_name(level.months[-1])
    out = []
    for code in TILES:
        measure = M.BY_CODE[code]
        caption = f"at the end of {last}" if measure.kind == "stock" else (
            f"{first} to {last}" if first != last else f"in {last}")
        values = [v for _, v in level.series(level.area.key, code)]
        out.append(Tile(code=code, label=measure.label, value=level.period(level.area.key, code), caption=caption,
                        trend=_trend(level, code), spark=charts.sparkline(values), help=measure.help))
    return out


def _series_table(key: str, caption: str, level: Level, codes: list[str]) -> Table:
    rows = []
    for month, _ in level.series(level.area.key, codes[0]):
        rows.append([month_name(month), *(level.shown(level.area.key, c, month) for c in codes)])
    return Table(key, caption, ["Month", *(M.BY_CODE[c].label for c in codes)], rows)


def _chart_from_series(key: str, title: str, level: Level, codes: list[str], *, kind: str = "line",
                       stacked: bool = False, labels: dict[str, str] | None = None) -> Chart:
    labels = labels or {}
    months = [month_name(m, short=True) for m in level.months]
    series = [charts.Series(labels.get(c, M.BY_CODE[c].label), [v for _, v in level.series(level.area.key, c)])
              for c in codes]
    chart_id = f"chart-{key}"
    if kind == "line":
        svg = charts.line_chart(chart_id, title, months, series)
    else:
        svg = charts.bar_chart(chart_id, title, months, series, stacked=stacked)
    return Chart(key, title, svg, _series_table(key, title, level, codes))


def dashboard_charts(ctx: DashboardContext) -> list[Chart]:
    level = ctx.level
    area = level.area.key
    end = month_name(level.months[-1])
    out = [
        _chart_from_series("register", f"People on SMI registers and in the gap, {ctx.area.name}", level,
                           ["on_register", "in_gap"]),
    ]
    statuses = [code for code, _ in M.GAP_STATUSES]
    status_values = [level.period(area, f"gap_{c}") for c in statuses]
    status_labels = [label for _, label in M.GAP_STATUSES]
    title = f"People on SMI registers by gap status, end of {end}"
    table = Table("gap", title, ["Status", "People"],
                  [[label, v] for label, v in zip(status_labels, status_values, strict=True)]
                  + [["All on registers", level.period(area, "on_register")]],
                  notes=["Nobody is counted 'in remission' until the case-finding import records remission."])
    out.append(Chart("gap", title, charts.bar_chart(
        "chart-gap", title, [s.split(" (")[0] for s in status_labels], [charts.Series("People", status_values)]),
        table))
    out.append(_chart_from_series("care", "Invited, engaged and ended, by month", level,
                                  ["invited", "engaged", "ended"], kind="bar"))
    out.append(_chart_from_series("active", "People in active care at each month end", level, ["active", "waiting"]))
    out.append(_chart_from_series(
        "contacts", "Contacts by mode, by month", level,
        ["contacts_face_to_face", "contacts_telephone", "contacts_video", "contacts_text"], kind="bar", stacked=True))
    out.append(_chart_from_series("contact-quality", "Contacts that reached the person, lasted 10 minutes or more, "
                                  "or discussed goals", level,
                                  ["contacts_reached", "contacts_10min", "contacts_goals"], kind="line"))
    out.append(_chart_from_series("goals", "Goals agreed, by month", level, ["goals_agreed"], kind="bar"))
    out.append(_chart_from_series("safety", "Safety events by month", level,
                                  ["safety_admission", "safety_crisis", "safety_sae"], kind="bar"))
    out.append(fidelity_chart(ctx))
    out.append(outcomes_chart(ctx))
    return out


def fidelity_chart(ctx: DashboardContext) -> Chart:
    level = ctx.level
    area = level.area.key
    active = level.period(area, "active")
    codes = ["fid_with_contact", "fid_goals_assessed", "fid_compliant_contacts", "fid_compliant_goals"]
    labels = ["At least one contact", "Goals assessed", "6+ sessions of 10+ minutes", "4+ contacts discussing goals"]
    counts = [level.period(area, c) for c in codes]
    shares = [published_percentage(c, active) for c in counts]
    availability = level.availability(area)
    title = f"Fidelity: people in active care at the end of {month_name(level.months[-1])}"
    rows: list[list[object]] = [[label, count, share] for label, count, share in zip(labels, counts, shares,
                                                                                       strict=True)]
    rows.append(["In active care (all)", active, 100.0 if isinstance(active, int) and active else None])
    notes = ["Percentages are of the people in active care, computed from the rounded counts; each person is "
             "counted over their episode so far (sessions: face to face, telephone or video; goals assessed: at "
             "least one goal agreed). The supervision fidelity pages count the same things over a date range."]
    if availability is not None:
        notes.append(f"A Care Partner was in post, and at work or covered, on {availability:.1f}% of "
                     "practice-days in the period (practices in the programme).")
    table = Table("fidelity", title, ["Measure", "People", "Per cent of people in active care"], rows, notes=notes,
                  formats=["", "", "%"])
    svg = charts.bar_chart("chart-fidelity", title, labels, [charts.Series("Per cent", shares)], unit="%")
    return Chart("fidelity", title, svg, table)


def outcomes_chart(ctx: DashboardContext) -> Chart:
    level = ctx.level
    area = level.area.key
    rows: list[list[object]] = []
    names, means = [], []
    for instrument in instruments_with_data(level):
        mean, n = level.outcome_change(area, instrument)
        name = INSTRUMENT_NAMES.get(instrument, instrument)
        rows.append([name, n, mean])
        names.append(name)
        means.append(mean)
    goal_mean, goal_n = level.goal_progress(area)
    rows.append(["Goal-based outcome rating (0 to 10)", goal_n, goal_mean])
    names.append("Goal rating")
    means.append(goal_mean)
    title = "Outcome change from baseline to the latest follow-up"
    table = Table("outcomes", title, ["Measure", "People", "Mean change"], rows, formats=["", "", "mean"],
                  notes=["Means resting on 7 people or fewer are suppressed (*). People are counted in the month "
                         "of their latest follow-up questionnaire or goal review."])
    svg = charts.bar_chart("chart-outcomes", title, names, [charts.Series("Mean change", means)])
    return Chart("outcomes", title, svg, table)


BY_AREA = ("on_register", "in_gap", "invited", "engaged", "active", "contacts", "safety_events")


def by_area(ctx: DashboardContext) -> Chart | None:
    level = ctx.level
    if not level.children:
        return None
    kind = ctx.tree.areas[level.children[0].key].kind_noun
    rows: list[list[object]] = []
    for child in level.children:
        rows.append([child.label, *(level.period(child.key, c) for c in BY_AREA)])
    rows.append([f"All of {ctx.area.name}", *(level.period(level.area.key, c) for c in BY_AREA)])
    title = f"By {kind}, {month_name(level.months[0])} to {month_name(level.months[-1])}"
    table = Table("by-area", title, [kind[0].upper() + kind[1:], *(M.BY_CODE[c].label for c in BY_AREA)], rows,
                  notes=["People on registers, in the gap and in active care are at the end of the period; the "
                         "others are totals over the period."])
    names = [child.label for child in level.children]
    svg = charts.bar_chart("chart-by-area", title, names,
                           [charts.Series("In the gap", [level.period(c.key, "in_gap") for c in level.children]),
                            charts.Series("Engaged", [level.period(c.key, "engaged") for c in level.children])])
    return Chart("by-area", title, svg, table)


# -- equity ---------------------------------------------------------------------------------------------

def thresholds() -> eq.Thresholds:
    return eq.Thresholds(float(settings.PARTNERS.get("EQUITY_UNDER_RATIO", 0.8)),
                         float(settings.PARTNERS.get("EQUITY_OVER_RATIO", 1.25)))


@dataclass
class EquitySection:
    dimension: str
    label: str
    rows: list[eq.EquityRow]
    chart: Chart


def equity_sections(ctx: DashboardContext) -> list[EquitySection]:
    level = ctx.level
    out = []
    for dim, label, _ in M.DIMENSIONS:
        rows = eq.equity_rows(level, level.area.key, dim, thresholds())
        table = Table(
            f"equity-{dim}", f"Reach and engagement by {label.lower()}",
            ["Group", "On registers", "Share of register", "In the gap", "Reached", "Share of reached",
             "Reach ratio", "Engaged", "Share of engaged", "Engagement ratio"],
            [[r.label, r.register, r.register_share, r.in_gap, r.reached, r.reached_share, r.reach_ratio,
              r.engaged, r.engaged_share, r.engaged_ratio] for r in rows],
            formats=["", "", "%", "", "", "%", "ratio", "", "%", "ratio"],
            notes=["Shares are of everyone on the registers, reached or engaged in this area; a ratio is the share "
                   "among people reached (or engaged) divided by the share of the register. Below "
                   f"{thresholds().under:g} the group is under-represented."],
        )
        shown = [r for r in rows if not r.combined]
        svg = charts.paired_bars(
            f"chart-equity-{dim}", f"Share of the register and of people engaged, by {label.lower()}",
            [r.label for r in shown],
            charts.Series("Share of register", [r.register_share for r in shown]),
            charts.Series("Share of people engaged", [r.engaged_share for r in shown]))
        out.append(EquitySection(dim, label, rows, Chart(f"equity-{dim}", table.caption, svg, table)))
    return out


def all_tables(ctx: DashboardContext, *, equity: bool = False) -> list[Table]:
    """Every table a page shows, for the downloads."""
    if equity:
        return [s.chart.table for s in equity_sections(ctx)]
    tables = [Table("summary", f"Summary for {ctx.area.name}", ["Measure", "Value", "When"],
                    [[t.label, t.value, t.caption] for t in tiles(ctx)])]
    area_chart = by_area(ctx)
    tables += [c.table for c in dashboard_charts(ctx)]
    if area_chart is not None:
        tables.append(area_chart.table)
    return tables
