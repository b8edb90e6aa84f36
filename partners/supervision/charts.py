"""Geometry for small inline SVG charts (no script, no inline style: the CSP allows neither).

Templates draw the shapes; colours come from classes in ``supervision/charts.css``. Every chart is
shown next to a table of the same numbers, and its SVG has a title and a description.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Bar:
    label: str
    value: float | None
    text: str
    x: float
    y: float
    width: float
    height: float
    below: bool = False
    label_y: float = 0.0
    label_x: float = 0.0
    text_x: float = 0.0


@dataclass
class HorizontalBars:
    width: int
    height: int
    plot_left: int
    plot_width: int
    bars: list[Bar]
    threshold_x: float | None
    ticks: list[tuple[float, str]] = field(default_factory=list)

    @property
    def axis_y(self) -> int:
        return self.height - 14


def share_bars(items: list[tuple[str, float | None]], *, threshold: float | None = 0.7, width: int = 640,
               row: int = 28, plot_left: int = 220) -> HorizontalBars:
    """One horizontal bar per item for a share in [0, 1], with a threshold line."""
    plot_width = width - plot_left - 50
    bars = []
    for i, (label, value) in enumerate(items):
        y = 10 + i * row
        w = (value or 0) * plot_width
        text = "no data" if value is None else f"{value:.0%}"
        bars.append(Bar(label[:34], value, text, plot_left, y, round(w, 1), row - 8,
                        below=value is not None and threshold is not None and value < threshold,
                        label_y=y + (row - 8) / 2 + 4, label_x=plot_left - 8, text_x=round(plot_left + w + 4, 1)))
    height = 10 + len(items) * row + 24
    ticks = [(plot_left + t * plot_width, f"{t:.0%}") for t in (0, 0.25, 0.5, 0.75, 1)]
    return HorizontalBars(width, height, plot_left, plot_width, bars,
                          plot_left + threshold * plot_width if threshold is not None else None, ticks)


@dataclass
class Column:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: int


@dataclass
class ColumnGroup:
    label: str
    label_x: float
    columns: list[Column]


@dataclass
class GroupedColumns:
    width: int
    height: int
    base_y: int
    groups: list[ColumnGroup]
    maximum: int
    ticks: list[tuple[float, str]]


def grouped_columns(groups: list[tuple[str, list[int]]], *, width: int = 640, height: int = 220,
                    left: int = 40) -> GroupedColumns:
    """Columns of counts grouped by period (e.g. per month: contacts of 10+ minutes, with goals)."""
    base_y = height - 30
    top = 10
    maximum = max([v for _, values in groups for v in values] + [1])
    n = max(len(groups), 1)
    slot = (width - left - 10) / n
    series = max((len(values) for _, values in groups), default=1)
    col_w = max(2.0, (slot - 6) / max(series, 1))
    out = []
    for i, (label, values) in enumerate(groups):
        x0 = left + i * slot + 3
        columns = []
        for s, v in enumerate(values):
            h = (base_y - top) * v / maximum
            columns.append(Column(round(x0 + s * col_w, 1), round(base_y - h, 1), round(col_w - 1, 1), round(h, 1),
                                  v, s))
        out.append(ColumnGroup(label, round(x0 + (slot - 6) / 2, 1), columns))
    ticks = [(base_y - (base_y - top) * f, str(round(maximum * f))) for f in (0, 0.5, 1)]
    return GroupedColumns(width, height, base_y, out, maximum, ticks)
