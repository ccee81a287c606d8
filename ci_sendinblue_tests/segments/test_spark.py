"""Segment rules run by Spark (local mode, through ibis' PySpark backend) select the profiles that pandas and
DuckDB select: the same compiled rules, on the same data.

One SparkSession for the module, on this machine only (driver bound to 127.0.0.1, no UI); each table's rules
are evaluated in one query (``rule_flags``), since Spark plans and compiles every query anew. Skipped, saying
why, without Java 17 or pyspark (``./dev test`` in CI installs Debian's openjdk-17-jre-headless).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pytest

from ci_sendinblue.segments.compiled import rule_flags
from ci_sendinblue.segments.members import select_members
from ci_sendinblue_tests.segments.rule_cases import (
    TEXT_PROFILES,
    TEXT_RULES,
    TYPED_PROFILES,
    TYPED_RULES,
    condition_of,
    duckdb_table,
    pandas_members,
)
from ci_sendinblue_tests.segments.test_members import PROFILES, RULE, rows

pytestmark = pytest.mark.spark

JAVA_INSTALL = "Debian: apt-get install openjdk-17-jre-headless"


def _java_major() -> int | None:
    """The major version of the ``java`` on PATH (None when there is none)."""
    java = shutil.which("java")
    if java is None:
        return None
    shown = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60).stderr
    found = re.search(r'version "(?:1\.)?(\d+)', shown)
    return int(found.group(1)) if found else 0


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    major = _java_major()
    if major is None:
        pytest.skip(f"java is not on PATH: Spark needs a Java 17 runtime ({JAVA_INSTALL})")
    if major < 17:
        pytest.skip(f"java {major} is on PATH: Spark 4 needs Java 17 or later ({JAVA_INSTALL})")
    pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'ci-sendinblue[spark]'")
    from pyspark.sql import SparkSession

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        session = (
            SparkSession.builder.master("local[1]")
            .appName("ci_sendinblue_tests")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.default.parallelism", "1")
            .config("spark.sql.adaptive.enabled", "false")
            # A short-lived JVM: the client compiler alone starts and warms up in half the time.
            .config("spark.driver.extraJavaOptions", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        try:
            yield session
        finally:
            session.stop()


def spark_table(spark: Any, profiles: pa.Table, name: str) -> ir.Table:
    spark.createDataFrame(profiles).createOrReplaceTempView(name)
    return ibis.pyspark.connect(spark).table(name)


def _disagreements(rules: list[Any], profiles: pa.Table, table: ir.Table) -> dict[str, Any]:
    """The rules whose Spark members differ from pandas' or DuckDB's, with the three answers."""
    conditions = {case.id: condition_of(case.values[0]) for case in rules}
    flags = rule_flags(conditions, table, keep=["Id"]).to_pyarrow()
    on_duckdb = rule_flags(conditions, duckdb_table(profiles), keep=["Id"]).to_pyarrow()
    wrong = {}
    for case in rules:
        spark_ids = sorted(i for i, hit in zip(flags["Id"].to_pylist(), flags[case.id].to_pylist(), strict=True) if hit)
        duckdb_ids = sorted(
            i for i, hit in zip(on_duckdb["Id"].to_pylist(), on_duckdb[case.id].to_pylist(), strict=True) if hit
        )
        pandas_ids = pandas_members(case.values[0], profiles)
        if not spark_ids == duckdb_ids == pandas_ids:
            wrong[case.id] = {"spark": spark_ids, "duckdb": duckdb_ids, "pandas": pandas_ids}
    return wrong


def test_spark_selects_what_pandas_and_duckdb_select_from_text(spark: Any):
    assert _disagreements(TEXT_RULES, TEXT_PROFILES, spark_table(spark, TEXT_PROFILES, "text_profiles")) == {}


def test_spark_selects_what_pandas_and_duckdb_select_from_typed_columns(spark: Any):
    assert _disagreements(TYPED_RULES, TYPED_PROFILES, spark_table(spark, TYPED_PROFILES, "typed_profiles")) == {}


def test_spark_members_are_the_pandas_paths_and_duckdbs(spark: Any):
    columns = ["CustomerId", "Email"]
    on_spark = select_members(spark_table(spark, PROFILES, "profiles"), condition_of(RULE), "CustomerId", columns)
    on_duckdb = select_members(duckdb_table(PROFILES), condition_of(RULE), "CustomerId", columns)
    assert on_spark.column_names == columns
    assert (
        rows(on_spark)
        == rows(on_duckdb)
        == [("C1", "c0@example.com"), ("C6", "c6@example.com"), ("C9", "c9@example.com")]
    )
