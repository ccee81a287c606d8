"""Profiles read by Spark (``profiles.spark``): a table of Spark's catalog or Parquet files, in local mode or on
a cluster; segments' rules then run as Spark jobs (ibis' PySpark backend).

The session is Spark's own ``SparkSession.builder`` with ``master`` and every ``conf`` entry; a session
already running in this process (``getOrCreate``) is reused, as Spark does. Spark needs Java 17 and the
``spark`` extra (``pip install 'ci-sendinblue[spark]'``). A remote ``path`` (``s3a://``, ``abfss://``,
``gs://``) is read by Spark's own Hadoop connectors, configured through ``conf``.
"""

from __future__ import annotations

import shutil
from typing import Any

import ibis

from ci_sendinblue.config.models import SparkSource
from ci_sendinblue.profiles.source_errors import ProfilesSourceError, ProfilesSourceUnavailable

SETTING = "profiles.spark"
APP_NAME = "ci_sendinblue profiles"
INSTALL = "pip install 'ci-sendinblue[spark]'"


def spark_table(source: SparkSource) -> tuple[ibis.Table, str]:
    """The profiles as an ibis table on a Spark session, and how to describe them."""
    session = _session(source)
    con = ibis.pyspark.connect(session)
    if source.table is not None:
        *database, name = source.table.split(".")
        try:
            table = con.table(name, database=".".join(database) or None)
        except Exception as error:
            raise ProfilesSourceError(
                f"{SETTING}.table", f"table '{source.table}' cannot be read by Spark ({_first_line(error)})"
            ) from None
        return table, f"Spark table {source.table} (master {source.master})"
    try:
        table = con.read_parquet(str(source.path))
    except Exception as error:
        reason = _first_line(error)
        unavailable = "PATH_NOT_FOUND" in reason or "does not exist" in reason
        kind = ProfilesSourceUnavailable if unavailable else ProfilesSourceError
        raise kind(f"{SETTING}.path", f"Spark cannot read Parquet files at {source.path} ({reason})") from None
    return table, f"Parquet files {source.path} read by Spark (master {source.master})"


def _session(source: SparkSource) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ProfilesSourceError(SETTING, f"reading profiles with Spark needs the spark extra: {INSTALL}") from None
    if source.master.startswith("local") and shutil.which("java") is None:
        raise ProfilesSourceUnavailable(f"{SETTING}.master", "Spark in local mode needs Java 17: no java on PATH")
    builder = SparkSession.builder.master(source.master).appName(APP_NAME)
    for key, value in source.conf.items():
        builder = builder.config(key, str(value).lower() if isinstance(value, bool) else str(value))
    try:
        return builder.getOrCreate()
    except Exception as error:
        raise ProfilesSourceUnavailable(
            f"{SETTING}.master", f"cannot start a Spark session on {source.master} ({_first_line(error)})"
        ) from None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
