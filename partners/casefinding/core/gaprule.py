"""The gap rule (``data-formats.md`` section 3) and eligibility screening (``care-model.md``).

    gap = apply_gap_rule(register, secondary, result.links, result.review, as_of=date(2026, 4, 1))
    screened = screen_eligibility(register, gap, as_of=..., mode="service")

``apply_gap_rule`` gives one row per register row, in register order, with the output columns of
the spec (``nhs_number, practice_ods, status, match_method, match_probability,
latest_discharge_date, needs_review, care_needs_past_2y``) after the register's ``row``.

Dates are read *as of* the given date: an episode counts if it was referred on or before it (or has
no referral date); it is open if it has no discharge date or was discharged after it. The status
is the first that applies:

``under_18`` (age below 18 on the as-of date; an unknown date of birth is not under 18) ->
``in_remission`` -> ``secondary_care`` (an open linked episode with team ``cmht``, ``eip``,
``crisis_home_treatment`` or ``inpatient``, or care level ``cpa``) -> ``limited_secondary`` (another
open linked episode) -> ``discharged`` (linked episodes, all discharged) -> ``primary_care_only``.

``match_method`` is ``nhs_number`` when any linked row matched on the NHS number, else
``probabilistic`` (model or clerically accepted links), else ``none``; ``match_probability`` is 1
for the NHS number, the highest linked probability for probabilistic links, blank for none.
``latest_discharge_date`` is the latest discharge on or before the as-of date among linked episodes.
``needs_review`` is true when a pair for the row waits in the clerical review queue.
``care_needs_past_2y`` is true when ``last_mh_care_date`` lies within the two years up to the as-of date.

``screen_eligibility`` applies the service's default criteria (age 18 or over; diagnosis of
schizophrenia, bipolar disorder or other psychosis; care needs in the past 2 years; not under
active secondary care or in remission) and, in ``mode="trial"``, the trial's further exclusions from
an optional ``flags`` table. Every exclusion is a recorded reason, never a silent drop, and in
service mode needing translation is never a reason.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import duckdb
import pyarrow as pa

from partners.common.dates import add_years

STATUSES = ("under_18", "in_remission", "secondary_care", "limited_secondary", "discharged", "primary_care_only")
GAP_STATUSES = ("limited_secondary", "discharged", "primary_care_only")
SECONDARY_TEAMS = ("cmht", "eip", "crisis_home_treatment", "inpatient")
OUTPUT_COLUMNS = ("nhs_number", "practice_ods", "status", "match_method", "match_probability",
                  "latest_discharge_date", "needs_review", "care_needs_past_2y")
TRIAL_FLAGS = {
    "cannot_consent": "cannot_consent",
    "needs_translation": "needs_translation",
    "in_other_psychosis_trial": "in_other_psychosis_trial",
    "secondary_care_dementia_or_intellectual_disability": "secondary_care_dementia_or_intellectual_disability",
    "significant_substance_or_alcohol_problems": "significant_substance_or_alcohol_problems",
    "gp_judged_not_in_best_interests": "gp_judged_not_in_best_interests",
}


def two_years_before(as_of: date) -> date:
    return add_years(as_of, -2)


def _age_sql(dob: str, as_of: date) -> str:
    return (f"({as_of.year} - year({dob}) - CASE WHEN month({dob}) > {as_of.month} OR "
            f"(month({dob}) = {as_of.month} AND day({dob}) > {as_of.day}) THEN 1 ELSE 0 END)")


def apply_gap_rule(
    register: pa.Table,
    secondary: pa.Table,
    links: pa.Table,
    review: pa.Table | None,
    *,
    as_of: date,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pa.Table:
    """One row per register row, in register order: ``row`` and the case-finding output columns."""
    own = con is None
    con = con or duckdb.connect()
    try:
        con.register("gap_reg", register)
        con.register("gap_sec", secondary.select(["row", "team_type", "care_level", "referral_date",
                                                  "discharge_date"]))
        con.register("gap_links", links.select(["register_row", "secondary_row", "method", "match_probability"]))
        review_rows = review.select(["register_row"]) if review is not None and review.num_rows else pa.table(
            {"register_row": pa.array([], type=pa.int64())})
        con.register("gap_review", review_rows)
        day = f"DATE '{as_of.isoformat()}'"
        teams = ", ".join(f"'{t}'" for t in SECONDARY_TEAMS)
        return con.sql(f"""
            WITH eps AS (
                SELECT l.register_row, s.team_type, s.care_level, s.discharge_date,
                    (s.discharge_date IS NULL OR s.discharge_date > {day}) AS is_open
                FROM gap_links l JOIN gap_sec s ON s.row = l.secondary_row
                WHERE s.referral_date IS NULL OR s.referral_date <= {day}
            ), care AS (
                SELECT register_row,
                    bool_or(is_open) AS any_open,
                    bool_or(is_open AND (team_type IN ({teams}) OR care_level = 'cpa')) AS open_secondary,
                    max(discharge_date) FILTER (WHERE NOT is_open) AS latest_discharge_date
                FROM eps GROUP BY register_row
            ), method AS (
                SELECT register_row,
                    bool_or(method = 'nhs_number') AS by_nhs,
                    max(match_probability) FILTER (WHERE method <> 'nhs_number') AS best_probability
                FROM gap_links GROUP BY register_row
            )
            SELECT
                r.row,
                coalesce(r.nhs_number, r.nhs_raw) AS nhs_number,
                r.practice_ods,
                CASE
                    WHEN {_age_sql('r.date_of_birth', as_of)} < 18 THEN 'under_18'
                    WHEN r.in_remission THEN 'in_remission'
                    WHEN c.open_secondary THEN 'secondary_care'
                    WHEN c.any_open THEN 'limited_secondary'
                    WHEN c.register_row IS NOT NULL THEN 'discharged'
                    ELSE 'primary_care_only'
                END AS status,
                CASE WHEN m.by_nhs THEN 'nhs_number' WHEN m.register_row IS NOT NULL THEN 'probabilistic'
                     ELSE 'none' END AS match_method,
                CASE WHEN m.by_nhs THEN 1.0 WHEN m.register_row IS NOT NULL THEN coalesce(m.best_probability, 1.0)
                     END AS match_probability,
                c.latest_discharge_date,
                r.row IN (SELECT register_row FROM gap_review) AS needs_review,
                coalesce(r.last_mh_care_date BETWEEN DATE '{two_years_before(as_of).isoformat()}' AND {day}, false)
                    AS care_needs_past_2y
            FROM gap_reg r
            LEFT JOIN care c ON c.register_row = r.row
            LEFT JOIN method m ON m.register_row = r.row
            ORDER BY r.row
        """).to_arrow_table()
    finally:
        if own:
            con.close()


def screen_eligibility(
    register: pa.Table,
    gap: pa.Table,
    *,
    as_of: date,
    mode: Literal["service", "trial"] = "service",
    flags: pa.Table | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pa.Table:
    """``row, eligible, exclusion_reasons`` (a list of reason codes, empty when eligible), register order.

    ``flags`` (trial mode): a table with ``row`` and any of the boolean columns in ``TRIAL_FLAGS``.
    In service mode the flags are ignored except that none of them is ever applied silently; the
    translation flag in particular is never an exclusion there.
    """
    if mode not in ("service", "trial"):
        raise ValueError(f"mode must be service or trial, not {mode!r}")
    own = con is None
    con = con or duckdb.connect()
    try:
        con.register("el_reg", register.select(["row", "date_of_birth", "diagnosis_group"]))
        con.register("el_gap", gap.select(["row", "status", "care_needs_past_2y"]))
        reasons = [
            f"CASE WHEN r.date_of_birth IS NULL THEN 'age_unknown' "
            f"WHEN {_age_sql('r.date_of_birth', as_of)} < 18 THEN 'under_18' END",
            "CASE WHEN r.diagnosis_group IS NULL THEN 'diagnosis_unknown' "
            "WHEN r.diagnosis_group NOT IN ('schizophrenia', 'bipolar', 'other_psychosis') "
            "THEN 'diagnosis_not_smi' END",
            "CASE WHEN NOT g.care_needs_past_2y THEN 'no_care_needs_past_2y' END",
            "CASE WHEN g.status = 'in_remission' THEN 'in_remission' END",
            "CASE WHEN g.status = 'secondary_care' THEN 'in_secondary_care' END",
        ]
        join = ""
        if mode == "trial" and flags is not None:
            con.register("el_flags", flags)
            present = [c for c in TRIAL_FLAGS if c in flags.column_names]
            reasons += [f"CASE WHEN coalesce(f.{c}, false) THEN '{TRIAL_FLAGS[c]}' END" for c in present]
            join = "LEFT JOIN el_flags f ON f.row = r.row"
        listed = f"list_filter([{', '.join(reasons)}], lambda x: x IS NOT NULL)"
        return con.sql(f"""
            SELECT r.row, len(reasons) = 0 AS eligible, reasons AS exclusion_reasons FROM (
                SELECT r.row, {listed} AS reasons
                FROM el_reg r JOIN el_gap g ON g.row = r.row {join}
            ) r ORDER BY r.row
        """).to_arrow_table()
    finally:
        if own:
            con.close()
