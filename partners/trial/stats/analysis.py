"""The PARTNERS2 analyses of a cluster trial, generalised (trial.md "Analysis").

Entry point: :func:`analyse` ``(dataset, outcome, options, ...) -> dict`` (the JSON printed by
``partners trial analyse``). It is pure: the platform can build a :class:`~.dataset.TrialDataset` from its own
records (or the research extract) and call it.

- Primary analysis, modified intention to treat: complete cases (baseline and follow-up present) by allocated
  arm. Outcome ``change = follow-up - baseline``; random intercept for practice, REML (:mod:`.mixed`).
  *Partially adjusted*: arm + baseline. *Fully adjusted*: arm + baseline + region + practice size (the
  minimisation factors, as indicator variables). Effect = intervention - control, SE, CI, p; Wald z by default
  (as Stata's ``mixed``), or t with Satterthwaite (lmerTest's computation) or between-within df
  (``options.df_method``).
- ICCs: crude = REML ICC of the intercept-only model of the follow-up outcome with Searle's F-based CI;
  model-based (partially/fully adjusted) ICC with a profile-likelihood (REML) CI - ``icc_ci_method`` says so.
- Sensitivity analyses, under their names: ``per_protocol_window`` (``followup_in_window`` true),
  ``per_protocol_availability`` (practices with ``cp_availability`` below the threshold, default 0.7, excluded;
  a blank availability is kept), ``multiple_imputation`` (everyone randomised; chained equations on baseline,
  follow-up and the auxiliary ``contacts_10min`` with arm and the minimisation factors as complete predictors;
  Rubin's rules; ``m`` default 50, seeded), ``cace_sessions`` (complier = ``contacts_10min >= 6``) and
  ``cace_goals`` (complier = ``contacts_goals >= 4``): 2SLS with arm as the instrument, baseline (and for
  the fully adjusted estimate the minimisation factors) as covariates, cluster-robust (CR1) SEs (:mod:`.iv`);
  a blank contact count counts as no contacts.
- Periods (any ``period`` column): separate models per period, arm x period interaction (joint Wald test of
  the interaction terms), and period as a covariate (arm effect, joint Wald test of period).
- Subgroups: region, practice size, diagnosis group (bipolar versus schizophrenia or other psychosis, as the
  trial prespecified; ``options.diagnosis_dichotomy=False`` keeps every group) and care setting: each an arm x
  subgroup interaction added to the fully adjusted model, with the interaction p (joint Wald) and the effect in
  each level.
- Secondary outcomes: every ``baseline_<m>``/``followup_<m>`` pair, the same models and the crude ICC (and the
  period analyses when there is a ``period`` column).
- Outliers: participants named in ``options.outliers[measure]`` and/or change scores more than
  ``options.outlier_sd`` standard deviations from the mean are excluded, and the exclusion is reported.
- No inferential analysis when, in either arm, the share of randomised participants with both measurements is
  below ``1 - options.max_missing`` (default: fewer than half): the output says so and why.
- Safety (:mod:`.safety`) when event records are given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from partners.trial.stats import imputation, iv, mixed
from partners.trial.stats.dataset import CONTROL, INTERVENTION, DatasetError, TrialDataset
from partners.trial.stats.safety import SafetyEvent, safety_summary

Array = NDArray[np.float64]
Mask = NDArray[np.bool_]

PARTIAL = ("baseline",)
FULL = ("baseline", "region", "practice_size")
SENSITIVITY_ANALYSES = ("per_protocol_window", "per_protocol_availability", "multiple_imputation",
                        "cace_sessions", "cace_goals")
SUBGROUPS = ("region", "practice_size", "diagnosis_group", "care_setting")
POPULATION = "modified intention to treat: complete cases (baseline and follow-up) by allocated arm"


@dataclass
class AnalysisOptions:
    df_method: str = "wald"
    level: float = 0.95
    imputations: int = 50
    imputation_iterations: int = 10
    seed: int = 20230101
    availability_threshold: float = 0.7
    sessions_threshold: float = 6
    goals_threshold: float = 4
    max_missing: float = 0.5
    outliers: Mapping[str, Sequence[str]] = field(default_factory=dict)
    outlier_sd: float | None = None
    diagnosis_dichotomy: bool = True

    def __post_init__(self) -> None:
        if self.df_method not in mixed.DF_METHODS:
            raise ValueError(f"unknown degrees-of-freedom method {self.df_method!r}; "
                             f"one of {', '.join(mixed.DF_METHODS)}")
        if not 0 < self.level < 1:
            raise ValueError("the confidence level must be between 0 and 1")
        if self.imputations < 2:
            raise ValueError("multiple imputation needs at least 2 imputations")
        if not 0 <= self.max_missing <= 1:
            raise ValueError("max_missing must be a share between 0 and 1")


# --------------------------------------------------------------------------------------------------------------
# Design matrices


def _category(ds: TrialDataset, term: str, opts: AnalysisOptions) -> list[str | None]:
    values = ds.text.get(term)
    if values is None:
        raise DatasetError([f"column {term!r} is missing"], ds.source)
    if term == "diagnosis_group" and opts.diagnosis_dichotomy:
        return [None if v is None else ("bipolar" if v.lower() == "bipolar" else "schizophrenia_or_other_psychosis")
                for v in values]
    return values


def _levels(values: Sequence[str | None], term: str) -> list[str]:
    present = [v for v in values if v is not None]
    if term == "period":
        return list(dict.fromkeys(present))
    return sorted(set(present))


@dataclass
class Design:
    y: Array
    x: Array
    names: list[str]
    clusters: list[str]
    dropped: list[str]
    rows: NDArray[np.intp]


def _design(ds: TrialDataset, key: str, rows: Mask, terms: Sequence[str], opts: AnalysisOptions,
            interactions: Sequence[str] = ()) -> Design:
    """Complete cases among ``rows``; columns: intercept, arm, then ``terms``, then arm x ``interactions``."""
    b_all = ds.baseline[key]
    f_all = ds.followup[key]
    keep = rows & ~np.isnan(b_all) & ~np.isnan(f_all)
    cats: dict[str, list[str | None]] = {}
    for term in [*terms, *interactions]:
        if term != "baseline":
            cats[term] = _category(ds, term, opts)
            keep &= np.array([v is not None for v in cats[term]])
    idx = np.flatnonzero(keep)
    arm = ds.intervention[idx].astype(np.float64)
    cols: list[Array] = [np.ones(idx.size), arm]
    names = ["(Intercept)", "arm"]
    for term in terms:
        if term == "baseline":
            cols.append(b_all[idx])
            names.append("baseline")
            continue
        values = [cats[term][i] for i in idx]
        for level in _levels(values, term)[1:]:
            cols.append(np.array([v == level for v in values], dtype=np.float64))
            names.append(f"{term}[{level}]")
    for term in interactions:
        values = [cats[term][i] for i in idx]
        for level in _levels(values, term)[1:]:
            cols.append(arm * np.array([v == level for v in values], dtype=np.float64))
            names.append(f"arm:{term}[{level}]")
    kept: list[int] = []
    dropped: list[str] = []
    for j in range(len(cols)):
        trial = np.column_stack([cols[k] for k in [*kept, j]])
        if np.linalg.matrix_rank(trial) == len(kept) + 1:
            kept.append(j)
        elif names[j] in ("(Intercept)", "arm"):
            raise mixed.ModelError("the arm is not estimable in this subset (one arm only, or arm confounded with "
                                   "a covariate)")
        else:
            dropped.append(names[j])
    x = np.column_stack([cols[k] for k in kept])
    return Design(y=f_all[idx] - b_all[idx], x=x, names=[names[k] for k in kept],
                  clusters=[ds.practice_id[i] for i in idx], dropped=dropped, rows=idx)


def _fit(ds: TrialDataset, key: str, rows: Mask, terms: Sequence[str], opts: AnalysisOptions,
         interactions: Sequence[str] = ()) -> tuple[mixed.MixedFit, Design]:
    design = _design(ds, key, rows, terms, opts, interactions)
    arms = set(design.x[:, design.names.index("arm")])
    if arms != {0.0, 1.0}:
        raise mixed.ModelError("both arms need participants with baseline and follow-up values")
    model = mixed.fit(design.y, design.x, design.clusters, design.names)
    between = model.cluster_level_columns()
    if design.names.index("arm") in between and len(between) >= model.n_clusters:
        # The practice-level effects use up every practice: the practice variance, and with it the arm's
        # standard error, is not identified (the fit runs to the variance bound and the CI is meaningless).
        raise mixed.ModelError(f"the arm is not estimable in this subset: {len(between)} practice-level parameters "
                               f"for {model.n_clusters} practices")
    return model, design


def _summary(model: mixed.MixedFit, design: Design, opts: AnalysisOptions, terms: Sequence[str]) -> dict[str, Any]:
    w = model.wald("arm", opts.df_method, opts.level)
    lo, hi = model.icc_profile_ci(opts.level)
    out = w.as_dict()
    out.update({
        "icc": model.icc, "icc_ci": [lo, hi], "icc_ci_method": "profile_likelihood_reml",
        "variance": {"practice": model.tau2, "residual": model.sigma2}, "boundary_fit": model.boundary,
        "n": model.nobs, "clusters": model.n_clusters, "adjusted_for": list(terms),
        "coefficients": {n: {"estimate": float(b), "se": float(s)}
                         for n, b, s in zip(model.names, model.beta, model.se, strict=True)},
    })
    if design.dropped:
        out["dropped_terms"] = design.dropped
    return out


def _model_or_reason(ds: TrialDataset, key: str, rows: Mask, terms: Sequence[str],
                     opts: AnalysisOptions) -> dict[str, Any]:
    try:
        model, design = _fit(ds, key, rows, terms, opts)
    except mixed.ModelError as exc:
        return {"available": False, "reason": str(exc)}
    return _summary(model, design, opts, terms)


# --------------------------------------------------------------------------------------------------------------
# Descriptives


def describe(values: Array) -> dict[str, Any]:
    v = np.asarray(values, dtype=np.float64)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return {"n": 0, "mean": None, "sd": None, "min": None, "max": None, "median": None, "q1": None, "q3": None}
    q1, med, q3 = (float(x) for x in np.percentile(v, [25, 50, 75]))
    return {"n": int(v.size), "mean": float(v.mean()), "sd": float(v.std(ddof=1)) if v.size > 1 else None,
            "min": float(v.min()), "max": float(v.max()), "median": med, "q1": q1, "q3": q3,
            "integer_valued": bool(np.all(v == np.round(v)))}


def _descriptives(ds: TrialDataset, key: str, rows: Mask) -> dict[str, Any]:
    b = ds.baseline[key]
    f = ds.followup[key]
    out = {}
    for arm in (INTERVENTION, CONTROL):
        sel = rows & (ds.intervention if arm == INTERVENTION else ~ds.intervention)
        out[arm] = {"randomised": int(sel.sum()), "baseline": describe(b[sel]), "followup": describe(f[sel]),
                    "change": describe((f - b)[sel])}
    return out


# --------------------------------------------------------------------------------------------------------------
# One outcome in one population


def _outliers(ds: TrialDataset, key: str, rows: Mask, opts: AnalysisOptions) -> tuple[Mask, dict[str, Any] | None]:
    named = list(opts.outliers.get(key, []))
    if not named and opts.outlier_sd is None:
        return np.zeros(len(ds), dtype=bool), None
    position = {p: i for i, p in enumerate(ds.participant_id)}
    unknown = [p for p in named if p not in position]
    if unknown:
        raise DatasetError([f"outlier participant {p!r} (for {key}) is not in the dataset" for p in unknown],
                           ds.source)
    excluded = np.zeros(len(ds), dtype=bool)
    for p in named:
        excluded[position[p]] = True
    rules = []
    if named:
        rules.append("named participants")
    if opts.outlier_sd is not None:
        change = ds.followup[key] - ds.baseline[key]
        ok = rows & ~np.isnan(change)
        if ok.sum() > 2:
            mean, sd = float(change[ok].mean()), float(change[ok].std(ddof=1))
            far = ok & (np.abs(change - mean) > opts.outlier_sd * sd)
            excluded |= far
        rules.append(f"change more than {opts.outlier_sd:g} s.d. from the mean")
    excluded &= rows
    ids = [ds.participant_id[i] for i in np.flatnonzero(excluded)]
    return excluded, {"rule": "; ".join(rules), "participant_ids": ids, "n": len(ids)}


def _arm_counts(ds: TrialDataset, mask: Mask) -> dict[str, int]:
    return {INTERVENTION: int((mask & ds.intervention).sum()), CONTROL: int((mask & ~ds.intervention).sum())}


def _cluster_counts(ds: TrialDataset, mask: Mask) -> dict[str, int]:
    out = {}
    for arm, sel in ((INTERVENTION, ds.intervention), (CONTROL, ~ds.intervention)):
        out[arm] = len({ds.practice_id[i] for i in np.flatnonzero(mask & sel)})
    return out


def analyse_outcome(ds: TrialDataset, key: str, rows: Mask | None = None, opts: AnalysisOptions | None = None,
                    *, check_missingness: bool = True, apply_outliers: bool = True) -> dict[str, Any]:
    """Descriptives, crude ICC and the partially and fully adjusted models of one measure in one population."""
    opts = opts or AnalysisOptions()
    rows = np.ones(len(ds), dtype=bool) if rows is None else rows.copy()
    result: dict[str, Any] = {"measure": key}
    if apply_outliers:
        excluded, report = _outliers(ds, key, rows, opts)
        rows &= ~excluded
        if report is not None:
            result["outliers_excluded"] = report
    b, f = ds.baseline[key], ds.followup[key]
    complete = rows & ~np.isnan(b) & ~np.isnan(f)
    result["n"] = _arm_counts(ds, complete)
    result["clusters"] = _cluster_counts(ds, complete)
    result["randomised"] = _arm_counts(ds, rows)
    result["descriptives"] = _descriptives(ds, key, rows)
    reason = None
    if check_missingness:
        shares = {arm: (result["n"][arm] / result["randomised"][arm]) if result["randomised"][arm] else 0.0
                  for arm in (INTERVENTION, CONTROL)}
        result["complete_share"] = shares
        low = [arm for arm, s in shares.items() if s < 1 - opts.max_missing]
        if low:
            reason = ("no inferential analysis: missing data make it meaningless - "
                      + ", ".join(f"{shares[a]:.0%} of the {a} arm" for a in low)
                      + f" had both measurements (threshold {1 - opts.max_missing:.0%})")
    if reason is None and min(result["n"].values()) == 0:
        reason = "no inferential analysis: an arm has no participant with both measurements"
    followup_rows = rows & ~np.isnan(f)
    try:
        icc = mixed.crude_icc(f[followup_rows], [ds.practice_id[i] for i in np.flatnonzero(followup_rows)],
                              opts.level)
        result.update({"crude_icc": icc.icc, "crude_icc_ci": list(icc.ci), "crude_icc_method": icc.method})
    except mixed.ModelError as exc:
        result.update({"crude_icc": None, "crude_icc_ci": None, "crude_icc_method": f"not estimable: {exc}"})
    if reason is not None:
        result.update({"inferential": False, "reason": reason, "partially_adjusted": None, "fully_adjusted": None})
        return result
    result["inferential"] = True
    result["partially_adjusted"] = _model_or_reason(ds, key, rows, PARTIAL, opts)
    result["fully_adjusted"] = _model_or_reason(ds, key, rows, FULL, opts)
    return result


# --------------------------------------------------------------------------------------------------------------
# Periods and subgroups


def _interaction_test(model: mixed.MixedFit, prefix: str) -> dict[str, Any]:
    names = [n for n in model.names if n.startswith(prefix)]
    if not names:
        return {"available": False, "reason": "no interaction terms are estimable"}
    stat, df, p = model.wald_joint(names)
    return {"p": p, "chi2": stat, "df": df, "test": "joint Wald chi-squared",
            "terms": {n: {"estimate": model.coef(n), "se": float(model.se[model.index(n)])} for n in names}}


def period_analyses(ds: TrialDataset, key: str, opts: AnalysisOptions, rows: Mask | None = None) -> dict[str, Any]:
    values = ds.text.get("period")
    if values is None:
        return {"available": False, "reason": "column 'period' is not in the dataset"}
    base = np.ones(len(ds), dtype=bool) if rows is None else rows
    excluded, _report = _outliers(ds, key, base, opts)
    base = base & ~excluded
    levels = _levels(values, "period")
    has_period = np.array([v is not None for v in values])
    out: dict[str, Any] = {"levels": levels, "by_period": {}}
    for level in levels:
        sel = base & np.array([v == level for v in values])
        out["by_period"][level] = analyse_outcome(ds, key, sel, opts, check_missingness=False, apply_outliers=False)
    if len(levels) < 2:
        out["interaction"] = out["covariate"] = {"available": False, "reason": "only one period in the data"}
        return out
    try:
        model, design = _fit(ds, key, base & has_period, [*FULL, "period"], opts, interactions=["period"])
        out["interaction"] = {**_interaction_test(model, "arm:period"), "n": model.nobs}
        model, design = _fit(ds, key, base & has_period, [*FULL, "period"], opts)
        summary = _summary(model, design, opts, [*FULL, "period"])
        period_terms = [n for n in model.names if n.startswith("period[")]
        if period_terms:
            stat, df, p = model.wald_joint(period_terms)
            summary["period_test"] = {"p": p, "chi2": stat, "df": df, "test": "joint Wald chi-squared",
                                      "terms": {n: {"estimate": model.coef(n), "se": float(model.se[model.index(n)])}
                                                for n in period_terms}}
        out["covariate"] = summary
    except mixed.ModelError as exc:
        out["interaction"] = out["covariate"] = {"available": False, "reason": str(exc)}
    return out


def subgroup_analyses(ds: TrialDataset, key: str, opts: AnalysisOptions) -> dict[str, Any]:
    out: dict[str, Any] = {}
    excluded, _report = _outliers(ds, key, np.ones(len(ds), dtype=bool), opts)
    for sg in SUBGROUPS:
        if sg not in ds.text:
            out[sg] = {"available": False, "reason": f"column {sg!r} is not in the dataset"}
            continue
        values = _category(ds, sg, opts)
        rows = ~excluded & np.array([v is not None for v in values])
        levels = _levels([v for v, r in zip(values, rows, strict=True) if r], sg)
        if len(levels) < 2:
            out[sg] = {"available": False, "reason": f"column {sg!r} has fewer than two groups"}
            continue
        terms = list(FULL) if sg in FULL else [*FULL, sg]
        try:
            model, design = _fit(ds, key, rows, terms, opts, interactions=[sg])
        except mixed.ModelError as exc:
            out[sg] = {"available": False, "reason": str(exc)}
            continue
        result = {**_interaction_test(model, f"arm:{sg}"), "levels": levels, "n": model.nobs,
                  "reference": levels[0], "effects_by_level": {}}
        if sg == "diagnosis_group" and opts.diagnosis_dichotomy:
            result["grouping"] = "bipolar versus schizophrenia or other psychosis"
        for level in levels:
            contrast = np.zeros(len(model.names))
            contrast[model.index("arm")] = 1.0
            name = f"arm:{sg}[{level}]"
            if name in model.names:
                contrast[model.index(name)] = 1.0
            elif level != levels[0]:
                continue
            group_n = int(sum(1 for i in design.rows if values[i] == level))
            result["effects_by_level"][level] = {
                **model.contrast(contrast, name=f"arm in {level}", df_method=opts.df_method,
                                 level=opts.level).as_dict(), "n": group_n}
        out[sg] = result
    return out


# --------------------------------------------------------------------------------------------------------------
# Sensitivity analyses


def _unavailable(reason: str) -> dict[str, Any]:
    return {"available": False, "reason": reason}


def _per_protocol_window(ds: TrialDataset, key: str, opts: AnalysisOptions) -> dict[str, Any]:
    if ds.followup_in_window is None:
        return _unavailable("column 'followup_in_window' is not in the dataset")
    rows = ds.followup_in_window == 1.0
    out = analyse_outcome(ds, key, rows, opts, check_missingness=False)
    out["population"] = "per protocol: follow-up inside its window (followup_in_window true)"
    return out


def _per_protocol_availability(ds: TrialDataset, key: str, opts: AnalysisOptions) -> dict[str, Any]:
    avail = ds.numeric.get("cp_availability")
    if avail is None:
        return _unavailable("column 'cp_availability' is not in the dataset")
    low = ds.intervention & (avail < opts.availability_threshold)
    out = analyse_outcome(ds, key, ~low, opts, check_missingness=False)
    out["population"] = (f"per protocol: practices with Care Partner availability below "
                         f"{opts.availability_threshold:g} excluded")
    out["excluded_practices"] = sorted({ds.practice_id[i] for i in np.flatnonzero(low)})
    return out


def _categorical_columns(ds: TrialDataset, idx: NDArray[np.intp], terms: Sequence[str],
                         opts: AnalysisOptions) -> tuple[list[Array], list[str]]:
    cols, names = [], []
    for term in terms:
        values = [_category(ds, term, opts)[i] for i in idx]
        for level in _levels(values, term)[1:]:
            cols.append(np.array([v == level for v in values], dtype=np.float64))
            names.append(f"{term}[{level}]")
    return cols, names


def _multiple_imputation(ds: TrialDataset, key: str, opts: AnalysisOptions) -> dict[str, Any]:
    idx = np.arange(len(ds))
    b = ds.baseline[key].copy()
    f = ds.followup[key].copy()
    arm = ds.intervention.astype(np.float64)
    incomplete = [b, f]
    auxiliary = None
    contacts = ds.numeric.get("contacts_10min")
    if contacts is not None:
        aux = contacts.copy()
        aux[~ds.intervention & np.isnan(aux)] = 0.0
        if not np.isnan(aux).all():
            incomplete.append(aux)
            auxiliary = "contacts_10min"
    factor_cols, _names = _categorical_columns(ds, idx, ("region", "practice_size"), opts)
    complete = np.column_stack([np.ones(len(ds)), arm, *factor_cols])
    if np.isnan(b).all() or np.isnan(f).all():
        return _unavailable("the outcome has no observed baseline or follow-up values")
    rng = np.random.default_rng(opts.seed)
    try:
        imputed = imputation.chained_equations(np.column_stack(incomplete), complete, rng, opts.imputations,
                                               opts.imputation_iterations)
    except (ValueError, np.linalg.LinAlgError) as exc:
        return _unavailable(f"imputation failed: {exc}")
    out: dict[str, Any] = {
        "population": "intention to treat: everyone randomised, missing baseline and follow-up imputed",
        "n": _arm_counts(ds, np.ones(len(ds), dtype=bool)),
        "imputed": {"baseline": int(np.isnan(b).sum()), "followup": int(np.isnan(f).sum())},
        "imputations": opts.imputations, "iterations": opts.imputation_iterations, "seed": opts.seed,
        "auxiliary": auxiliary,
        "method": "chained equations (Bayesian linear regression draws; predictors arm, region, practice size, "
                  "the other outcome and the auxiliary variable); random-intercept REML per imputation; "
                  "Rubin's rules with Rubin's df",
    }
    clusters = ds.practice_id
    for label, extra in (("partially_adjusted", []), ("fully_adjusted", factor_cols)):
        bi = imputed[:, :, 0]
        fi = imputed[:, :, 1]
        xs = np.stack([np.column_stack([np.ones(len(ds)), arm, bi[m], *extra]) for m in range(opts.imputations)])
        try:
            fits = mixed.fit_many(fi - bi, xs, clusters)
        except np.linalg.LinAlgError:
            out[label] = _unavailable("the model could not be fitted to the imputed data (collinear design)")
            continue
        pooled = imputation.rubin(fits.beta[:, 1], fits.vcov[:, 1, 1], opts.level)
        out[label] = {**pooled.as_dict(), "adjusted_for": list(PARTIAL if label == "partially_adjusted" else FULL)}
    return out


def _cace(ds: TrialDataset, key: str, opts: AnalysisOptions, column: str, threshold: float) -> dict[str, Any]:
    contacts = ds.numeric.get(column)
    if contacts is None:
        return _unavailable(f"column {column!r} is not in the dataset")
    b, f = ds.baseline[key], ds.followup[key]
    rows = ~np.isnan(b) & ~np.isnan(f)
    excluded, _report = _outliers(ds, key, rows, opts)
    rows &= ~excluded
    idx = np.flatnonzero(rows)
    arm = ds.intervention[idx].astype(np.float64)
    complier = arm * (np.nan_to_num(contacts[idx], nan=0.0) >= threshold)
    y = (f - b)[idx]
    clusters = [ds.practice_id[i] for i in idx]
    out: dict[str, Any] = {
        "definition": f"{column} >= {threshold:g}", "compliers": int(complier.sum()),
        "n": _arm_counts(ds, rows),
        "method": "two-stage least squares, arm as instrument, cluster-robust (CR1) standard errors by practice",
    }
    factor_cols, factor_names = _categorical_columns(ds, idx, ("region", "practice_size"), opts)
    for label, cols, names in (("partially_adjusted", [b[idx]], ["baseline"]),
                               ("fully_adjusted", [b[idx], *factor_cols], ["baseline", *factor_names])):
        try:
            res = iv.two_stage_least_squares(y, complier, arm, np.column_stack(cols), clusters, names, opts.level)
        except (ValueError, np.linalg.LinAlgError) as exc:
            out[label] = _unavailable(str(exc))
            continue
        out[label] = {**res.as_dict(), "adjusted_for": list(PARTIAL if label == "partially_adjusted" else FULL)}
    return out


def sensitivity_analyses(ds: TrialDataset, key: str, opts: AnalysisOptions) -> dict[str, dict[str, Any]]:
    return {
        "per_protocol_window": _per_protocol_window(ds, key, opts),
        "per_protocol_availability": _per_protocol_availability(ds, key, opts),
        "multiple_imputation": _multiple_imputation(ds, key, opts),
        "cace_sessions": _cace(ds, key, opts, "contacts_10min", opts.sessions_threshold),
        "cace_goals": _cace(ds, key, opts, "contacts_goals", opts.goals_threshold),
    }


# --------------------------------------------------------------------------------------------------------------
# The whole analysis


def validate_for_analysis(ds: TrialDataset, outcome: str) -> str:
    """Check what every analysis needs; return the outcome's measure key. Raises DatasetError."""
    key = ds.require_outcome(outcome)
    ds.require(["region", "practice_size"], "the fully adjusted model (the minimisation factors)")
    problems = []
    for col in ("region", "practice_size"):
        for row, value in zip(ds.row_numbers, ds.text[col], strict=True):
            if value is None:
                problems.append(f"row {row}, column {col!r}: the value is blank (a minimisation factor is needed "
                                "for every participant)")
    if problems:
        raise DatasetError(problems, ds.source)
    practices = ds.practices()
    if len(practices) < 2:
        raise DatasetError([f"column 'practice_id': every participant is in the single practice {practices[0]!r}; "
                            "a cluster trial needs practices in both arms"], ds.source)
    for arm in (INTERVENTION, CONTROL):
        if arm not in ds.arm:
            raise DatasetError([f"column 'arm': no participant is allocated to the {arm} arm (one arm is empty)"],
                               ds.source)
    complete = ~np.isnan(ds.baseline[key]) & ~np.isnan(ds.followup[key])
    for arm, sel in ((INTERVENTION, ds.intervention), (CONTROL, ~ds.intervention)):
        if not (complete & sel).any():
            raise DatasetError([f"columns 'baseline_{key}' and 'followup_{key}': no participant in the {arm} arm "
                                "has both values"], ds.source)
    return key


def analyse(ds: TrialDataset, outcome: str, options: AnalysisOptions | None = None, *, sensitivity: bool = False,
            periods: bool = True, subgroups: bool = True, secondary: bool = True,
            safety_events: Sequence[SafetyEvent] | None = None) -> dict[str, Any]:
    """Every analysis of trial.md for ``outcome`` (a measure with baseline_ and followup_ columns)."""
    opts = options or AnalysisOptions()
    key = validate_for_analysis(ds, outcome)
    everyone = np.ones(len(ds), dtype=bool)
    primary = analyse_outcome(ds, key, everyone, opts)
    result: dict[str, Any] = {
        "outcome": key,
        "population": POPULATION,
        "n": primary["n"],
        "partially_adjusted": primary["partially_adjusted"],
        "fully_adjusted": primary["fully_adjusted"],
        "crude_icc": primary["crude_icc"],
        "crude_icc_ci": primary["crude_icc_ci"],
        "crude_icc_method": primary["crude_icc_method"],
        "clusters": primary["clusters"],
        "randomised": {arm: {"participants": primary["randomised"][arm], "practices": len(ds.practices(arm))}
                       for arm in (INTERVENTION, CONTROL)},
        "inferential": primary["inferential"],
        "descriptives": primary["descriptives"],
        "inference": {"wald": "wald_z", "satterthwaite": "satterthwaite_t",
                      "between-within": "between_within_t"}[opts.df_method],
        "options": {k: v for k, v in asdict(opts).items() if k != "outliers"} | {
            "outliers": {k: list(v) for k, v in opts.outliers.items()}},
    }
    for extra in ("reason", "outliers_excluded", "complete_share"):
        if extra in primary:
            result[extra] = primary[extra]
    if sensitivity:
        analyses = sensitivity_analyses(ds, key, opts)
        result.update(analyses)
        result["sensitivity"] = analyses
    if periods and "period" in ds.text:
        result["periods"] = period_analyses(ds, key, opts)
    if subgroups:
        result["subgroups"] = subgroup_analyses(ds, key, opts)
    if secondary:
        result["secondary"] = {m: analyse_outcome(ds, m, everyone, opts) for m in ds.measures if m != key}
        if periods and "period" in ds.text:
            for m, block in result["secondary"].items():
                if block.get("inferential"):
                    block["periods"] = period_analyses(ds, m, opts)
    if safety_events is not None:
        result["safety"] = safety_summary(safety_events, dict(zip(ds.participant_id, ds.arm, strict=True)))
    return _clean(result)


def _clean(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN/inf to None."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    return value
