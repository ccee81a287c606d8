"""Profiles in a database open as a table or a query on that database: a DuckDB file (read-only), and
PostgreSQL for real when CI_SENDINBLUE_TEST_POSTGRES_URL is set. A password never shows."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from ci_sendinblue.config.models import ProfilesSettings
from ci_sendinblue.profiles.sql import ibis_style, mask_url
from ci_sendinblue.profiles.tables import (
    ProfilesSourceError,
    ProfilesSourceUnavailable,
    open_profiles,
    profile_columns,
    reading,
)

POSTGRES_URL_VARIABLE = "CI_SENDINBLUE_TEST_POSTGRES_URL"
CUSTOMERS = [("C1", "ann@example.com", 1250.5), ("C2", "bo@example.com", None)]


@pytest.fixture
def duckdb_file(tmp_path: Path) -> Path:
    path = tmp_path / "crm.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema analytics")
        con.execute("create table analytics.customers (CustomerId varchar, Email varchar, LifetimeValue double)")
        con.executemany("insert into analytics.customers values (?, ?, ?)", CUSTOMERS)
    return path


def read(settings: ProfilesSettings) -> list[tuple]:
    with open_profiles(settings) as pt, reading(pt):
        return [tuple(row.values()) for row in pt.table.order_by("CustomerId").to_pyarrow().to_pylist()]


def test_a_duckdb_file_table_opens_schema_qualified_with_its_types(duckdb_file):
    settings = ProfilesSettings(sql={"database": duckdb_file, "table": "analytics.customers"}, key="CustomerId")
    assert read(settings) == CUSTOMERS
    with open_profiles(settings) as pt:
        assert pt.description == f"table analytics.customers in DuckDB file {duckdb_file}"
        assert str(pt.table.schema()["LifetimeValue"]) == "float64"
    assert profile_columns(settings) == ["CustomerId", "Email", "LifetimeValue"]


def test_a_duckdb_file_query_opens_as_its_result(duckdb_file):
    query = "select CustomerId, upper(Email) as Email from analytics.customers where LifetimeValue > 1000"
    settings = ProfilesSettings(sql={"database": duckdb_file, "query": query}, key="CustomerId")
    assert read(settings) == [("C1", "ANN@EXAMPLE.COM")]


def test_a_missing_table_and_a_failing_query_name_their_setting(duckdb_file):
    missing = ProfilesSettings(sql={"database": duckdb_file, "table": "analytics.clients"}, key="CustomerId")
    with pytest.raises(ProfilesSourceError, match=r"^profiles\.sql\.table: table 'analytics\.clients' cannot be read"):
        open_profiles(missing)
    failing = ProfilesSettings(sql={"database": duckdb_file, "query": "select Tier from analytics.customers"}, key="Id")
    with pytest.raises(ProfilesSourceError, match=r"^profiles\.sql\.query: the query fails in DuckDB file .*Tier"):
        open_profiles(failing)


def test_a_missing_duckdb_file_is_unavailable(tmp_path):
    settings = ProfilesSettings(sql={"database": tmp_path / "none.duckdb", "table": "customers"}, key="CustomerId")
    with pytest.raises(ProfilesSourceUnavailable, match=r"^profiles\.sql\.database: DuckDB file .* does not exist"):
        open_profiles(settings)


def test_an_unreachable_database_is_unavailable_and_its_password_never_shows(monkeypatch):
    monkeypatch.setenv("PROFILES_DB_URL", "postgresql+psycopg://app:s3cr3t-pw@127.0.0.1:9/crm")
    settings = ProfilesSettings(sql={"url_env": "PROFILES_DB_URL", "table": "customers"}, key="CustomerId")
    with pytest.raises(ProfilesSourceUnavailable) as raised:
        open_profiles(settings)
    assert str(raised.value).startswith(
        "profiles.sql.url_env: cannot connect to postgresql+psycopg://app:***@127.0.0.1:9"
    )
    assert "s3cr3t-pw" not in str(raised.value)


def test_urls_are_taken_sqlalchemy_style_or_ibis_style_and_shown_masked():
    assert ibis_style("postgresql+psycopg://app@db/crm") == "postgresql://app@db/crm"
    assert ibis_style("postgres://app@db/crm") == "postgres://app@db/crm"
    assert (
        mask_url("snowflake://app:pw@acct/db/schema?warehouse=wh") == "snowflake://app:***@acct/db/schema?warehouse=wh"
    )
    assert mask_url("postgresql://app@db/crm") == "postgresql://app@db/crm"


# --- PostgreSQL, for real ------------------------------------------------------------------------------------


@pytest.fixture
def postgres_table() -> Iterator[tuple[str, str]]:
    """A schema of this test's own holding a customers table; the server's URL and the table's name."""
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if not url:
        pytest.skip(f"PostgreSQL cases skipped: {POSTGRES_URL_VARIABLE} is not set")
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    schema = f"h_sources_{uuid.uuid4().hex[:10]}"
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'create schema "{schema}"'))
            conn.execute(
                sa.text(f'create table "{schema}".customers ("CustomerId" text, "Email" text, "LifetimeValue" float8)')
            )
            insert = sa.text(f'insert into "{schema}".customers values (:i, :e, :v)')
            conn.execute(insert, [dict(zip("iev", row, strict=True)) for row in CUSTOMERS])
    except sa.exc.OperationalError as error:
        engine.dispose()
        pytest.skip(f"PostgreSQL cases skipped: the server does not answer ({type(error.orig).__name__})")
    try:
        yield url, f"{schema}.customers"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'drop schema "{schema}" cascade'))
        engine.dispose()


@pytest.mark.postgres
def test_a_postgres_table_opens_on_the_server(postgres_table, monkeypatch):
    url, table = postgres_table
    monkeypatch.setenv("PROFILES_DB_URL", url)
    settings = ProfilesSettings(sql={"url_env": "PROFILES_DB_URL", "table": table}, key="CustomerId")
    assert read(settings) == CUSTOMERS
    with open_profiles(settings) as pt:
        assert pt.table.get_backend().name == "postgres"
        assert pt.description.startswith(f"table {table} in postgresql+psycopg://postgres:***@")


@pytest.mark.postgres
def test_a_postgres_query_opens_as_its_result(postgres_table, monkeypatch):
    url, table = postgres_table
    monkeypatch.setenv("PROFILES_DB_URL", url)
    query = f'select "CustomerId", "Email" from {table} where "LifetimeValue" is null'
    settings = ProfilesSettings(sql={"url_env": "PROFILES_DB_URL", "query": query}, key="CustomerId")
    assert read(settings) == [("C2", "bo@example.com")]
    failing = ProfilesSettings(sql={"url_env": "PROFILES_DB_URL", "query": f"select nope from {table}"}, key="Id")
    with pytest.raises(ProfilesSourceError, match=r'^profiles\.sql\.query: the query fails in .*"nope"'):
        open_profiles(failing)
