"""Every kind of profiles source, end to end: the same profiles held as a CSV file, a hive-partitioned Parquet
dataset, a glob of CSV parts, a DuckDB database, a PostgreSQL table and a Parquet folder read by Spark, each
segmented where it lives and exported over HTTP to the real emulator process. Every run must leave the list
the independently computed ``expected_members`` says, whatever the source and whichever evaluation path."""

from __future__ import annotations

import copy
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ci_sendinblue_tests.helpers import ATTRIBUTES, COLUMNS, PROFILES, e2e_config, expected_members
from ci_sendinblue_tests.sendinblue.conftest import POSTGRES_URL_VARIABLE

pytestmark = pytest.mark.e2e

NEWSLETTER = dg.AssetKey(["sendinblue", "newsletter"])
PROFILES_KEY = dg.AssetKey(["customer_profiles"])


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(PROFILES, columns=COLUMNS)


def config_with(api_url: str, profiles: dict[str, Any]) -> dict[str, Any]:
    config = copy.deepcopy(e2e_config(api_url))
    config["profiles"] = {"key": "CustomerId", "watch": False, **profiles}
    return config


def listed(emulator) -> dict[str, dict[str, str]]:
    return {m["email"]: m["attributes"] for m in emulator.members(12)}


def assert_list_as_expected(run, emulator, frame: pd.DataFrame) -> None:
    """Brevo's view (the list's members) is what the profiles say, and what the run recorded."""
    assert run.result.success, run.failure_message
    expected = expected_members(frame)
    assert listed(emulator) == expected
    assert run.metadata(NEWSLETTER)["brevo_members"] == len(expected)


def test_a_csv_file_gives_the_same_list_on_both_evaluation_paths(emulator, run_pipeline, frame, tmp_path):
    """The same file, evaluated in pandas and where it lives (DuckDB through ibis): one list, value for value."""
    pandas_run = run_pipeline(config_with(emulator.api_url, {"path": "profiles.csv", "engine": "pandas"}))
    assert_list_as_expected(pandas_run, emulator, frame)
    by_pandas = listed(emulator)
    emulator.reset(lists={12: "Newsletter"}, attributes=ATTRIBUTES, contacts_rate=None, hourly_budget=None)
    shutil.rmtree(tmp_path / "dagster_home")
    (tmp_path / "dagster_home").mkdir()
    ibis_run = run_pipeline(config_with(emulator.api_url, {"path": "profiles.csv", "engine": "ibis"}))
    assert_list_as_expected(ibis_run, emulator, frame)
    assert listed(emulator) == by_pandas
    profiles = ibis_run.metadata(PROFILES_KEY)
    assert profiles["dagster/row_count"] == len(frame)
    assert [c.name for c in profiles["dagster/column_schema"].columns] == COLUMNS


def test_a_hive_partitioned_parquet_dataset(emulator, run_pipeline, frame, tmp_path):
    dataset = tmp_path / "lake" / "profiles"
    for country, part in frame.groupby("Country"):
        folder = dataset / f"Country={country}"
        folder.mkdir(parents=True)
        pq.write_table(pa.Table.from_pandas(part.drop(columns="Country"), preserve_index=False), folder / "0.parquet")
    run = run_pipeline(config_with(emulator.api_url, {"path": str(dataset)}))
    assert_list_as_expected(run, emulator, frame)
    assert run.metadata(PROFILES_KEY)["dagster/row_count"] == len(frame)


def test_a_glob_of_csv_parts(emulator, run_pipeline, frame, tmp_path):
    parts = tmp_path / "parts"
    parts.mkdir()
    frame.iloc[:2].to_csv(parts / "profiles-1.csv", index=False)
    frame.iloc[2:].to_csv(parts / "profiles-2.csv", index=False)
    run = run_pipeline(config_with(emulator.api_url, {"path": str(parts / "profiles-*.csv")}))
    assert_list_as_expected(run, emulator, frame)


@pytest.mark.parametrize(
    "relation",
    [{"table": "analytics.customers"}, {"query": "select * from analytics.customers where CustomerId <> 'none'"}],
    ids=["table", "query"],
)
def test_a_duckdb_database_table_or_query(emulator, run_pipeline, frame, tmp_path, relation):
    database = tmp_path / "crm.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("create schema analytics")
        connection.register("frame", frame)
        connection.execute("create table analytics.customers as select * from frame")
    run = run_pipeline(config_with(emulator.api_url, {"sql": {"database": str(database), **relation}}))
    assert_list_as_expected(run, emulator, frame)


def test_a_postgresql_table(emulator, run_pipeline, frame, monkeypatch):
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if not url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set: no PostgreSQL server to read the profiles from")
    import sqlalchemy as sa

    schema = f"ci_sb_profiles_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        frame.to_sql("customers", engine, schema=schema, index=False)
        monkeypatch.setenv("PROFILES_DB_URL", url)
        sql = {"url_env": "PROFILES_DB_URL", "table": f"{schema}.customers"}
        run = run_pipeline(config_with(emulator.api_url, {"sql": sql}))
        assert_list_as_expected(run, emulator, frame)
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.mark.spark
def test_a_parquet_folder_on_spark_in_local_mode(emulator, run_pipeline, frame, tmp_path):
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java 17 and `java` is not on PATH (.ci/run installs openjdk-17-jre-headless)")
    pytest.importorskip("pyspark", reason="the spark extra (pyspark) is not installed")
    folder = tmp_path / "spark_profiles"
    folder.mkdir()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), folder / "part-0.parquet")
    spark = {"master": "local[1]", "path": str(folder), "conf": {"spark.ui.enabled": "false"}}
    run = run_pipeline(config_with(emulator.api_url, {"spark": spark}))
    assert_list_as_expected(run, emulator, frame)


CDM_EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "cdm"


@pytest.mark.parametrize("form", ["model_json", "manifest"])
def test_a_customer_insights_cdm_folder_in_either_metadata_form(emulator, run_pipeline, tmp_path, form):
    """The hand-written CDM examples: typed columns (a double, a boolean) read as the metadata says, and the
    rules compare them by type."""
    folder = tmp_path / "lake" / "ci-output"
    shutil.copytree(CDM_EXAMPLES / form, folder)
    config = config_with(emulator.api_url, {"cdm": {"folder": str(folder)}})
    config["segments"] = {
        "consenting": {"where": {"field": "MarketingConsent", "op": "eq", "value": True}},
        "high_value": {"where": {"field": "LifetimeValue", "op": "ge", "value": 1000}},
    }
    export = config["exports"]["newsletter"]
    export.update(segments=["consenting", "high_value"], mapping={"email": "Email", "FIRSTNAME": "FirstName"})
    export.pop("phone_region_column")
    run = run_pipeline(config)
    assert run.result.success, run.failure_message
    assert listed(emulator) == {
        "ana.munoz@example.com": {"FIRSTNAME": "Ana"},  # consenting, and 1250.5
        "jane.doe@example.com": {"FIRSTNAME": "Jane"},  # 2000, consent False
        "zoe@example.com": {"FIRSTNAME": "Zoë"},  # consenting, no lifetime value
    }
    profiles = run.metadata(PROFILES_KEY)
    assert profiles["dagster/row_count"] == 4
    types = {c.name: c.type for c in profiles["dagster/column_schema"].columns}
    assert types["LifetimeValue"] != types["FirstName"]
