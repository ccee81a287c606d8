"""The profiles source inside a run: opened, read, closed, and its problems turned into the failures Dagster
shows, naming the setting and the source."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import dagster as dg

from ci_sendinblue.config.models import ProfilesSettings

if TYPE_CHECKING:
    from ci_sendinblue.profiles.tables import ProfilesTable


@contextmanager
def profiles_source(profiles: ProfilesSettings) -> Iterator[ProfilesTable]:
    """The source as an ibis table for the body of the ``with``, closed after it. A source that is only
    unreachable now (a file not written yet, a database down) fails so that a retry may run; a wrong setting
    or a failing query fails for good."""
    from ci_sendinblue.profiles.tables import ProfilesSourceError, ProfilesSourceUnavailable, open_profiles, reading

    try:
        with open_profiles(profiles) as source, reading(source):
            yield source
    except ProfilesSourceUnavailable as error:
        raise dg.Failure(description=f"Cannot read the profiles: {error}", allow_retries=True) from None
    except ProfilesSourceError as error:
        raise dg.Failure(description=f"Cannot read the profiles: {error}", allow_retries=False) from None


def source_label(profiles: ProfilesSettings) -> str:
    """Where the profiles are, as the asset's description names them before any run (never a URL, which may
    hold a password: the variable naming it instead)."""
    if profiles.cdm is not None:
        return f"CDM folder {profiles.cdm.folder}, entity {profiles.cdm.entity}"
    if profiles.sql is not None:
        sql = profiles.sql
        relation = f"table {sql.table}" if sql.table else "a query"
        if sql.database is not None:
            return f"{relation} in DuckDB file {sql.database}"
        return f"{relation} in the database of ${sql.url_env}" if sql.url_env else f"{relation} in a database"
    if profiles.spark is not None:
        spark = profiles.spark
        return f"Spark ({spark.master}) " + (f"table {spark.table}" if spark.table else f"Parquet at {spark.path}")
    return f"{profiles.kind} {profiles.path}"
