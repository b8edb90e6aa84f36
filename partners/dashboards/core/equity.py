"""Equity: who is reached and engaged, against who is on the register. Pure Python.

For each category of a breakdown (ethnic group, sex, age band, deprivation decile) the view compares
the category's share of the people reached (or engaged) with its share of the register. The
*representation ratio* is the first share divided by the second: 1 means in proportion, below the
threshold (default 0.8, ``PARTNERS_EQUITY_UNDER_RATIO``) the group is tagged *under-represented*. The
PARTNERS2 trial recruited 4% Black and 2.5% Asian participants against far larger shares of the SMI
population; this view exists so that such a gap shows at a glance.

Shares and ratios are computed from the published (rounded) counts, never from the true ones, so they
reveal nothing the published counts do not; where a count is suppressed, so is everything made from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from partners.common.disclosure import SUPPRESSED, published_percentage
from partners.dashboards.core import measures as M
from partners.dashboards.core.publication import ALL, ENGAGED_IN_PERIOD, REACHED, Level, Shown

UNDER = "under"
OVER = "over"
IN_PROPORTION = "in_proportion"
TOO_FEW = "too_few"
TAG_TEXT = {UNDER: "Under-represented", OVER: "Over-represented", IN_PROPORTION: "In proportion",
            TOO_FEW: "Too few to compare"}
TAG_COLOUR = {UNDER: "red", OVER: "blue", IN_PROPORTION: "green", TOO_FEW: "grey"}


@dataclass(frozen=True)
class Thresholds:
    under: float = 0.8
    over: float = 1.25


@dataclass
class EquityRow:
    category: str
    label: str
    combined: bool
    register: Shown
    register_share: float | str | None
    in_gap: Shown
    reached: Shown
    reached_share: float | str | None
    reach_ratio: float | None
    reach_tag: str
    engaged: Shown
    engaged_share: float | str | None
    engaged_ratio: float | None
    engaged_tag: str

    @property
    def reach_tag_text(self) -> str:
        return TAG_TEXT[self.reach_tag]

    @property
    def engaged_tag_text(self) -> str:
        return TAG_TEXT[self.engaged_tag]

    @property
    def reach_tag_colour(self) -> str:
        return TAG_COLOUR[self.reach_tag]

    @property
    def engaged_tag_colour(self) -> str:
        return TAG_COLOUR[self.engaged_tag]


def ratio(share: float | str | None, base: float | str | None) -> float | None:
    if not isinstance(share, float | int) or not isinstance(base, float | int) or not base:
        return None
    return round(float(share) / float(base), 2)


def tag(value: float | None, thresholds: Thresholds) -> str:
    if value is None:
        return TOO_FEW
    if value < thresholds.under:
        return UNDER
    if value > thresholds.over:
        return OVER
    return IN_PROPORTION


def categories(dimension: str) -> list[tuple[str, str, bool]]:
    """(category, label, is the combined minority row) in display order."""
    cats = next(c for d, _, c in M.DIMENSIONS if d == dimension)
    rows = [(c, M.category_label(dimension, c), False) for c in cats]
    if dimension == "ethnicity":
        rows.insert(1, (M.MINORITY, M.MINORITY, True))
    return rows


def equity_rows(level: Level, area_key: str, dimension: str, thresholds: Thresholds | None = None) -> list[EquityRow]:
    thresholds = thresholds or Thresholds()
    current = level.current
    register_all = level.shown(area_key, "on_register", current)
    reached_all = level.shown(area_key, REACHED, ALL)
    engaged_all = level.shown(area_key, ENGAGED_IN_PERIOD, ALL)
    rows = []
    for category, label, combined in categories(dimension):
        register = level.shown(area_key, f"on_register|{dimension}", category)
        reached = level.shown(area_key, f"{REACHED}|{dimension}", category)
        engaged = level.shown(area_key, f"{ENGAGED_IN_PERIOD}|{dimension}", category)
        register_share = published_percentage(register, register_all)
        reached_share = published_percentage(reached, reached_all)
        engaged_share = published_percentage(engaged, engaged_all)
        reach_ratio = ratio(reached_share, register_share)
        engaged_ratio = ratio(engaged_share, register_share)
        rows.append(EquityRow(
            category=category, label=label, combined=combined, register=register, register_share=register_share,
            in_gap=level.shown(area_key, f"in_gap|{dimension}", category),
            reached=reached, reached_share=reached_share, reach_ratio=reach_ratio,
            reach_tag=tag(reach_ratio, thresholds) if register not in (0, None) else TOO_FEW,
            engaged=engaged, engaged_share=engaged_share, engaged_ratio=engaged_ratio,
            engaged_tag=tag(engaged_ratio, thresholds) if register not in (0, None) else TOO_FEW,
        ))
    return rows


def under_represented(rows: list[EquityRow]) -> list[EquityRow]:
    """Rows tagged under-represented on reach or engagement (known categories only)."""
    unknown = {"Not stated", M.NOT_KNOWN, "unknown"}
    return [r for r in rows if r.category not in unknown and UNDER in (r.reach_tag, r.engaged_tag)]


def is_suppressed(value: object) -> bool:
    return value == SUPPRESSED
