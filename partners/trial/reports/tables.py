"""Tables 1-3 of the trial report as data (rendered to HTML, CSV and PDF by :mod:`.render`).

- :func:`table1` - cluster and participant characteristics by arm and overall, from the columns present:
  region and practice size (and any extra column constant within practices) as practice counts ``n/N (%)``;
  diagnosis group, care setting and every other extra column per participant: categories as ``n/N (%)``
  (``N`` = participants with a value), numbers as ``mean (s.d.) [range]`` or, for strongly skewed ones
  (|skewness| > 2) and the columns named in ``median_columns``, ``Median`` and ``IQR``.
- :func:`table2` - the primary outcome: baseline, follow-up and change by arm; partially and fully adjusted
  effects with CI and P; every sensitivity analysis, the period analyses, the CACE estimates and the subgroup
  interaction P values.
- :func:`table3` - secondary outcomes, with the crude ICC; "Not applicable" where no inferential analysis was
  done (and why, in a note).

Each cell is a list of lines, as the paper stacks ``n = 116`` / ``4.29 (0.88)`` / the range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from partners.trial.reports import formatting as fmt
from partners.trial.stats.dataset import CONTROL, INTERVENTION, TrialDataset

MEASURE_NAMES = {
    "mansa": "MANSA", "tus": "TUS (hours)", "wemwbs": "WEMWBS", "swemwbs": "SWEMWBS", "qpr15": "QPR-15",
    "qpr_15": "QPR-15", "icecap_a": "ICECAP-A", "eq_5d_5l": "EQ-5D-5L", "eq5d5l": "EQ-5D-5L",
    "brief_inspire": "Brief INSPIRE", "phq9": "PHQ-9", "gad7": "GAD-7",
}
TEXT_LABELS = {
    "region": "Region", "practice_size": "Practice size", "diagnosis_group": "Mental health diagnosis",
    "care_setting": "Mental healthcare provider (at baseline)", "period": "Follow-up period",
}
LEVEL_LABELS = {
    "bipolar": "Bipolar disorder", "schizophrenia": "Schizophrenia", "other_psychosis": "Other psychoses",
    "primary": "Primary care", "secondary": "Secondary care", "small": "Small", "large": "Large",
}
MAX_CATEGORIES = 20


def measure_name(key: str) -> str:
    return MEASURE_NAMES.get(key, key.replace("_", " ").upper())


def _label(text: str) -> str:
    return LEVEL_LABELS.get(text, text.replace("_", " ").capitalize() if text.islower() else text)


@dataclass
class Row:
    label: str
    cells: list[list[str]] = field(default_factory=list)
    section: bool = False


@dataclass
class Table:
    key: str
    caption: str
    groups: list[tuple[str, int]]  # top header row: (text, columns spanned); empty when there is one row
    columns: list[str]
    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    row_header: str = ""


# --------------------------------------------------------------------------------------------------------------
# Table 1


def _practice_values(ds: TrialDataset, values: Sequence[str | None]) -> dict[str, str | None] | None:
    """The practice-level value of a column, or None when it varies within a practice."""
    out: dict[str, str | None] = {}
    multi = 0
    seen: dict[str, int] = {}
    for prac, v in zip(ds.practice_id, values, strict=True):
        if v is None:
            continue
        if prac in out and out[prac] != v:
            return None
        out[prac] = v
        seen[prac] = seen.get(prac, 0) + 1
    multi = sum(1 for c in seen.values() if c >= 2)
    if multi < max(1, len(ds.practices()) // 2):
        return None
    return out


def _is_numeric(values: Sequence[str | None]) -> bool:
    present = [v for v in values if v is not None]
    if not present:
        return False
    try:
        for v in present:
            float(v)
    except ValueError:
        return False
    return True


def _stats(values: np.ndarray) -> dict[str, Any]:
    from partners.trial.stats.analysis import describe

    return describe(values)


def _skewed(values: np.ndarray) -> bool:
    v = values[~np.isnan(values)]
    if v.size < 3 or v.std() == 0:
        return False
    g1 = float(((v - v.mean()) ** 3).mean() / v.std() ** 3)
    return abs(g1) > 2


def table1(ds: TrialDataset, median_columns: Sequence[str] = ()) -> Table:
    arms = {INTERVENTION: ds.intervention, CONTROL: ~ds.intervention}
    practices = {a: ds.practices(a) for a in arms}
    n_all = len(ds)
    columns = [
        f"Intervention ({len(practices[INTERVENTION])} practices; n = {int(arms[INTERVENTION].sum())})",
        f"Control ({len(practices[CONTROL])} practices; n = {int(arms[CONTROL].sum())})",
        f"Overall ({len(ds.practices())} practices; N = {n_all})",
    ]
    rows: list[Row] = []
    text_cols: dict[str, list[str | None]] = {**ds.text, **ds.extra}
    cluster_cols: list[str] = []
    participant_cols: list[str] = []
    for col, values in text_cols.items():
        if col == "period":
            continue
        if col in ("region", "practice_size") or (col in ds.extra and not _is_numeric(values)
                                                  and _practice_values(ds, values) is not None):
            cluster_cols.append(col)
        else:
            participant_cols.append(col)
    prac_arm = {p: a for p, a in zip(ds.practice_id, ds.arm, strict=True)}
    if cluster_cols:
        rows.append(Row("Cluster characteristics", section=True))
    for col in cluster_cols:
        pv = _practice_values(ds, text_cols[col]) or {}
        levels = sorted({v for v in pv.values() if v is not None})
        rows.append(Row(TEXT_LABELS.get(col, _label(col)), section=True))
        for level in levels:
            cells = []
            for arm in (INTERVENTION, CONTROL, None):
                pracs = [p for p in pv if arm is None or prac_arm[p] == arm]
                k = sum(1 for p in pracs if pv[p] == level)
                cells.append([fmt.count_pct(k, len(pracs))])
            rows.append(Row(_label(level), cells))
    rows.append(Row("Participant characteristics", section=True))
    for col in participant_cols:
        values = text_cols[col]
        label = TEXT_LABELS.get(col, _label(col))
        if _is_numeric(values):
            arr = np.array([np.nan if v is None else float(v) for v in values])
            med = col in median_columns or _skewed(arr)
            dec = fmt.decimals_for(_stats(arr)["sd"])
            cells = []
            missing_any = bool(np.isnan(arr).any())
            for arm in (INTERVENTION, CONTROL, None):
                sel = np.ones(n_all, dtype=bool) if arm is None else arms[arm]
                st = _stats(arr[sel])
                if med:
                    cells.append(fmt.summary_cell(st, dec, show_n=missing_any, median=True))
                else:
                    line = f"{fmt.mean_sd(st, dec)} {fmt.value_range(st, dec)}".strip()
                    cells.append(([f"n = {st['n']}"] if missing_any else []) + [line])
            rows.append(Row(label + (", median (IQR)" if med else ""), cells))
            continue
        levels = [v for v in dict.fromkeys(sorted(v for v in values if v is not None))]
        if not levels or len(levels) > MAX_CATEGORIES:
            continue
        rows.append(Row(label, section=True))
        for level in levels:
            cells = []
            for arm in (INTERVENTION, CONTROL, None):
                idx = range(n_all) if arm is None else np.flatnonzero(arms[arm])
                present = [values[i] for i in idx if values[i] is not None]
                cells.append([fmt.count_pct(sum(1 for v in present if v == level), len(present))])
            rows.append(Row(_label(level), cells))
    notes = ["Data are displayed as n/N (%), mean (s.d.) [range], or median and interquartile range (IQR). "
             "Cluster characteristics count practices; participant characteristics count participants with a "
             "recorded value."]
    return Table("table1", "Table 1 Cluster and participant characteristics at baseline", [], columns, rows, notes,
                 row_header="Characteristic")


# --------------------------------------------------------------------------------------------------------------
# Tables 2 and 3


def _measure_decimals(block: dict[str, Any]) -> int:
    d = block.get("descriptives", {})
    sds = [d.get(a, {}).get("baseline", {}).get("sd") for a in (INTERVENTION, CONTROL)]
    sds = [s for s in sds if s is not None]
    return fmt.decimals_for(float(np.mean(sds)) if sds else None)


def _descriptive_cells(block: dict[str, Any] | None, decimals: int, median: bool = False) -> list[list[str]]:
    if not block or "descriptives" not in block:
        return [[fmt.DASH]] * 6
    cells = []
    for arm in (INTERVENTION, CONTROL):
        d = block["descriptives"][arm]
        for part in ("baseline", "followup", "change"):
            cell = fmt.summary_cell(d[part], decimals, median=median)
            if median and part == "change" and len(cell) == 3:
                cell = [cell[0], cell[1], cell[2].replace("IQR: ", "")]
            cells.append(cell)
    return cells


def _arm_header(analysis: dict[str, Any]) -> list[tuple[str, int]]:
    rand = analysis.get("randomised", {})
    ni = rand.get(INTERVENTION, {}).get("participants", "?")
    nc = rand.get(CONTROL, {}).get("participants", "?")
    return [("", 1), (f"Intervention (n = {ni})", 3), (f"Control (n = {nc})", 3)]


EFFECT_COLUMNS = [
    "Partially adjusted^a treatment effect^b (intervention \u2212 control) (95% CI) P-value",
    "Fully adjusted^c treatment effect^b (intervention \u2212 control) (95% CI) P-value",
]
ARM_COLUMNS = ["Baseline", "Follow-up", "Change"] * 2


def _notes(name: str, analysis: dict[str, Any]) -> list[str]:
    inference = {"wald_z": "Wald z tests and intervals (as Stata's mixed)",
                 "satterthwaite_t": "t tests and intervals with Satterthwaite's degrees of freedom",
                 "between_within_t": "t tests and intervals with between-within degrees of freedom"}
    return [
        "Data are displayed as mean (s.d.) [range] unless otherwise specified. mITT, modified intention to treat "
        "(complete cases by allocated arm); ITT, intention to treat; CACE, complier-average causal effect.",
        f"a. Adjusted for baseline {name} and including random effects for general practice.",
        "b. Treatment effect is the between-group difference in the change between baseline and follow-up.",
        f"c. Adjusted for baseline {name}, the minimisation factors (practice size and region) and including "
        "random effects for general practice.",
        "Linear mixed models with a random intercept for practice fitted by REML; "
        + inference.get(str(analysis.get("inference")), "Wald z tests") + ".",
    ]


def table2(analysis: dict[str, Any]) -> Table:
    key = analysis["outcome"]
    name = measure_name(key)
    dec = _measure_decimals(analysis)
    rows: list[Row] = []

    def model_row(label: str, block: dict[str, Any] | None, descriptives: bool = True, note: str = "") -> None:
        if block is None:
            return
        if block.get("available") is False:
            rows.append(Row(label, [[fmt.DASH]] * 6 + [[f"Not available: {block.get('reason', '')}"], [fmt.DASH]]))
            return
        cells = _descriptive_cells(block, dec) if descriptives else [[fmt.DASH]] * 6
        cells += [fmt.effect_cell(block.get("partially_adjusted"), dec, note),
                  fmt.effect_cell(block.get("fully_adjusted"), dec, note)]
        rows.append(Row(label, cells))

    model_row("Primary analysis: mITT", analysis)
    sens_labels = {
        "per_protocol_window": "Sensitivity analysis: per protocol \u2013 follow-up window",
        "per_protocol_availability": "Sensitivity analysis: per protocol \u2013 care partner availability",
        "multiple_imputation": "Sensitivity analysis: ITT \u2013 multiple imputation",
    }
    for k, label in sens_labels.items():
        if k in analysis:
            model_row(label, analysis[k], descriptives=k != "multiple_imputation")
    periods = analysis.get("periods")
    if periods and "by_period" in periods:
        for level, block in periods["by_period"].items():
            model_row(f"Sensitivity analysis: participants with follow-up {_label(level).lower()} only", block)
        inter = periods.get("interaction", {})
        if inter.get("p") is not None:
            rows.append(Row("Arm \u00d7 period interaction (fully adjusted model)",
                            [[fmt.DASH]] * 7 + [[fmt.p_value(inter["p"])]]))
        cov = periods.get("covariate", {})
        if cov.get("effect") is not None:
            test = cov.get("period_test", {})
            rows.append(Row("Period as a covariate (fully adjusted model)",
                            [[fmt.DASH]] * 7 + [fmt.effect_cell(cov, dec)
                                               + ([f"period: {fmt.p_value(test['p'])}"] if test else [])]))
    cace_labels = {"cace_sessions": "CACE(i): minimum of six sessions of at least 10 min",
                   "cace_goals": "CACE(ii): minimum of four sessions with goals discussed"}
    cace_notes = []
    for k, label in cace_labels.items():
        if k in analysis:
            block = analysis[k]
            if block.get("available") is False:
                rows.append(Row(label, [[fmt.DASH]] * 6 + [[f"Not available: {block.get('reason', '')}"],
                                                          [fmt.DASH]]))
                continue
            model_row(label, block, descriptives=False, note="^d")
            cace_notes.append(f"{label.split(':')[0]} n = {block.get('compliers')} compliers "
                              f"({block.get('definition')})")
    subgroups = analysis.get("subgroups") or {}
    for sg, block in subgroups.items():
        if block.get("p") is not None:
            rows.append(Row(f"Subgroup interaction: {TEXT_LABELS.get(sg, _label(sg)).lower()}",
                            [[fmt.DASH]] * 7 + [[fmt.p_value(block["p"])]]))
    notes = _notes(name, analysis)
    if cace_notes:
        notes.append("d. The CACE estimate is the mean difference between those in the intervention group who "
                     "complied with the intervention (" + "; ".join(cace_notes) + "), and those in the control "
                     "group who would have complied had they been offered it (two-stage least squares, "
                     "cluster-robust standard errors).")
    if "multiple_imputation" in analysis and analysis["multiple_imputation"].get("imputations"):
        mi = analysis["multiple_imputation"]
        notes.append(f"Multiple imputation: {mi['imputations']} imputations by chained equations (auxiliary "
                     f"variable: {mi.get('auxiliary') or 'none'}), Rubin's rules, seed {mi.get('seed')}.")
    if analysis.get("outliers_excluded"):
        o = analysis["outliers_excluded"]
        notes.append(f"{o['n']} outlier(s) excluded ({o['rule']}).")
    if analysis.get("crude_icc") is not None:
        ci = analysis.get("crude_icc_ci")
        notes.append("Crude ICC (intercept-only model of the follow-up score; Searle's F-based 95% CI): "
                     + " ".join(fmt.icc_with_ci(analysis["crude_icc"], ci)) + ".")
    if analysis.get("inferential") is False:
        notes.append(f"No inferential analysis: {analysis.get('reason', '')}")
    caption = (f"Table 2 Primary outcome, overall {name} score at baseline and follow-up: primary modified "
               "intention-to-treat analyses and prespecified sensitivity analyses")
    return Table("table2", caption, [*_arm_header(analysis), ("", 1), ("", 1)], ARM_COLUMNS + EFFECT_COLUMNS, rows,
                 notes, row_header="Analysis")


def table3(analysis: dict[str, Any]) -> Table:
    rows: list[Row] = []
    notes = _notes("score", analysis)
    notes[1] = "a. Adjusted for the baseline score of the outcome and including random effects for general practice."
    notes[3] = ("c. Adjusted for the baseline score, the minimisation factors (practice size and region) and "
                "including random effects for general practice.")
    no_inference = []
    for key, block in (analysis.get("secondary") or {}).items():
        dec = _measure_decimals(block)
        name = measure_name(key)
        if block.get("inferential") is False:
            cells = _descriptive_cells(block, dec, median=True)
            cells += [["Not applicable^d"]] * 2 + [["Not applicable^d"]]
            no_inference.append(f"{name}: {block.get('reason', '')}")
        else:
            cells = _descriptive_cells(block, dec)
            cells += [fmt.effect_cell(block.get("partially_adjusted"), dec),
                      fmt.effect_cell(block.get("fully_adjusted"), dec),
                      fmt.icc_with_ci(block.get("crude_icc"), block.get("crude_icc_ci"))]
        rows.append(Row(name, cells))
        if block.get("outliers_excluded"):
            o = block["outliers_excluded"]
            notes.append(f"{name}: {o['n']} outlier(s) excluded from the analysis ({o['rule']}).")
    if no_inference:
        notes.append("d. Planned inferential analyses not undertaken because of the levels of missing data ("
                     + "; ".join(no_inference) + "). Shown as median and IQR.")
    notes.append("Crude ICC: intercept-only model of the follow-up score; 95% CI by Searle's F-based method.")
    return Table("table3", "Table 3 Secondary outcomes at baseline and follow-up: primary modified "
                 "intention-to-treat analyses", [*_arm_header(analysis), ("", 1), ("", 1), ("", 1)],
                 [*ARM_COLUMNS, *EFFECT_COLUMNS, "Crude ICC (95% CI)"], rows, notes, row_header="Outcome")


SAFETY_ROWS = [
    ("Psychiatric hospital admissions: events (participants)", "psychiatric_admissions", None),
    ("In-patient days", None, "inpatient_days"),
    ("Home treatment (crisis) episodes: events (participants)", "crisis_episodes", None),
    ("Days under home treatment (crisis care)", None, "crisis_days"),
    ("Serious adverse events: events (participants)", "serious_adverse_events", None),
]


def safety_table(analysis: dict[str, Any]) -> Table | None:
    """Safety outcomes by allocated arm and as treated (only when safety events were given)."""
    safety = analysis.get("safety")
    if not safety:
        return None
    groups = [("by_arm", INTERVENTION), ("by_arm", CONTROL), ("as_treated", "treated"), ("as_treated", "untreated")]
    rows = []
    for label, count_key, days_key in SAFETY_ROWS:
        cells = []
        for family, group in groups:
            block = safety[family][group]
            if count_key:
                cells.append([f"{block[count_key]['events']} ({block[count_key]['participants']})"])
            else:
                assert days_key is not None
                cells.append([f"{block[days_key]:g}"])
        rows.append(Row(label, cells))
    notes = [f"As treated: {safety['rule']}."]
    if safety.get("events_without_days"):
        notes.append(f"{safety['events_without_days']} event(s) had no duration recorded.")
    return Table("safety", "Safety outcomes by allocated arm and as treated",
                 [("", 1), ("Allocated arm", 2), ("As treated", 2)],
                 ["Intervention", "Control", "Treated", "Untreated"], rows, notes, row_header="Outcome")


def is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
