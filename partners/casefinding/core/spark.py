"""A local Spark session for ``engine="spark"`` (splink's Spark backend), created once per process.

Local mode with every core, few shuffle partitions (the data fit one machine; Spark's default of 200
partitions only adds overhead here), no web UI, and splink's similarity functions (Jaro-Winkler,
Damerau-Levenshtein) registered from the jar that ships with splink. ``PARTNERS_SPARK_MEMORY`` sets
the driver memory (default 4g).
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any

import pyarrow as pa

_SESSION: Any = None


def spark_session() -> Any:
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master("local[*]")
        .appName("partners-casefind")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .config("spark.driver.memory", os.environ.get("PARTNERS_SPARK_MEMORY", "4g"))
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.driver.extraJavaOptions", "-Dlog4j2.level=ERROR")
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(os.path.join(tempfile.gettempdir(), "partners-spark-checkpoints"))
    _SESSION = session
    return session


def to_arrow(frame: Any) -> pa.Table:
    """A Spark DataFrame collected as an Arrow table."""
    if hasattr(frame, "toArrow"):
        return frame.toArrow()
    return pa.Table.from_pandas(frame.toPandas(), preserve_index=False)


def stop() -> None:
    global _SESSION
    if _SESSION is not None:
        _SESSION.stop()
        _SESSION = None
