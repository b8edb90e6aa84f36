"""The Spark engine (splink's Spark backend, local mode) gives the same statuses as DuckDB."""

import shutil
from datetime import date

import pytest

from partners.casefinding import synth
from partners.casefinding.core.pipeline import run_casefind

pytestmark = [pytest.mark.slow]


def test_duckdb_and_spark_give_the_same_statuses_on_20000_register_rows(tmp_path):
    # Spark needs a Java runtime: .ci/run installs one; without it this fails rather than skips.
    assert shutil.which("java"), "Spark needs a Java runtime (apt-get install default-jre-headless)"
    paths = synth.write(synth.generate(20_000, seed=20), tmp_path)
    as_of = date(2026, 4, 1)
    duck = run_casefind(paths["register"], paths["secondary"], as_of=as_of, engine="duckdb")
    spark = run_casefind(paths["register"], paths["secondary"], as_of=as_of, engine="spark")
    assert duck.output is not None and spark.output is not None
    assert spark.links is not None and spark.links.engine == "spark"
    duck_status = duck.output.column("status").to_pylist()
    spark_status = spark.output.column("status").to_pylist()
    assert len(duck_status) == 20_000
    differing = [i for i, (a, b) in enumerate(zip(duck_status, spark_status, strict=True)) if a != b]
    assert differing == []
    assert duck.output.column("match_method").to_pylist() == spark.output.column("match_method").to_pylist()
