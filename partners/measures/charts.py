"""Line charts of scores over time as plain geometry, for templates to draw as accessible inline SVG.

Pure Python (no Django): ``line_chart`` turns dated values into coordinates, axis ticks, threshold lines
and a change band; ``thresholds_for`` turns an instrument's published thresholds (the engine's, each with
its source) into what a chart draws and says. The template gives every chart a title, a description and
a table of the same figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape

from partners.measures.engine import Instrument

# Series are told apart by colour, line pattern and marker shape (never colour alone); colours are NHS.UK
# palette colours with at least 3:1 contrast on white.
PALETTE = ("#005eb8", "#007f3b", "#330072", "#d5281b", "#7c2855", "#425563")
DASHES = ("", "6 3", "2 3", "8 3 2 3")
MARKERS = ("circle", "square", "diamond", "triangle")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    on: date
    value: float
    label: str


@dataclass(frozen=True)
class ChartSeries:
    name: str
    index: int  # for the series' style (colour and marker) in the stylesheet
    points: tuple[ChartPoint, ...]

    @property
    def path(self) -> str:
        return " ".join(f"{'M' if n == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for n, p in enumerate(self.points))

    @property
    def colour(self) -> str:
        return PALETTE[self.index % len(PALETTE)]

    @property
    def dash(self) -> str:
        return DASHES[self.index % len(DASHES)]

    @property
    def marker(self) -> str:
        return MARKERS[self.index % len(MARKERS)]

    def marker_path(self, point: ChartPoint, size: float = 4.5) -> str:
        x, y, r = point.x, point.y, size
        shape = self.marker
        if shape == "square":
            return f"M{x - r:.1f},{y - r:.1f} h{2 * r:.1f} v{2 * r:.1f} h{-2 * r:.1f} Z"
        if shape == "diamond":
            d = r * 1.3
            return f"M{x:.1f},{y - d:.1f} L{x + d:.1f},{y:.1f} L{x:.1f},{y + d:.1f} L{x - d:.1f},{y:.1f} Z"
        if shape == "triangle":
            return f"M{x:.1f},{y - r * 1.3:.1f} L{x + r * 1.2:.1f},{y + r:.1f} L{x - r * 1.2:.1f},{y + r:.1f} Z"
        return f"M{x - r:.1f},{y:.1f} a{r:.1f},{r:.1f} 0 1,0 {2 * r:.1f},0 a{r:.1f},{r:.1f} 0 1,0 {-2 * r:.1f},0"

    @property
    def markers(self) -> list[tuple[ChartPoint, str]]:
        return [(p, self.marker_path(p)) for p in self.points]


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Line:
    y: float
    value: float
    label: str


@dataclass(frozen=True)
class Band:
    y_top: float
    y_bottom: float
    label: str

    @property
    def height(self) -> float:
        return self.y_bottom - self.y_top


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    series: tuple[ChartSeries, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    lines: tuple[Line, ...] = ()
    band: Band | None = None

    @property
    def plot_width(self) -> float:
        return self.right - self.left

    @property
    def plot_height(self) -> float:
        return self.bottom - self.top

    @property
    def y_label_x(self) -> float:
        return self.left - 8

    @property
    def tick_end(self) -> float:
        return self.bottom + 5

    @property
    def x_label_y(self) -> float:
        return self.bottom + 20

    def svg(self, chart_id: str, title: str, summary: str) -> str:
        """The chart as accessible inline SVG: a title and a description for screen readers (the page puts
        the figures in a table beside it). Drawn here, not in a template: a person page draws several charts
        and the template language cost more than the rest of the page's outcomes section together."""
        cid = escape(chart_id)
        left, right, bottom = _f(self.left), _f(self.right), _f(self.bottom)
        out = [f'<svg class="measures-chart" viewBox="0 0 {self.width} {self.height}" width="100%" role="img" '
               f'aria-labelledby="{cid}-title {cid}-desc" focusable="false" data-testid="{cid}">\n'
               f'  <title id="{cid}-title">{escape(title)}</title>\n'
               f'  <desc id="{cid}-desc">{escape(summary)}</desc>\n  ']
        if self.band:
            out.append(f'<rect x="{left}" y="{_f(self.band.y_top)}" width="{_f(self.plot_width)}" '
                       f'height="{_f(self.band.height)}" fill="#005eb8" fill-opacity="0.12"/>')
        out.append("\n  ")
        for tick in self.y_ticks:
            y = _f(tick.position)
            out.append(f'<line x1="{left}" x2="{right}" y1="{y}" y2="{y}" stroke="#d8dde0" stroke-width="1"/>\n'
                       f'  <text x="{_f(self.y_label_x)}" y="{y}" dy="4" text-anchor="end" font-size="12" '
                       f'fill="#4c6272">{escape(tick.label)}</text>')
        out.append("\n  ")
        for tick in self.x_ticks:
            x = _f(tick.position)
            out.append(f'<line x1="{x}" x2="{x}" y1="{bottom}" y2="{_f(self.tick_end)}" stroke="#4c6272" '
                       f'stroke-width="1"/>\n  <text x="{x}" y="{_f(self.x_label_y)}" text-anchor="middle" '
                       f'font-size="12" fill="#4c6272">{escape(tick.label)}</text>')
        out.append(f'\n  <line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="#4c6272" '
                   'stroke-width="1"/>\n  ')
        for line in self.lines:
            y = _f(line.y)
            out.append(f'<line x1="{left}" x2="{right}" y1="{y}" y2="{y}" stroke="#d5281b" stroke-width="2" '
                       'stroke-dasharray="8 4"/>')
        out.append("\n  ")
        for s in self.series:
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            out.append(f'<path d="{s.path}" fill="none" stroke="{s.colour}" stroke-width="2.5"{dash}/>\n  ')
            name = escape(s.name)
            for point, d in s.markers:
                out.append(f'<path d="{d}" fill="{s.colour}" stroke="#ffffff" stroke-width="1"><title>{name}, '
                           f'{escape(point.label)}</title></path>')
        out.append("\n</svg>")
        return "".join(out)


def _f(value: float) -> str:
    """A coordinate with one decimal place, as the SVG has always been written."""
    return f"{value:.1f}"


@dataclass(frozen=True)
class Thresholds:
    """What a chart of this instrument shows: lines at fixed values, a band of change around the first score."""

    lines: tuple[tuple[float, str], ...] = ()
    change: float | None = None
    change_label: str = ""
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = field(default_factory=tuple)


def thresholds_for(instrument: Instrument) -> Thresholds:
    """The engine's published thresholds as chart lines, a change band and notes (each with its source)."""
    lines: list[tuple[float, str]] = []
    change: float | None = None
    change_label = ""
    notes: list[str] = []
    sources: list[str] = []
    by_kind = {t.kind: t for t in instrument.thresholds}
    for t in instrument.thresholds:
        if t.kind == "caseness":
            lines.append((t.value, f"Clinical threshold ({t.value:g}): {t.description}"))
            sources.append(t.source)
        elif t.kind == "reliable_change":
            change, change_label = t.value, f"Reliable change: {t.value:g} points either way from the first score"
            sources.append(t.source)
        elif t.kind == "statistically_important_change_2_77_sem":
            change = t.value
            change_label = f"Statistically important change: {t.value:g} points either way from the first score"
            sources.append(t.source)
    if change is None and "standard_error_of_measurement_high" in by_kind:
        sem = by_kind["standard_error_of_measurement_high"]
        change = round(2.77 * sem.value, 1)
        change_label = (f"Statistically important change: {change:g} points either way from the first score "
                        f"(2.77 x the highest published standard error of measurement, {sem.value:g})")
        sources.append(sem.source)
    if "target_difference" in by_kind:
        t = by_kind["target_difference"]
        notes.append(f"There is no published reliable-change threshold for individuals. For reference: {t.value:g} "
                     f"is the {t.description}.")
        sources.append(t.source)
    if not instrument.thresholds:
        notes.append("No published threshold is recorded for this measure.")
    return Thresholds(lines=tuple(lines), change=change, change_label=change_label, notes=tuple(notes),
                      sources=tuple(dict.fromkeys(sources)))


def _nice_step(span: float, target: int = 5) -> float:
    raw = span / max(target, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def format_number(value: float, places: int = 2) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{places}f}".rstrip("0").rstrip(".")


def month_label(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}"


def line_chart(
    series: Sequence[tuple[str, Sequence[tuple[date, float]]]],
    *,
    y_range: tuple[float, float] | None = None,
    lines: Sequence[tuple[float, str]] = (),
    band: tuple[float, float, str] | None = None,
    places: int = 2,
    width: int = 640,
    height: int = 260,
) -> Chart:
    """Coordinates for a line chart of dated values (one or more series) in a ``width`` x ``height`` box.

    ``y_range`` is the instrument's range when it has one (so charts of one measure compare); it widens to
    take in every value, line and the band. ``band`` is (centre, half-width, label).
    """
    values = [v for _, pts in series for _, v in pts]
    dates = [d for _, pts in series for d, _ in pts]
    if not values:
        raise ValueError("a chart needs at least one value")
    low, high = y_range if y_range else (min(values), max(values))
    # A band is clipped to a fixed range (a PHQ-9 chart stays 0-27); without one the range takes it in.
    extra = values + [v for v, _ in lines] + ([band[0] - band[1], band[0] + band[1]] if band and not y_range else [])
    low, high = min(low, *extra), max(high, *extra)
    if high == low:
        low, high = low - 1, high + 1
    step = _nice_step(high - low, 6)
    if not y_range:
        low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    first, last = min(dates), max(dates)
    if first == last:
        first, last = first - timedelta(days=15), last + timedelta(days=15)
    left, right, top, bottom = 56.0, width - 16.0, 16.0, height - 40.0
    days = (last - first).days

    def x_of(day: date) -> float:
        return left + (right - left) * (day - first).days / days

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * (value - low) / (high - low)

    out_series = tuple(
        ChartSeries(name=name, index=n, points=tuple(
            ChartPoint(x=x_of(d), y=y_of(v), on=d, value=v,
                       label=f"{d.day} {month_label(d)}: {format_number(v, places)}")
            for d, v in sorted(pts)))
        for n, (name, pts) in enumerate(series)
    )
    y_ticks = []
    value = math.ceil(low / step - 1e-9) * step
    while value <= high + step / 1000:
        y_ticks.append(Tick(position=y_of(value), label=format_number(round(value, 6), places)))
        value += step
    x_ticks = []
    month = date(first.year, first.month, 1)
    months = []
    while month <= last:
        if month >= first:
            months.append(month)
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    every = max(1, math.ceil(len(months) / 6))
    for m in months[::every]:
        x_ticks.append(Tick(position=x_of(m), label=month_label(m)))
    chart_lines = tuple(Line(y=y_of(v), value=v, label=label) for v, label in lines)
    chart_band = None
    if band:
        centre, half, label = band
        chart_band = Band(y_top=y_of(min(centre + half, high)), y_bottom=y_of(max(centre - half, low)), label=label)
    return Chart(width=width, height=height, left=left, top=top, right=right, bottom=bottom, series=out_series,
                 x_ticks=tuple(x_ticks), y_ticks=tuple(y_ticks), lines=chart_lines, band=chart_band)
