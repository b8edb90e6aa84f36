"""Numbers formatted as the PARTNERS2 paper prints them.

- minus signs are U+2212 MINUS SIGN; ranges and intervals use U+2013 EN DASH (``[2.18<en dash>6.36]``,
  ``(0.09<en dash>0.40)``) unless a bound is negative, when they use ``to`` (``[<minus>1.85 to 3.32]``);
- counts ``n/N (%)`` with one decimal for the percentage (``8/20 (40.0%)``; ``0 (0.0%)``);
- means and s.d. to 2 decimals when the s.d. is below 1, otherwise 1 (MANSA ``4.29 (0.88)``, TUS ``33.9
  (24.3)``); ranges of integer-valued measures without decimals (``[14<en dash>70]``);
- effects to the measure's decimals, or one significant figure when that would print zero (``<minus>0.004``);
- P values to 3 decimals, ``P < 0.001`` below that;
- ICCs to 2 decimals, or 1 significant figure when smaller than 0.01 (``0.007``), bounds of 0 and 1 as ``0``
  and ``1`` (``(0<en dash>1)``).
"""

from __future__ import annotations

import math
from typing import Any

MINUS = "\u2212"
EN_DASH = "\u2013"
DASH = "\u2013"  # an empty cell in the paper's tables


def signed(text: str) -> str:
    return text.replace("-", MINUS)


def number(value: float | None, decimals: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    text = f"{value:.{decimals}f}"
    if float(text) == 0:
        text = f"{0.0:.{decimals}f}"  # never a negative zero
    return signed(text)


def effect_number(value: float | None, decimals: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    if value != 0 and abs(value) < 0.5 * 10 ** (-decimals):
        digits = -math.floor(math.log10(abs(value)))
        return signed(f"{value:.{digits}f}")
    return number(value, decimals)


def decimals_for(sd: float | None) -> int:
    if sd is None or math.isnan(sd):
        return 2
    if sd < 1:
        return 2
    if sd < 100:
        return 1
    return 0


def interval(lo: float | None, hi: float | None, decimals: int, brackets: str = "()",
             effect: bool = False) -> str:
    fmt = effect_number if effect else number
    if lo is None or hi is None:
        return DASH
    sep = " to " if (lo < 0 or hi < 0) else EN_DASH
    return f"{brackets[0]}{fmt(lo, decimals)}{sep}{fmt(hi, decimals)}{brackets[1]}"


def p_value(p: float | None) -> str:
    if p is None or math.isnan(p):
        return DASH
    if p < 0.001:
        return "P < 0.001"
    return f"P = {p:.3f}"


def icc_number(value: float | None) -> str:
    if value is None or math.isnan(value):
        return DASH
    if value <= 0:
        return "0"
    if value >= 1:
        return "1"
    if value < 0.01:
        digits = -math.floor(math.log10(value))
        return f"{value:.{digits}f}"
    return f"{value:.2f}"


def icc_with_ci(value: float | None, ci: list[float] | tuple[float, float] | None) -> list[str]:
    if value is None:
        return [DASH]
    lines = [icc_number(value)]
    if ci is not None:
        lines.append(f"({icc_number(ci[0])}{EN_DASH}{icc_number(ci[1])})")
    return lines


def count_pct(k: int, n: int) -> str:
    if n == 0:
        return DASH
    pct = 100.0 * k / n
    if k == 0:
        return "0 (0.0%)"
    return f"{k}/{n} ({pct:.1f}%)"


def mean_sd(stats: dict[str, Any], decimals: int) -> str:
    if not stats or not stats.get("n"):
        return DASH
    sd = stats.get("sd")
    sd_text = number(sd, decimals) if sd is not None else DASH
    return f"{number(stats['mean'], decimals)} ({sd_text})"


def value_range(stats: dict[str, Any], decimals: int) -> str:
    if not stats or not stats.get("n"):
        return ""
    dec = 0 if stats.get("integer_valued") else decimals
    return interval(stats["min"], stats["max"], dec, brackets="[]")


def median_iqr(stats: dict[str, Any], decimals: int) -> list[str]:
    if not stats or not stats.get("n"):
        return [DASH]
    dec = 0 if stats.get("integer_valued") else decimals

    def short(v: float) -> str:
        text = number(v, dec)
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text

    lo, hi = stats["q1"], stats["q3"]
    sep = " to " if (lo < 0 or hi < 0) else EN_DASH
    return [f"Median: {short(stats['median'])}", f"IQR: [{short(lo)}{sep}{short(hi)}]"]


def summary_cell(stats: dict[str, Any], decimals: int, *, show_n: bool = True, median: bool = False) -> list[str]:
    """``n = 116`` / ``4.29 (0.88)`` / the range (or the median and IQR)."""
    if not stats or not stats.get("n"):
        return ["n = 0"] if show_n else [DASH]
    lines = [f"n = {stats['n']}"] if show_n else []
    if median:
        return lines + median_iqr(stats, decimals)
    lines.append(mean_sd(stats, decimals))
    rng = value_range(stats, decimals)
    if rng:
        lines.append(rng)
    return lines


def effect_cell(model: dict[str, Any] | None, decimals: int, note: str = "") -> list[str]:
    """The effect / its CI / ``P = 0.762``."""
    if not model or model.get("available") is False or model.get("effect") is None:
        reason = (model or {}).get("reason")
        return ["Not estimable" if reason else DASH]
    ci = model.get("ci") or [None, None]
    return [effect_number(model["effect"], decimals) + note, interval(ci[0], ci[1], decimals, effect=True),
            p_value(model.get("p"))]
