"""The profiles where they live, as an ibis table on the engine that holds them.

``open_profiles`` gives a lazy table: files, datasets and CDM folders on an in-process DuckDB (bounded,
spilling: ``duckdb_files``), a database table or query on that database (``sql``), Spark's (``spark``). Nothing
is read until the table is executed; opening reads only metadata (headers, footers, CDM JSON, a schema).

Every failure is a ``ProfilesSourceError`` naming the setting (``source_errors``); so is a failure while a
run executes the table, when wrapped in ``reading(pt)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import dagster as dg
import duckdb
import ibis
import ibis.expr.datatypes as dt
from ibis.backends.duckdb import Backend as DuckDBBackend

from ci_sendinblue.columns import arrow_type_name
from ci_sendinblue.config.models import ProfilesSettings
from ci_sendinblue.profiles import cdm, datasets, sql
from ci_sendinblue.profiles.duckdb_files import duckdb_connection
from ci_sendinblue.profiles.locations import is_remote
from ci_sendinblue.profiles.source_errors import ColumnsKnownAtRun, ProfilesSourceError, ProfilesSourceUnavailable

__all__ = [
    "ColumnsKnownAtRun",
    "ProfilesSourceError",
    "ProfilesSourceUnavailable",
    "ProfilesTable",
    "open_profiles",
    "profile_columns",
    "reading",
    "source_metadata",
]


@dataclass(frozen=True)
class ProfilesTable:
    """The profiles as a lazy ibis table, with what messages and metadata say of their source."""

    table: ibis.Table
    description: str
    """``CSV file /data/profiles.csv``, ``CDM folder /lake/ci (model.json), entity Customer (2 partitions)``,
    ``table analytics.customers in postgres://app:***@db/crm``: never a password."""
    setting: str
    """The setting naming the source: profiles.path, profiles.cdm.folder, profiles.sql, profiles.spark."""
    kind: str
    """file, dataset, cdm, sql or spark."""

    def close(self) -> None:
        """Disconnect the engine (a database connection); the in-process DuckDB goes with it."""
        if self.kind != "spark":  # the Spark session is the process's, shared with whoever made it
            self.table.get_backend().disconnect()

    def __enter__(self) -> ProfilesTable:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_profiles(profiles: ProfilesSettings) -> ProfilesTable:
    """The profiles ``profiles`` names, as an ibis table on their engine (see the module's docstring)."""
    kind = profiles.kind
    if kind in ("file", "dataset"):
        assert profiles.path is not None
        dataset = datasets.resolve_dataset(profiles.path, profiles.format)
        return _in_duckdb(lambda con: datasets.dataset_table(dataset, con), dataset.describe(), datasets.SETTING, kind)
    if kind == "cdm":
        assert profiles.cdm is not None
        entity = cdm.read_entity(profiles.cdm)
        return _in_duckdb(lambda con: cdm.entity_table(entity, con), entity.describe(), cdm.FOLDER_SETTING, kind)
    if kind == "sql":
        assert profiles.sql is not None
        database = sql.connect(profiles.sql)
        try:
            table = sql.relation(database, profiles.sql)
        except ProfilesSourceError:
            database.backend.disconnect()
            raise
        relation = f"table {profiles.sql.table}" if profiles.sql.table else "query"
        return ProfilesTable(table, f"{relation} in {database.label}", sql.SETTING, kind)
    if kind == "spark":
        assert profiles.spark is not None
        from ci_sendinblue.profiles.spark import spark_table

        table, description = spark_table(profiles.spark)
        return ProfilesTable(table, description, "profiles.spark", kind)
    raise ProfilesSourceError("profiles", "no profiles source: set path, cdm, sql or spark")


def profile_columns(profiles: ProfilesSettings) -> list[str]:
    """The profiles' column names, read cheaply (headers, footers, CDM metadata, a DuckDB file's schema) for
    the configuration's check at definition load. ``ColumnsKnownAtRun`` where only opening the source at
    run time can tell (a database URL, a query, Spark, a remote location)."""
    kind = profiles.kind
    if kind in ("file", "dataset"):
        assert profiles.path is not None
        return datasets.dataset_columns(datasets.resolve_dataset(profiles.path, profiles.format))
    if kind == "cdm":
        assert profiles.cdm is not None
        if is_remote(profiles.cdm.folder):
            raise ColumnsKnownAtRun(cdm.FOLDER_SETTING, f"the columns of remote {profiles.cdm.folder} are read at run")
        return cdm.entity_columns(cdm.read_entity(profiles.cdm))
    if kind == "sql" and profiles.sql is not None and profiles.sql.database is not None and profiles.sql.table:
        with sql.connected(profiles.sql) as database:
            return list(sql.relation(database, profiles.sql).columns)
    if kind in ("sql", "spark"):
        raise ColumnsKnownAtRun(f"profiles.{kind}", "the columns are read when a run opens the source")
    raise ProfilesSourceError("profiles", "no profiles source: set path, cdm, sql or spark")


def source_metadata(pt: ProfilesTable, row_count: int) -> dict[str, Any]:
    """What a materialization of the profiles shows of their source: its rows, its columns and types, and
    where they were read."""
    return {
        "dagster/row_count": row_count,
        "dagster/column_schema": table_schema(pt.table.schema()),
        "source": dg.MetadataValue.text(pt.description),
        "source_kind": pt.kind,
    }


def table_schema(schema: ibis.Schema) -> dg.TableSchema:
    """An ibis schema as the UI shows columns: the type as for a frame (string, int64, double, timestamp[us])."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name,
                _type_name(dtype),
                constraints=None if dtype.nullable else dg.TableColumnConstraints(nullable=False),
            )
            for name, dtype in schema.items()
        ]
    )


@contextmanager
def reading(pt: ProfilesTable) -> Iterator[None]:
    """Execute ``pt.table`` inside this: an engine's failure (a part deleted, a value that is no date, a
    server gone) becomes a ``ProfilesSourceError`` naming the setting and the source."""
    with _translated(pt.setting, pt.description):
        yield


def _in_duckdb(
    table_on: Callable[[DuckDBBackend], ibis.Table], description: str, setting: str, kind: str
) -> ProfilesTable:
    """Files and CDM folders are read by DuckDB in this process, on a connection of its own."""
    con = duckdb_connection()
    with _translated(setting, description):
        table = table_on(con)
    return ProfilesTable(table, description, setting, kind)


@contextmanager
def _translated(setting: str, description: str) -> Iterator[None]:
    try:
        yield
    except ProfilesSourceError:
        raise
    except duckdb.IOException as error:
        raise ProfilesSourceUnavailable(setting, f"cannot read {description}: {_engine_reason(error)}") from None
    except _engine_errors() as error:
        raise ProfilesSourceError(setting, f"cannot read {description}: {_engine_reason(error)}") from None


def _engine_errors() -> tuple[type[BaseException], ...]:
    """The errors the engines raise for their data (not for a mistake in the code calling them)."""
    errors: list[type[BaseException]] = [duckdb.Error]
    try:
        import psycopg

        errors.append(psycopg.Error)
    except ImportError:
        pass
    try:
        from pyspark.errors import PySparkException

        errors.append(PySparkException)
    except ImportError:
        pass
    return tuple(errors)


def _engine_reason(error: BaseException) -> str:
    """The engine's message without the row it quotes (a profile's personal data) or its advice to change
    options the user does not set: its first line, what went wrong, and the file."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    kept = lines[:1]
    for line in lines[1:]:
        if line.startswith(("Original Line", "Possible", "*", "LINE ")):
            continue
        if line.startswith("file =") or "not utf-8" in line.lower() or "Expected Number of Columns" in line:
            kept.append(line)
    return " ".join(kept) or type(error).__name__


def _type_name(dtype: dt.DataType) -> str:
    try:
        return arrow_type_name(dtype.to_pyarrow())
    except Exception:  # a type Arrow has no equivalent for: ibis' own name
        return str(dtype).lstrip("!")
