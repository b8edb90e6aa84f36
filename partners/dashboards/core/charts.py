"""Accessible, server-rendered SVG charts (no JavaScript, no inline styles: CSP-clean).

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that says in words what it
shows; the page puts the same figures in a table beside it (the "Table" tab), which is the accessible
alternative. Colours come from CSS classes (``partners-chart__series--N``) chosen for at least 3:1
contrast against white, and series are also told apart by the legend order and, for lines, by dash
patterns and markers. Suppressed values (``*``) are drawn as gaps and labelled ``*``. Pure Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

Value = int | float | str | None

WIDTH = 720
HEIGHT = 320
LEFT = 56
RIGHT = 28
TOP = 16
BOTTOM = 80
SERIES_CLASSES = 6


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Value]


def _numeric(value: Value) -> float | None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    return float(value)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 10.0
    magnitude = 10 ** len(str(int(value))) / 10
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= value:
            return float(top)
    return float(value)


def _nice_range(values: Sequence[float]) -> tuple[float, float]:
    """Axis bounds that include 0 and every value (negative values too, e.g. a mean change)."""
    hi = _nice_max(max([*values, 0.0]))
    low = min([*values, 0.0])
    lo = -_nice_max(-low) if low < 0 else 0.0
    if low < 0 and max(values, default=0) <= 0:
        hi = 0.0 if lo else 10.0
    return lo, hi


def _wrap(text: str, width: int, max_lines: int = 3) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if len(candidate) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(1, width - 1)] + "…"
    return lines


def _tick_label(x: float, y: float, text: str, width_px: float) -> str:
    lines = _wrap(text, max(4, int(width_px / 7)))
    spans = "".join(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 14}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return f'<text class="partners-chart__tick" x="{x:.1f}" y="{y}" text-anchor="middle">{spans}</text>'


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _label(value: Value, unit: str = "") -> str:
    if value is None:
        return "no data"
    if isinstance(value, str):
        return value
    return f"{_fmt(float(value))}{unit}"


def _open(chart_id: str, title: str, desc: str, height: int = HEIGHT) -> list[str]:
    return [
        f'<svg class="partners-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _axis(lo: float, hi: float, plot_h: int, unit: str) -> list[str]:
    out = []
    for i in range(5):
        v = lo + (hi - lo) * i / 4
        y = TOP + plot_h - plot_h * i / 4
        out.append(f'<line class="partners-chart__grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="partners-chart__tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                   f'{escape(_fmt(v))}{escape(unit)}</text>')
    return out


def _legend(series: Sequence[Series], y: int, markers: bool = False) -> list[str]:
    out = []
    x = LEFT
    for i, s in enumerate(series):
        cls = f"partners-chart__series--{i % SERIES_CLASSES}"
        if markers:
            out.append(f'<line class="partners-chart__line {cls} partners-chart__dash--{i % 3}" '
                       f'x1="{x}" x2="{x + 22}" y1="{y - 4}" y2="{y - 4}"/>')
        else:
            out.append(f'<rect class="partners-chart__bar {cls}" x="{x}" y="{y - 11}" width="14" height="14"/>')
        label = escape(s.name)
        out.append(f'<text class="partners-chart__legend" x="{x + 28}" y="{y}">{label}</text>')
        x += 44 + int(len(s.name) * 8)
    return out


def _summary(categories: Sequence[str], series: Sequence[Series], unit: str) -> str:
    parts = []
    for s in series:
        shown = ", ".join(f"{c}: {_label(v, unit)}" for c, v in zip(categories, s.values, strict=True))
        parts.append(f"{s.name} - {shown}.")
    return " ".join(parts)


def line_chart(chart_id: str, title: str, categories: Sequence[str], series: Sequence[Series], *,
               unit: str = "", description: str = "") -> str:
    """Lines over time; suppressed or missing points break the line."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    numbers = [n for s in series for v in s.values if (n := _numeric(v)) is not None]
    lo, hi = _nice_range(numbers)
    desc = description or f"Line chart. {_summary(categories, series, unit)}"
    out = _open(chart_id, title, desc)
    out += _axis(lo, hi, plot_h, unit)
    n = max(len(categories), 1)
    step = plot_w / max(n - 1, 1)

    def x_at(i: int) -> float:
        return LEFT + (i * step if n > 1 else plot_w / 2)

    for i, cat in enumerate(categories):
        if n <= 13 or i % max(1, n // 12) == 0:
            out.append(_tick_label(x_at(i), HEIGHT - BOTTOM + 18, cat, max(step * 0.8, 30)))
    for si, s in enumerate(series):
        cls = f"partners-chart__series--{si % SERIES_CLASSES}"
        segments: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(s.values):
            num = _numeric(v)
            if num is None:
                if segments[-1]:
                    segments.append([])
                continue
            segments[-1].append((x_at(i), TOP + plot_h - plot_h * (num - lo) / (hi - lo)))
        for seg in segments:
            if len(seg) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
                out.append(f'<polyline class="partners-chart__line {cls} partners-chart__dash--{si % 3}" '
                           f'points="{points}"/>')
            for x, y in seg:
                out.append(f'<circle class="partners-chart__point {cls}" cx="{x:.1f}" cy="{y:.1f}" r="3.5"/>')
        for i, v in enumerate(s.values):
            if isinstance(v, str):
                out.append(f'<text class="partners-chart__star" x="{x_at(i):.1f}" y="{TOP + plot_h - 4}" '
                           f'text-anchor="middle">*</text>')
    out += _legend(series, HEIGHT - 10, markers=True)
    out.append("</svg>")
    return "\n".join(out)


def bar_chart(chart_id: str, title: str, categories: Sequence[str], series: Sequence[Series], *,
              unit: str = "", stacked: bool = False, description: str = "", value_labels: bool = True) -> str:
    """Vertical bars, grouped (or stacked) by category; each bar labelled with its value (or ``*``)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    if stacked:
        totals = [sum(n for s in series if (n := _numeric(s.values[i])) is not None) for i in range(len(categories))]
        lo, hi = _nice_range(totals)
    else:
        lo, hi = _nice_range([n for s in series for v in s.values if (n := _numeric(v)) is not None])
    desc = description or f"Bar chart. {_summary(categories, series, unit)}"
    out = _open(chart_id, title, desc)
    out += _axis(lo, hi, plot_h, unit)
    n = max(len(categories), 1)
    band = plot_w / n
    groups = 1 if stacked else max(len(series), 1)
    bar_w = max(2.0, min(48.0, band * 0.8 / groups))

    def y_of(v: float) -> float:
        return TOP + plot_h - plot_h * (v - lo) / (hi - lo)

    zero = y_of(0.0)
    for i, cat in enumerate(categories):
        x0 = LEFT + band * i + (band - bar_w * groups) / 2
        base = zero
        if n <= 13 or i % max(1, n // 12) == 0:
            out.append(_tick_label(LEFT + band * (i + 0.5), HEIGHT - BOTTOM + 18, cat, band))
        for si, s in enumerate(series):
            cls = f"partners-chart__series--{si % SERIES_CLASSES}"
            v = s.values[i]
            num = _numeric(v)
            x = x0 if stacked else x0 + si * bar_w
            if num is None:
                if isinstance(v, str) and not stacked:
                    out.append(f'<text class="partners-chart__star" x="{x + bar_w / 2:.1f}" y="{zero - 4:.1f}" '
                               f'text-anchor="middle">*</text>')
                continue
            if stacked:
                top_y = y_of(num) - (zero - base)
                y, h = top_y, base - top_y
                base = top_y
            else:
                y, h = min(zero, y_of(num)), abs(y_of(num) - zero)
            out.append(f'<rect class="partners-chart__bar {cls}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                       f'height="{h:.1f}"/>')
            if value_labels and not stacked and bar_w >= 18:
                label_y = y - 4 if num >= 0 else y + h + 14
                out.append(f'<text class="partners-chart__value" x="{x + bar_w / 2:.1f}" y="{label_y:.1f}" '
                           f'text-anchor="middle">{escape(_label(v, unit))}</text>')
    out += _legend(series, HEIGHT - 10)
    out.append("</svg>")
    return "\n".join(out)


def paired_bars(chart_id: str, title: str, categories: Sequence[str], first: Series, second: Series, *,
                unit: str = "%", description: str = "") -> str:
    """Horizontal pairs (e.g. share of the register beside share of people engaged) for each category."""
    row_h = 34
    height = TOP + row_h * len(categories) + 48
    label_w = 230
    plot_w = WIDTH - label_w - RIGHT - 40
    numbers = [n for s in (first, second) for v in s.values if (n := _numeric(v)) is not None]
    top = _nice_max(max(numbers, default=0))
    desc = description or f"Bar chart. {_summary(categories, [first, second], unit)}"
    out = _open(chart_id, title, desc, height)
    for i, cat in enumerate(categories):
        y = TOP + i * row_h
        label = cat if len(cat) <= 34 else cat[:33] + "…"
        out.append(f'<text class="partners-chart__tick" x="{label_w - 8}" y="{y + 20}" text-anchor="end">'
                   f'{escape(label)}</text>')
        for si, s in enumerate((first, second)):
            v = s.values[i]
            num = _numeric(v)
            by = y + 4 + si * 13
            cls = f"partners-chart__series--{si}"
            if num is None:
                out.append(f'<text class="partners-chart__value" x="{label_w + 4}" y="{by + 10}">'
                           f'{escape(_label(v, unit))}</text>')
                continue
            w = plot_w * num / top
            out.append(f'<rect class="partners-chart__bar {cls}" x="{label_w}" y="{by}" width="{w:.1f}" height="11"/>')
            out.append(f'<text class="partners-chart__value" x="{label_w + w + 4:.1f}" y="{by + 10}">'
                       f'{escape(_label(v, unit))}</text>')
    out += _legend([first, second], height - 12)
    out.append("</svg>")
    return "\n".join(out)


def sparkline(values: Sequence[Value], *, width: int = 120, height: int = 28) -> str:
    """A small decorative trend line for a tile (hidden from screen readers: the tile says the trend in words)."""
    numbers = [_numeric(v) for v in values]
    present = [n for n in numbers if n is not None]
    if len(present) < 2:
        return ""
    lo, hi = min(present), max(present)
    span = (hi - lo) or 1.0
    step = width / max(len(numbers) - 1, 1)
    segments: list[list[str]] = [[]]
    for i, n in enumerate(numbers):
        if n is None:
            segments.append([])
            continue
        segments[-1].append(f"{i * step:.1f},{height - 3 - (height - 6) * (n - lo) / span:.1f}")
    lines = "".join(f'<polyline class="partners-spark__line" points="{" ".join(s)}"/>' for s in segments if len(s) > 1)
    return (f'<svg class="partners-spark" viewBox="0 0 {width} {height}" aria-hidden="true" focusable="false" '
            f'xmlns="http://www.w3.org/2000/svg">{lines}</svg>')
