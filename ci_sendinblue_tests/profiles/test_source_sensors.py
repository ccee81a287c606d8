"""The profiles sensor watches each kind of source for what its change means: a dataset's parts, a CDM
folder's metadata, a database's answer to the change query; each tick says what it saw."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ci_sendinblue.config.models import ProfilesSettings
from ci_sendinblue.naming import Names
from ci_sendinblue.profiles.sensors import build_profiles_sensor

CDM_DATA = Path(__file__).resolve().parent.parent / "data" / "cdm"
MODIFIED = dt.datetime(2026, 11, 29, 4, 12, 33, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 11, 30, 5, 1, 2, tzinfo=dt.UTC)


def touch(path: Path, when: dt.datetime) -> None:
    stamp = int(when.timestamp() * 1e9)
    os.utime(path, ns=(stamp, stamp))


def tick(sensor: dg.SensorDefinition, cursor: str | None = None) -> tuple[dg.SensorExecutionData, str | None]:
    context = dg.build_sensor_context(cursor=cursor)
    return sensor.evaluate_tick(context), context.cursor


def sensor_for(**source) -> dg.SensorDefinition:
    return build_profiles_sensor(ProfilesSettings(key="CustomerId", **source), Names())


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "profiles"
    for index, country in enumerate(["US", "FR"]):
        part = folder / f"Country={country}" / "part-0.csv"
        part.parent.mkdir(parents=True)
        part.write_text("CustomerId,Email\n" + f"{index},a{index}@example.com\n" * 100)
        touch(part, MODIFIED)
    return folder


def test_a_dataset_is_remembered_with_its_parts_newest_time_and_size(dataset):
    result, cursor = tick(sensor_for(path=dataset))
    assert result.skip_message == (
        "first look at the profiles dataset (2 parts, newest modified 2026-11-29 04:12 UTC, 3.4 kB): "
        "remembered, nothing started"
    )
    again, _ = tick(sensor_for(path=dataset), cursor)
    assert again.run_requests == []
    assert again.skip_message == "profiles dataset unchanged: 2 parts, newest modified 2026-11-29 04:12 UTC, 3.4 kB"


def test_a_touched_part_starts_a_run_saying_what_changed(dataset):
    sensor = sensor_for(path=dataset)
    _, cursor = tick(sensor)
    touch(dataset / "Country=FR" / "part-0.csv", LATER)
    [request] = tick(sensor, cursor)[0].run_requests
    assert request.run_key.startswith("profiles_dataset_changed:")
    assert request.tags["ci_sendinblue/trigger"] == "profiles_dataset_changed"
    assert request.tags["ci_sendinblue/reason"] == (
        "profiles dataset changed: 2 parts, newest modified 2026-11-30 05:01 UTC, 3.4 kB "
        "(was 2 parts, newest modified 2026-11-29 04:12 UTC, 3.4 kB)"
    )
    assert request.tags["ci_sendinblue/profiles_modified"] == "2026-11-30T05:01:02+00:00"


def test_a_part_added_starts_a_run(dataset):
    sensor = sensor_for(path=dataset)
    _, cursor = tick(sensor)
    part = dataset / "Country=DE" / "part-0.csv"
    part.parent.mkdir()
    part.write_text("CustomerId,Email\n9,z@example.com\n")
    touch(part, MODIFIED)
    assert len(tick(sensor, cursor)[0].run_requests) == 1


def test_a_missing_folder_is_named_with_its_setting(tmp_path):
    result, cursor = tick(sensor_for(path=tmp_path / "nowhere"))
    assert result.skip_message == (
        f"profiles folder {tmp_path / 'nowhere'} does not exist (setting profiles.path); nothing started"
    )
    assert cursor is None


def test_a_cdm_folder_starts_a_run_when_its_metadata_is_rewritten_not_when_a_partition_is(tmp_path):
    folder = tmp_path / "model_json"
    shutil.copytree(CDM_DATA / "model_json", folder)
    touch(folder / "model.json", MODIFIED)
    sensor = sensor_for(cdm={"folder": folder})
    first, cursor = tick(sensor)
    assert first.skip_message.startswith("first look at the CDM folder (modified 2026-11-29 04:12 UTC, size ")

    touch(folder / "Customer" / "part-00001.csv", LATER)  # the producer is still writing: no run yet
    assert tick(sensor, cursor)[0].run_requests == []

    (folder / "model.json").write_text((folder / "model.json").read_text().replace("03:15:00", "05:01:00"))
    touch(folder / "model.json", LATER)
    [request] = tick(sensor, cursor)[0].run_requests
    assert request.tags["ci_sendinblue/trigger"] == "profiles_cdm_changed"
    assert request.tags["ci_sendinblue/reason"].startswith("CDM folder changed: modified 2026-11-30 05:01 UTC")


def test_a_cdm_manifest_is_watched_with_the_entity_definition(tmp_path):
    folder = tmp_path / "manifest"
    shutil.copytree(CDM_DATA / "manifest", folder)
    sensor = sensor_for(cdm={"folder": folder})
    first, cursor = tick(sensor)
    assert "2 metadata files" in first.skip_message
    touch(folder / "Customer.cdm.json", LATER)
    assert len(tick(sensor, cursor)[0].run_requests) == 1


@pytest.fixture
def duckdb_file(tmp_path: Path) -> Path:
    path = tmp_path / "crm.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table customers as select 'C1' as CustomerId, 'a@example.com' as Email")
    return path


def test_a_row_inserted_in_a_table_starts_a_run(duckdb_file):
    sensor = sensor_for(sql={"database": duckdb_file, "table": "customers"})
    first, cursor = tick(sensor)
    assert first.skip_message == "first look at the profiles table (1 row): remembered, nothing started"
    assert tick(sensor, cursor)[0].skip_message == "profiles table unchanged: 1 row"
    with duckdb.connect(str(duckdb_file)) as con:
        con.execute("insert into customers values ('C2', 'b@example.com')")
    [request] = tick(sensor, cursor)[0].run_requests
    assert request.tags["ci_sendinblue/trigger"] == "profiles_table_changed"
    assert request.tags["ci_sendinblue/reason"] == "profiles table changed: 2 rows (was 1 row)"


def test_the_change_query_decides_what_a_change_is(duckdb_file):
    query = "select max(Email) as newest from customers"
    sensor = sensor_for(sql={"database": duckdb_file, "table": "customers", "change_query": query})
    first, cursor = tick(sensor)
    assert first.skip_message == (
        "first look at the profiles table (change_query returned a@example.com): remembered, nothing started"
    )
    with duckdb.connect(str(duckdb_file)) as con:
        con.execute("insert into customers values ('C0', 'Z@example.com')")  # max(Email) stays a@example.com
    assert tick(sensor, cursor)[0].run_requests == []


def test_a_failing_change_query_says_so_with_its_setting(duckdb_file):
    sensor = sensor_for(sql={"database": duckdb_file, "table": "customers", "change_query": "select nope"})
    message = tick(sensor)[0].skip_message
    assert message.startswith("the change query fails in DuckDB file ")
    assert message.endswith("(setting profiles.sql.change_query); nothing started")


def test_spark_profiles_are_not_watched_and_the_sensor_says_so():
    sensor = sensor_for(spark={"master": "local[1]", "table": "crm.customers"})
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    assert tick(sensor)[0].skip_message.startswith("Spark profiles are not watched")


@pytest.mark.postgres
def test_a_row_inserted_in_a_postgres_table_starts_a_run(monkeypatch):
    import sqlalchemy as sa

    url = os.environ.get("CI_SENDINBLUE_TEST_POSTGRES_URL", "").strip()
    if not url:
        pytest.skip("PostgreSQL cases skipped: CI_SENDINBLUE_TEST_POSTGRES_URL is not set")
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    table = f"h_sources_sensor_{os.getpid()}"
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'create table "{table}" ("CustomerId" text)'))
            conn.execute(sa.text(f"insert into \"{table}\" values ('C1')"))
    except sa.exc.OperationalError as error:
        pytest.skip(f"PostgreSQL cases skipped: the server does not answer ({type(error.orig).__name__})")
    try:
        monkeypatch.setenv("PROFILES_DB_URL", url)
        sensor = sensor_for(sql={"url_env": "PROFILES_DB_URL", "table": table})
        first, cursor = tick(sensor)
        assert first.skip_message == "first look at the profiles table (1 row): remembered, nothing started"
        with engine.begin() as conn:
            conn.execute(sa.text(f"insert into \"{table}\" values ('C2')"))
        [request] = tick(sensor, cursor)[0].run_requests
        assert request.tags["ci_sendinblue/reason"] == "profiles table changed: 2 rows (was 1 row)"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'drop table "{table}"'))
        engine.dispose()
