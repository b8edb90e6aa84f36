"""Linking register people to their secondary mental health care rows.

    result = link(register, secondary, threshold=0.9, engine="duckdb", decisions=decisions)

``register`` and ``secondary`` are the clean tables of :mod:`.extracts`. The link is made per
secondary row, so every secondary row finds its person whichever side lacks a usable NHS number:

1. **Exact**: a secondary row whose valid NHS number equals a register row's valid NHS number is
   linked to it (``method = "nhs_number"``, probability 1).
2. **Probabilistic** (splink 5; DuckDB, or Spark with ``engine="spark"``): every pair that step 1
   cannot settle is a candidate: the register row has no valid NHS number, or the secondary row has
   none, or its valid number is on no register row (a wrong number). Pairs where both numbers are
   valid and the secondary number belongs to a register row are never candidates. When one side
   has no usable number, candidates come from blocking rules that each require two of given name
   (nickname group), family name, date of birth and postcode to agree exactly (names agreeing also
   need the year or the day and month of birth), plus a day/month-swapped date of birth rule, so a
   pair with at most two of those four fields corrupted is scored. When both numbers are valid but
   differ, three of the four must agree. Comparisons: given name (exact with term frequencies,
   same nickname group, one edit, Jaro-Winkler), family name (likewise), date of birth (exact,
   day/month swapped, one-digit typo, same year), postcode (unit, sector, district) and the NHS
   number digits (exact, one edit, two edits, different). The weights are estimated from the
   data on every run, so other corruption rates give other weights: u by random sampling (a
   million pairs, seeded), m by expectation maximisation on two blocking rules (given and family
   name; date of birth and postcode), and the prior (the chance two random records match) from a
   deterministic rule whose recall is measured on the pairs that the NHS number settled.
3. **Household guard**: twins and relatives share a surname, an address and sometimes a date of
   birth or a given name, which fools a model that treats fields as independent. A probabilistic
   pair is accepted only when its NHS numbers nearly agree (same digits, or one digit apart), or
   both its given names (exact, nickname, one edit or Jaro-Winkler >= 0.92) and its dates of birth
   (exact, day/month swap or one digit) agree. A pair that fails the guard keeps its probability
   but can at most reach the review queue (``guard = "household"``); it is never linked on surname
   + date of birth + postcode alone.
4. **Threshold and review**: a pair at or above ``threshold`` (default 0.9) that passes the guard is
   linked (``method = "probabilistic"``); pairs with ``0.5 <= p < threshold`` go to the clerical
   review queue, unless their secondary row is already linked to another register row.
5. **Clerical decisions** override the model on later runs: pass ``decisions`` (an iterable of
   :class:`Decision` or an Arrow table with columns ``register_key, secondary_key, accept``).
   Keys are :func:`record_keys` fingerprints of the normalised identifying fields of each row, so a
   decision recorded against one extract applies to the same two records in the next one. An
   accepted pair is linked (``method = "clerical"``) whatever the model says; a rejected pair is
   never linked nor queued again.

:class:`LinkResult` has ``links`` (``register_row, secondary_row, method, match_probability``),
``review`` (the queue, one row per pair with both records' fields, keys, probability and guard),
``model`` (the trained splink settings with their m and u values, for audit) and ``timings``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa

Engine = Literal["duckdb", "spark"]
DATA = Path(__file__).resolve().parent.parent / "data"
NICKNAMES = DATA / "given_name_variants.csv"
REVIEW_FLOOR = 0.5
SEED = 20260401
U_PAIRS = 1e6  # random pairs for the u estimates at national scale
EM_PAIRS = 2.5e5  # blocked pairs per expectation-maximisation session
# Candidates are the pairs the NHS number cannot settle (see the module docstring).
CANDIDATE = "(NOT l.nhs_resolved OR NOT r.nhs_resolved)"
ONE_SIDE_UNKNOWN = "(NOT l.nhs_valid OR NOT r.nhs_valid)"
# A pair where one side has no usable NHS number: any two of the four fields agreeing exactly.
PREDICTION_RULES = (
    "l.dob = r.dob AND l.family = r.family",
    "l.dob = r.dob AND l.given_canon = r.given_canon",
    # names agree and the date of birth is at most partly wrong (a typo or swap keeps the year or the day
    # and month): far fewer pairs than the names alone, for common names above all
    "l.family = r.family AND l.given_canon = r.given_canon AND l.dob_year = r.dob_year",
    "l.family = r.family AND l.given_canon = r.given_canon AND l.dob_month_day = r.dob_month_day",
    "l.dob = r.dob AND l.postcode = r.postcode",
    "l.family = r.family AND l.postcode = r.postcode",
    "l.given_canon = r.given_canon AND l.postcode = r.postcode",
    "l.dob_swapped = r.dob AND l.family = r.family",
)
# A pair whose NHS numbers are both valid but differ (a wrong number on the secondary row): that is
# strong evidence against, so only pairs where three of the four fields agree are worth scoring.
WRONG_NUMBER_RULES = (
    "l.dob = r.dob AND l.family = r.family AND l.given_canon = r.given_canon",
    "l.dob = r.dob AND l.family = r.family AND l.postcode = r.postcode",
    "l.dob = r.dob AND l.given_canon = r.given_canon AND l.postcode = r.postcode",
    "l.family = r.family AND l.given_canon = r.given_canon AND l.postcode = r.postcode",
)


@dataclass(frozen=True)
class Decision:
    """A clerical decision on a pair, keyed by the two records' fingerprints (see :func:`record_keys`)."""

    register_key: str
    secondary_key: str
    accept: bool


@dataclass
class LinkResult:
    links: pa.Table
    review: pa.Table
    model: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    engine: str = "duckdb"
    counts: dict[str, int] = field(default_factory=dict)


def load_nicknames(path: Path = NICKNAMES) -> pa.Table:
    """``name, key`` for every given name variant; a name in several groups (``chris``) has a row for each."""
    pairs: set[tuple[str, str]] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or line.startswith("key,") or not line.strip():
            continue
        key, variants = line.split(",", 1)
        key = key.strip().lower()
        pairs.add((key, key))
        pairs.update((variant.strip().lower(), key) for variant in variants.split())
    ordered = sorted(pairs)
    return pa.table({"name": [n for n, _ in ordered], "key": [k for _, k in ordered]})


_KEY_FIELDS = {
    "register": ("nhs_raw", "family_name", "given_name", "date_of_birth", "postcode", "practice_ods"),
    "secondary": ("nhs_raw", "family_name", "given_name", "date_of_birth", "postcode", "provider_ods",
                  "team_type", "referral_date"),
}


def _key_sql(kind: str, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    parts = ", ".join(f"lower(coalesce(CAST({prefix}{c} AS VARCHAR), ''))" for c in _KEY_FIELDS[kind])
    return f"left(md5(concat_ws('|', {parts})), 20)"


def record_keys(table: pa.Table, kind: Literal["register", "secondary"]) -> pa.Array:
    """A stable fingerprint per row of a clean extract, for recording and reusing clerical decisions."""
    con = duckdb.connect()
    try:
        con.register("t", table)
        return con.sql(f"SELECT {_key_sql(kind)} AS k FROM t").to_arrow_table().column("k").combine_chunks()
    finally:
        con.close()


def _decisions_table(decisions: Iterable[Decision] | pa.Table | None) -> pa.Table:
    if isinstance(decisions, pa.Table):
        return decisions.select(["register_key", "secondary_key", "accept"])
    items = list(decisions or [])
    return pa.table({
        "register_key": pa.array([d.register_key for d in items], type=pa.string()),
        "secondary_key": pa.array([d.secondary_key for d in items], type=pa.string()),
        "accept": pa.array([d.accept for d in items], type=pa.bool_()),
    })


_STD_NAME = "nullif(regexp_extract(lower(strip_accents({c})), '[a-z]+', 0), '')"
_STD_FAMILY = "nullif(regexp_replace(lower(strip_accents({c})), '[^a-z]', '', 'g'), '')"


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Standardised linkage tables ``reg_prep`` and ``sec_prep`` from ``reg_in`` and ``sec_in``."""
    con.register("nick", load_nicknames())
    for kind, source in (("register", "reg_in"), ("secondary", "sec_in")):
        resolved = ("nhs_valid" if kind == "register" else
                    "(nhs_valid AND nhs_number IN (SELECT nhs_number FROM reg_in WHERE nhs_valid))")
        con.execute(f"""
            CREATE OR REPLACE TABLE {"reg_prep" if kind == "register" else "sec_prep"} AS
            SELECT p.*, coalesce(n.canon, p.given) AS given_canon, n.keys AS given_groups
            FROM (
                SELECT
                    row AS unique_id,
                    nhs_digits,
                    nhs_valid,
                    coalesce({resolved}, false) AS nhs_resolved,
                    {_STD_NAME.format(c='given_name')} AS given,
                    {_STD_FAMILY.format(c='family_name')} AS family,
                    strftime(date_of_birth, '%Y-%m-%d') AS dob,
                    CASE WHEN day(date_of_birth) <= 12 AND day(date_of_birth) <> month(date_of_birth)
                        THEN strftime(make_date(year(date_of_birth), day(date_of_birth), month(date_of_birth)),
                                      '%Y-%m-%d') END AS dob_swapped,
                    strftime(date_of_birth, '%Y') AS dob_year,
                    strftime(date_of_birth, '%m-%d') AS dob_month_day,
                    postcode,
                    left(postcode, length(postcode) - 2) AS pc_sector,
                    split_part(postcode, ' ', 1) AS pc_district
                FROM {source}
            ) p LEFT JOIN (SELECT name, min(key) AS canon, list(key ORDER BY key) AS keys FROM nick GROUP BY name) n
                ON n.name = p.given
            ORDER BY unique_id
        """)


def _comparisons() -> list[Any]:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    given = cl.CustomComparison(
        output_column_name="given",
        comparison_levels=[
            cll.NullLevel("given"),
            cll.ExactMatchLevel("given").configure(tf_adjustment_column="given"),
            cll.ArrayIntersectLevel("given_groups", min_intersection=1).configure(
                label_for_charts="same given name group (nickname)"),
            cll.LevenshteinLevel("given", 1),
            cll.JaroWinklerLevel("given", 0.9),
            cll.JaroWinklerLevel("given", 0.75),
            cll.ElseLevel(),
        ],
    )
    family = cl.CustomComparison(
        output_column_name="family",
        comparison_levels=[
            cll.NullLevel("family"),
            cll.ExactMatchLevel("family").configure(tf_adjustment_column="family"),
            cll.LevenshteinLevel("family", 1),
            cll.JaroWinklerLevel("family", 0.9),
            cll.JaroWinklerLevel("family", 0.75),
            cll.ElseLevel(),
        ],
    )
    dob = cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            cll.CustomLevel("dob_swapped_l = dob_r", label_for_charts="day and month swapped"),
            cll.LevenshteinLevel("dob", 1),
            cll.CustomLevel("substr(dob_l, 1, 4) = substr(dob_r, 1, 4)", label_for_charts="same year"),
            cll.ElseLevel(),
        ],
    )
    postcode = cl.CustomComparison(
        output_column_name="postcode",
        comparison_levels=[
            cll.NullLevel("postcode"),
            cll.ExactMatchLevel("postcode"),
            cll.CustomLevel("pc_sector_l = pc_sector_r", label_for_charts="same postcode sector"),
            cll.CustomLevel("pc_district_l = pc_district_r", label_for_charts="same postcode district"),
            cll.ElseLevel(),
        ],
    )
    nhs = cl.CustomComparison(
        output_column_name="nhs_digits",
        comparison_levels=[
            cll.NullLevel("nhs_digits"),
            cll.ExactMatchLevel("nhs_digits"),
            cll.LevenshteinLevel("nhs_digits", 1),
            cll.LevenshteinLevel("nhs_digits", 2),
            cll.ElseLevel(),
        ],
    )
    return [given, family, dob, postcode, nhs]


def _blocking_rules() -> list[Any]:
    return [*(f"{rule} AND {ONE_SIDE_UNKNOWN}" for rule in PREDICTION_RULES),
            *(f"{rule} AND {CANDIDATE}" for rule in WRONG_NUMBER_RULES)]


def _settings() -> Any:
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=_comparisons(),
        blocking_rules_to_generate_predictions=_blocking_rules(),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=["dob_swapped"],
        em_convergence=0.001,
        max_iterations=20,
    )


def _train(linker: Any, exact_recall: float, timings: dict[str, float], *, u_pairs: float,
           em_pairs: float | None, u_chunks: int = 10) -> None:
    from splink import block_on

    started = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_canon", "family", "dob")], recall=exact_recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=SEED, num_chunks=u_chunks)
    timings["train_u"] = time.perf_counter() - started
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given", "family"), max_pairs=em_pairs, estimate_without_term_frequencies=True)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob", "postcode"), max_pairs=em_pairs, estimate_without_term_frequencies=True)
    timings["train_em"] = time.perf_counter() - started - timings["train_u"]


def _sample_sizes(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Random pairs for the u estimates (a million at national scale, fewer for small extracts: a twentieth
    of all possible pairs, at least 200,000) and blocked pairs per EM session (sampled down to
    ``EM_PAIRS`` only for large extracts; a small one is used whole, which also spares the sampling pass)."""
    n_reg, n_sec = con.sql("SELECT (SELECT count(*) FROM reg_prep), (SELECT count(*) FROM sec_prep)").fetchall()[0]
    return {"u_pairs": float(min(U_PAIRS, max(2e5, 0.05 * n_reg * n_sec))),
            "em_pairs": EM_PAIRS if n_reg * n_sec > 1e10 else None}


_PREDICTED_COLUMNS = ("unique_id_l", "unique_id_r", "source_dataset_l", "match_probability", "match_weight",
                      "given_l", "given_r", "given_groups_l", "given_groups_r", "family_l", "family_r",
                      "dob_l", "dob_r", "dob_swapped_l", "dob_swapped_r", "postcode_l", "postcode_r",
                      "nhs_digits_l", "nhs_digits_r")


def _exact_recall(con: duckdb.DuckDBPyConnection) -> float:
    """Share of NHS-number-matched pairs that also agree on given name group, family name and date of birth:
    the recall of the deterministic rule used to estimate the prior."""
    share = con.sql("""
        SELECT avg(CASE WHEN r.given_canon = s.given_canon AND r.family = s.family AND r.dob = s.dob
                   THEN 1.0 ELSE 0.0 END)
        FROM reg_prep r JOIN sec_prep s ON r.nhs_digits = s.nhs_digits AND r.nhs_resolved AND s.nhs_resolved
    """).fetchall()
    value = float(share[0][0]) if share and share[0][0] is not None else 0.8
    return min(0.99, max(0.3, value))


def _link_duckdb(con: duckdb.DuckDBPyConnection, recall: float, timings: dict[str, float]) -> tuple[Any, str]:
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    reg = db_api.register("reg_prep", dataset_display_name="register")
    sec = db_api.register("sec_prep", dataset_display_name="secondary")
    linker = Linker([reg, sec], _settings(), log_level=logging.ERROR)
    _train(linker, recall, timings, **_sample_sizes(con))
    model = linker.misc.save_model_to_json()
    started = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=REVIEW_FLOOR, warning_mode="never")
    cols = ", ".join(_PREDICTED_COLUMNS)
    con.execute(f"CREATE OR REPLACE TABLE scored AS SELECT {cols} FROM {predictions.physical_name}")
    timings["predict"] = time.perf_counter() - started
    return model, "duckdb"


def _link_spark(con: duckdb.DuckDBPyConnection, recall: float, timings: dict[str, float]) -> tuple[Any, str]:
    from splink import Linker, SparkAPI

    from partners.casefinding.core.spark import spark_session, to_arrow

    started = time.perf_counter()
    spark = spark_session()
    timings["spark_start"] = time.perf_counter() - started
    reg_df = spark.createDataFrame(con.sql("SELECT * FROM reg_prep").to_arrow_table().to_pandas())
    sec_df = spark.createDataFrame(con.sql("SELECT * FROM sec_prep").to_arrow_table().to_pandas())
    db_api = SparkAPI(spark_session=spark, num_partitions_on_repartition=4, break_lineage_method="persist")
    reg = db_api.register(reg_df, dataset_display_name="register", table_name="reg_prep")
    sec = db_api.register(sec_df, dataset_display_name="secondary", table_name="sec_prep")
    linker = Linker([reg, sec], _settings(), log_level=logging.ERROR)
    _train(linker, recall, timings, **_sample_sizes(con), u_chunks=1)
    model = linker.misc.save_model_to_json()
    started = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=REVIEW_FLOOR, warning_mode="never")
    scored = to_arrow(predictions.as_spark_dataframe().select(*_PREDICTED_COLUMNS))
    con.register("scored_arrow", scored)
    con.execute("CREATE OR REPLACE TABLE scored AS SELECT * FROM scored_arrow")
    timings["predict"] = time.perf_counter() - started
    return model, "spark"


def _exact_links_spark(con: duckdb.DuckDBPyConnection) -> None:
    """Step 1 on Spark, for ``engine="spark"`` (the same join the DuckDB engine makes)."""
    from partners.casefinding.core.spark import spark_session, to_arrow

    spark = spark_session()
    spark.createDataFrame(con.sql("SELECT row, nhs_number FROM reg_in WHERE nhs_valid").to_arrow_table()
                          .to_pandas()).createOrReplaceTempView("cf_reg_nhs")
    spark.createDataFrame(con.sql("SELECT row, nhs_number FROM sec_in WHERE nhs_valid").to_arrow_table()
                          .to_pandas()).createOrReplaceTempView("cf_sec_nhs")
    exact = to_arrow(spark.sql("""
        SELECT r.row AS register_row, s.row AS secondary_row
        FROM cf_reg_nhs r JOIN cf_sec_nhs s ON r.nhs_number = s.nhs_number
    """))
    con.register("exact_arrow", exact)
    con.execute("CREATE OR REPLACE TABLE exact_links AS SELECT * FROM exact_arrow")


def link(
    register: pa.Table,
    secondary: pa.Table,
    *,
    threshold: float = 0.9,
    engine: Engine = "duckdb",
    decisions: Iterable[Decision] | pa.Table | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> LinkResult:
    """Link every secondary row to the register rows of the same person (see the module docstring)."""
    if not REVIEW_FLOOR < threshold <= 1:
        raise ValueError(f"threshold must be above {REVIEW_FLOOR} and at most 1, not {threshold}")
    if engine not in ("duckdb", "spark"):
        raise ValueError(f"engine must be duckdb or spark, not {engine!r}")
    own = con is None
    con = con or duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    timings: dict[str, float] = {}
    try:
        started = time.perf_counter()
        con.register("reg_in", register)
        con.register("sec_in", secondary)
        con.register("decisions_in", _decisions_table(decisions))
        _prepare(con)
        timings["prepare"] = time.perf_counter() - started
        started = time.perf_counter()
        if engine == "spark":
            _exact_links_spark(con)
        else:
            con.execute("""
                CREATE OR REPLACE TABLE exact_links AS
                SELECT r.row AS register_row, s.row AS secondary_row
                FROM reg_in r JOIN sec_in s ON r.nhs_number = s.nhs_number
                WHERE r.nhs_valid AND s.nhs_valid
            """)
        timings["exact"] = time.perf_counter() - started
        recall = _exact_recall(con)
        model, engine_used = (_link_spark if engine == "spark" else _link_duckdb)(con, recall, timings)
        started = time.perf_counter()
        links, review, counts = _resolve(con, threshold)
        timings["resolve"] = time.perf_counter() - started
        model = {"settings": model, "prior_recall": recall}
        return LinkResult(links=links, review=review, model=model, timings=timings, engine=engine_used,
                          counts=counts)
    finally:
        if own:
            con.close()


def _resolve(con: duckdb.DuckDBPyConnection, threshold: float) -> tuple[pa.Table, pa.Table, dict[str, int]]:
    """Guard, threshold, clerical decisions and the review queue, from ``scored`` and ``exact_links``."""
    have_decisions = con.sql("SELECT count(*) FROM decisions_in").fetchall()[0][0] > 0
    if have_decisions:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE decided AS
            SELECT rk.row AS register_row, sk.row AS secondary_row, d.accept
            FROM decisions_in d
            JOIN (SELECT row, {_key_sql('register')} AS k FROM reg_in) rk ON rk.k = d.register_key
            JOIN (SELECT row, {_key_sql('secondary')} AS k FROM sec_in) sk ON sk.k = d.secondary_key
        """)
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE decided (register_row BIGINT, secondary_row BIGINT, accept BOOLEAN)")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE judged AS
        WITH pairs AS (
            SELECT register_row, secondary_row, match_probability, match_weight,
                CASE WHEN coalesce(nhs_agree, false) OR (coalesce(given_agree, false) AND coalesce(dob_agree, false))
                     THEN NULL ELSE 'household' END AS guard
            FROM (
            SELECT
                CASE WHEN source_dataset_l = 'register' THEN unique_id_l ELSE unique_id_r END AS register_row,
                CASE WHEN source_dataset_l = 'register' THEN unique_id_r ELSE unique_id_l END AS secondary_row,
                match_probability, match_weight,
                (nhs_digits_l = nhs_digits_r OR damerau_levenshtein(nhs_digits_l, nhs_digits_r) <= 1) AS nhs_agree,
                (given_l = given_r OR list_has_any(given_groups_l, given_groups_r)
                    OR damerau_levenshtein(given_l, given_r) <= 1
                    OR jaro_winkler_similarity(given_l, given_r) >= 0.88) AS given_agree,
                (dob_l = dob_r OR dob_swapped_l = dob_r OR damerau_levenshtein(dob_l, dob_r) <= 1
                    OR abs(date_diff('day', TRY_CAST(dob_l AS DATE), TRY_CAST(dob_r AS DATE))) <= 31) AS dob_agree
            FROM scored
        ) p
        )
        SELECT p.*, d.accept AS decision
        FROM pairs p LEFT JOIN decided d USING (register_row, secondary_row)
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE links_final AS
        SELECT register_row, secondary_row, arg_min(method, rank) AS method,
            max(match_probability) AS match_probability
        FROM (
            SELECT register_row, secondary_row, 'nhs_number' AS method, 1.0::DOUBLE AS match_probability, 0 AS rank
            FROM exact_links
            UNION ALL
            SELECT register_row, secondary_row, 'probabilistic', match_probability, 2 FROM judged
            WHERE match_probability >= {threshold} AND guard IS NULL AND decision IS NULL
            UNION ALL
            SELECT d.register_row, d.secondary_row, 'clerical', j.match_probability, 1
            FROM decided d LEFT JOIN judged j USING (register_row, secondary_row)
            WHERE d.accept
        )
        GROUP BY register_row, secondary_row
        ORDER BY register_row, secondary_row
    """)
    review = con.sql(f"""
        WITH linked AS (
            SELECT secondary_row, min(register_row) AS lo, max(register_row) AS hi
            FROM links_final GROUP BY secondary_row
        ), queue AS (
            SELECT j.* FROM judged j LEFT JOIN linked k ON k.secondary_row = j.secondary_row
            WHERE j.decision IS NULL
              AND (j.match_probability < {threshold} OR j.guard IS NOT NULL)
              AND (k.secondary_row IS NULL OR (k.lo = j.register_row AND k.hi = j.register_row))
        )
        SELECT q.register_row, q.secondary_row, q.match_probability, q.match_weight, q.guard,
            {_key_sql('register', 'r')} AS register_key, {_key_sql('secondary', 's')} AS secondary_key,
            r.nhs_raw AS register_nhs_number, r.family_name AS register_family_name,
            r.given_name AS register_given_name, r.date_of_birth AS register_date_of_birth,
            r.postcode AS register_postcode, r.practice_ods,
            s.nhs_raw AS secondary_nhs_number, s.family_name AS secondary_family_name,
            s.given_name AS secondary_given_name, s.date_of_birth AS secondary_date_of_birth,
            s.postcode AS secondary_postcode, s.provider_ods, s.team_type, s.referral_date, s.discharge_date
        FROM queue q
        JOIN reg_in r ON r.row = q.register_row
        JOIN sec_in s ON s.row = q.secondary_row
        ORDER BY q.register_row, q.secondary_row
    """).to_arrow_table()
    links = con.sql("SELECT * FROM links_final").to_arrow_table()
    counts = con.sql("""
        SELECT count(*), count(*) FILTER (WHERE guard IS NOT NULL), count(*) FILTER (WHERE decision IS NOT NULL)
        FROM judged
    """).fetchall()[0]
    return links, review, {"scored_pairs": int(counts[0]), "guarded_pairs": int(counts[1]),
                           "decided_pairs": int(counts[2])}
