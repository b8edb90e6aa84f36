"""Turning stored monthly figures into published tables: one area and its children, protected together.

The dashboard shows one area at a time (England, an ICS, a PCN or a practice) with a table of its
children (ICSs, PCNs or practices). Everything that view shows - the area's tiles and monthly series,
the children's period totals, the equity breakdowns - comes from one *level*: the area and its
children, every measure, every month of the period and the period total, protected as one system of
equations (:func:`partners.common.disclosure.protect`):

- children add up to the area, for every measure and column;
- months add up to the period total, for every flow and every area;
- statuses add up to the register, contact modes to contacts, kinds of safety event to all of them;
- categories of each equity breakdown add up to the whole, and the minority ethnic groups to their
  combined row.

Levels are protected from the top down: the area's own cells keep the status they were given when it
was a child in the level above (``fixed``), so a figure looks the same whichever view shows it and no
view undoes another's suppression. Pure Python.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

from partners.common import disclosure
from partners.common.disclosure import SUPPRESSED, Equation, Policy
from partners.dashboards.core import measures as M

TOTAL = "total"
ALL = "all"
REACHED = "reached"
ENGAGED_IN_PERIOD = "engaged_in_period"

Cell = tuple[str, str, str]  # (area key, measure, column)
Shown = int | str | None


@dataclass
class Area:
    """One area's stored figures: ``monthly["2026-01"] = {measure: value}``; ``snapshot`` as at the refresh."""

    key: str
    label: str
    kind: str
    monthly: Mapping[str, Mapping[str, float]]
    snapshot: Mapping[str, float] = field(default_factory=dict)

    def value(self, month: str, measure: str) -> float:
        return self.monthly.get(month, {}).get(measure, 0)


@dataclass
class Level:
    area: Area
    children: list[Area]
    months: list[str]
    current: str
    instruments: list[str]
    published: dict[Hashable, int | str]
    policy: Policy
    _true: dict[Hashable, int] = field(repr=False, default_factory=dict)

    # -- reading published cells ------------------------------------------------------------------
    def shown(self, area_key: str, measure: str, column: str) -> Shown:
        return self.published.get((area_key, measure, column))

    def period(self, area_key: str, measure: str) -> Shown:
        """A flow over the period, or a stock at its end."""
        column = TOTAL if measure in M.FLOWS or measure.startswith(M.OUTCOME_N) else self.months[-1]
        return self.shown(area_key, measure, column)

    def series(self, area_key: str, measure: str) -> list[tuple[str, Shown]]:
        return [(m, self.shown(area_key, measure, m)) for m in self.months]

    def is_suppressed(self, cell: Cell) -> bool:
        return self.published.get(cell) == SUPPRESSED

    def fixed_for(self, area_key: str) -> dict[Hashable, bool]:
        """The statuses this level gave ``area_key``'s cells: the ``fixed`` of the level below it."""
        return {k: v == SUPPRESSED for k, v in self.published.items() if k[0] == area_key}  # type: ignore[index]

    # -- statistics (means), suppressed when they rest on 1-7 people --------------------------------
    def _sum(self, area: Area, measure: str) -> float:
        return sum(area.value(m, measure) for m in self.months)

    def mean(self, area_key: str, n_measure: str, sum_measure: str) -> tuple[float | str | None, Shown]:
        area = self._area(area_key)
        n = int(self._sum(area, n_measure))
        total = self._sum(area, sum_measure)
        mean = round(total / n, 2) if n else None
        return disclosure.statistic(mean, n, self.policy), self.period(area_key, n_measure)

    def outcome_change(self, area_key: str, instrument: str) -> tuple[float | str | None, Shown]:
        return self.mean(area_key, M.OUTCOME_N + instrument, M.OUTCOME_SUM + instrument)

    def goal_progress(self, area_key: str) -> tuple[float | str | None, Shown]:
        return self.mean(area_key, "goal_progress_n", M.GOAL_PROGRESS_SUM)

    def availability(self, area_key: str) -> float | None:
        """Share (%) of practice-days with a Care Partner in post and not absent (practices in the programme)."""
        area = self._area(area_key)
        days = self._sum(area, M.CP_DAYS)
        return round(100.0 * self._sum(area, M.CP_DAYS_AVAILABLE) / days, 1) if days else None

    def _area(self, area_key: str) -> Area:
        if area_key == self.area.key:
            return self.area
        for child in self.children:
            if child.key == area_key:
                return child
        raise KeyError(area_key)


def build_cells(area: Area, children: Sequence[Area], months: Sequence[str], current: str,
                instruments: Sequence[str]) -> tuple[dict[Hashable, int], list[Equation]]:
    """Every cell of a level with its true value, and the equations that tie them together."""
    units = [area, *children]
    values: dict[Hashable, int] = {}
    equations: list[Equation] = []
    stock_columns = list(months) if current in months else [*months, current]
    flows = [*M.FLOWS, *(M.OUTCOME_N + i for i in instruments)]
    shared: list[tuple[str, str]] = []  # (measure, column) of every cell each unit has
    equity = [(REACHED, M.EQ_OPEN_START, M.EQ_REFERRED), (ENGAGED_IN_PERIOD, M.EQ_ENGAGED_START, M.EQ_STARTED)]
    for n, unit in enumerate(units):
        k = unit.key
        rows = [unit.monthly.get(m, {}) for m in months]
        stock_rows = [unit.monthly.get(m, {}) for m in stock_columns]
        cells: list[tuple[str, str, int]] = []
        for f in flows:
            series = [int(row.get(f, 0)) for row in rows]
            cells += [(f, m, v) for m, v in zip(months, series, strict=True)]
            cells.append((f, TOTAL, sum(series)))
            equations.append(Equation((k, f, TOTAL), tuple((k, f, m) for m in months)))
        for s in M.STOCKS:
            cells += [(s, m, int(row.get(s, 0))) for m, row in zip(stock_columns, stock_rows, strict=True)]
        for total, parts in M.PARTITIONS:
            columns = [*months, TOTAL] if total in M.FLOWS else stock_columns
            equations += [Equation((k, total, c), tuple((k, p, c) for p in parts)) for c in columns]
        # equity over the period (reach and engagement), from monthly rows; the register as at the refresh
        during_sums: dict[str, float] = {}
        for row in rows:
            for name, v in row.items():
                if name.startswith(("eq_referred|", "eq_started|")):
                    during_sums[name] = during_sums.get(name, 0) + v
        first = rows[0]
        for measure, start, during in equity:
            for dim, _, cats in M.DIMENSIONS:
                name = f"{measure}|{dim}"
                for cat in cats:
                    cells.append((name, cat, int(first.get(f"{start}|{dim}|{cat}", 0)
                                                 + during_sums.get(f"{during}|{dim}|{cat}", 0))))
        for measure, part in (("on_register", M.REG), ("in_gap", M.GAPREG)):
            for dim, _, cats in M.DIMENSIONS:
                cells += [(f"{measure}|{dim}", cat, int(unit.snapshot.get(f"{part}|{dim}|{cat}", 0))) for cat in cats]
                equations.append(Equation((k, measure, current), tuple((k, f"{measure}|{dim}", c) for c in cats)))
        for name, column, v in cells:
            values[(k, name, column)] = v
        for measure, _, _ in equity:
            by_dim = [sum(values[(k, f"{measure}|{dim}", c)] for c in cats) for dim, _, cats in M.DIMENSIONS]
            values[(k, measure, ALL)] = by_dim[0]
            cells.append((measure, ALL, by_dim[0]))
            for dim, _, cats in M.DIMENSIONS:
                equations.append(Equation((k, measure, ALL), tuple((k, f"{measure}|{dim}", c) for c in cats)))
        for measure in (REACHED, ENGAGED_IN_PERIOD, "on_register", "in_gap"):
            name = f"{measure}|ethnicity"
            values[(k, name, M.MINORITY)] = sum(values[(k, name, g)] for g in M.MINORITY_PARTS)
            cells.append((name, M.MINORITY, 0))
            equations.append(Equation((k, name, M.MINORITY), tuple((k, name, g) for g in M.MINORITY_PARTS)))
        if n == 0:
            shared = [(name, column) for name, column, _ in cells]
    if children:
        keys = [ch.key for ch in children]
        equations += [Equation((area.key, name, c), tuple((ck, name, c) for ck in keys)) for name, c in shared]
    return values, equations


def build_level(area: Area, children: Sequence[Area], months: Sequence[str], current: str,
                policy: Policy | None = None, *, fixed: Mapping[Hashable, bool] | None = None,
                instruments: Sequence[str] | None = None) -> Level:
    """Protect the level (see the module doc); ``fixed`` comes from :meth:`Level.fixed_for` of the level above."""
    policy = policy or Policy()
    if not months:
        raise ValueError("a period needs at least one month")
    if instruments is None:
        found = {name.removeprefix(M.OUTCOME_N) for unit in (area, *children) for row in unit.monthly.values()
                 for name in row if name.startswith(M.OUTCOME_N)}
        instruments = sorted(found)
    values, equations = build_cells(area, children, months, current, instruments)
    protected = disclosure.protect(values, equations, policy, fixed=fixed)
    return Level(area=area, children=list(children), months=list(months), current=current,
                 instruments=list(instruments), published=protected.published, policy=policy, _true=values)
