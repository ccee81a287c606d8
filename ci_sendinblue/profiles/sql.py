"""Profiles in a database: a DuckDB file, or any database ibis connects to by URL (PostgreSQL, Snowflake,
BigQuery, ...). The segments' rules then run in that database; only members come back.

A URL may be written SQLAlchemy's way (``postgresql+psycopg://``, as ``state.url`` is) or ibis' way
(``postgres://``): the driver after ``+`` is dropped, since ibis picks its own. A password only ever comes
from the environment (``url_env``), and every URL shown (description, error) has it masked; a driver's error
message has it removed too.

A table may be schema-qualified (``analytics.customers``; ``catalog.schema.table`` where the database has
catalogs); names are taken as written, split at dots. A query is any SELECT; it runs as a subquery.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

import ibis
from ibis.backends import BaseBackend

from ci_sendinblue.config.models import SqlSource
from ci_sendinblue.extras import POSTGRES
from ci_sendinblue.profiles.source_errors import ProfilesSourceError, ProfilesSourceUnavailable

SETTING = "profiles.sql"
QUERY_VIEW = "ci_sendinblue_profiles_query"
"""The temporary view a DuckDB file's query is read through (the file itself stays read-only)."""

BACKEND_INSTALL = {
    "postgres": POSTGRES.install,
    "duckdb": "pip install 'ibis-framework[duckdb]'",
}


@dataclass(frozen=True)
class Database:
    """An open connection and how to name it without its password."""

    backend: BaseBackend
    label: str
    """``DuckDB file /data/crm.duckdb``, ``postgres://app:***@db.internal/crm``."""
    setting: str
    """The setting naming the database: profiles.sql.database, .url or .url_env."""
    secret: str | None
    """The URL's password, removed from every message a driver writes."""

    def scrub(self, text: str) -> str:
        return text.replace(self.secret, "***") if self.secret else text


def connect(source: SqlSource) -> Database:
    """The database ``profiles.sql`` names, connected; ``ProfilesSourceUnavailable`` when it cannot be."""
    if source.database is not None:
        path = Path(source.database)
        if not path.is_file():
            raise ProfilesSourceUnavailable(f"{SETTING}.database", f"DuckDB file {path} does not exist")
        try:
            backend = ibis.duckdb.connect(path, read_only=True)
        except Exception as error:  # a lock held by a writer, a file that is no DuckDB database
            raise ProfilesSourceUnavailable(
                f"{SETTING}.database", f"cannot open DuckDB file {path} ({_first_line(error)})"
            ) from None
        return Database(backend, f"DuckDB file {path}", f"{SETTING}.database", None)
    url, setting = _url(source)
    shown = mask_url(url)
    secret = _password(url)
    ibis_url = ibis_style(url)
    backend_name = urlsplit(ibis_url).scheme
    try:
        backend = ibis.connect(ibis_url)
    except ImportError as error:
        install = BACKEND_INSTALL.get(backend_name, f"pip install 'ibis-framework[{backend_name}]'")
        raise ProfilesSourceError(
            setting, f"reading profiles from {backend_name} needs its ibis backend ({error.name}): {install}"
        ) from None
    except Exception as error:  # a server down, a refused login: the driver's own words, password removed
        reason = _first_line(error).replace(secret, "***") if secret else _first_line(error)
        raise ProfilesSourceUnavailable(setting, f"cannot connect to {shown}: {reason}") from None
    return Database(backend, shown, setting, secret)


def relation(database: Database, source: SqlSource) -> ibis.Table:
    """The table or the query's result, as a lazy ibis table on the database."""
    if source.table is not None:
        *schema, name = source.table.split(".")
        try:
            return database.backend.table(name, database=_schema(schema))
        except Exception as error:
            raise ProfilesSourceError(
                f"{SETTING}.table",
                f"table '{source.table}' cannot be read in {database.label}: {database.scrub(_first_line(error))}",
            ) from None
    assert source.query is not None, "checked by SqlSource"
    try:
        return _query(database, source.query)
    except Exception as error:
        raise ProfilesSourceError(
            f"{SETTING}.query", f"the query fails in {database.label}: {database.scrub(_first_line(error))}"
        ) from None


def change_value(database: Database, source: SqlSource, table: ibis.Table) -> tuple[str, str]:
    """What the change sensor compares between ticks: a digest of ``change_query``'s rows (default: the
    table's or query's row count), and those rows as shown in its messages."""
    try:
        if source.change_query is None:
            rows: list[tuple[Any, ...]] = [(int(table.count().execute()),)]
            shown = f"{rows[0][0]} row{'' if rows[0][0] == 1 else 's'}"
        else:
            result = _query(database, source.change_query, view=f"{QUERY_VIEW}_change").to_pyarrow()
            rows = [tuple(row.values()) for row in result.to_pylist()]
            shown = "change_query returned " + (", ".join(map(str, rows[0])) if rows else "no row")
            if len(rows) > 1:
                shown += f" (and {len(rows) - 1} more rows)"
    except Exception as error:
        setting = (
            f"{SETTING}.change_query" if source.change_query else f"{SETTING}.{'table' if source.table else 'query'}"
        )
        raise ProfilesSourceError(
            setting, f"the change query fails in {database.label}: {database.scrub(_first_line(error))}"
        ) from None
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:32]
    return digest, shown


@contextmanager
def connected(source: SqlSource) -> Iterator[Database]:
    database = connect(source)
    try:
        yield database
    finally:
        database.backend.disconnect()


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***`` (as a message or the UI may show it)."""
    try:
        parts = urlsplit(url)
        if not parts.password:
            return url
        return urlunsplit(_with_netloc(parts, parts.netloc.replace(f":{parts.password}@", ":***@", 1)))
    except ValueError:
        return "<a database URL that cannot be parsed>"


def ibis_style(url: str) -> str:
    """``postgresql+psycopg://...`` as ibis takes it (``postgresql://...``): the driver is ibis' choice."""
    scheme, separator, rest = url.partition("://")
    return f"{scheme.split('+', 1)[0].lower()}{separator}{rest}"


def _url(source: SqlSource) -> tuple[str, str]:
    if source.url is not None:
        return source.url, f"{SETTING}.url"
    assert source.url_env is not None, "checked by SqlSource"
    url = os.environ.get(source.url_env, "").strip()
    if not url:
        raise ProfilesSourceError(
            f"{SETTING}.url_env", f"the environment variable {source.url_env} holding the database URL is not set"
        )
    return url, f"{SETTING}.url_env"


def _password(url: str) -> str | None:
    try:
        return urlsplit(url).password or None
    except ValueError:
        return None


def _with_netloc(parts: SplitResult, netloc: str) -> SplitResult:
    return parts._replace(netloc=netloc)


def _schema(parts: list[str]) -> str | tuple[str, str] | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else (parts[0], parts[1])


def _query(database: Database, query: str, view: str = QUERY_VIEW) -> ibis.Table:
    """A query as a table, through a temporary view on DuckDB and PostgreSQL (the database keeps the query as
    written; ibis reads the view's columns as a table's), elsewhere through ibis' ``sql()``.

    ibis 12's ``sql()`` reads a query's columns with calls that DuckDB 2 removed (``fetch_arrow_table``) and,
    on PostgreSQL, drops its probe view with a statement sqlglot 30.18+ renders without the view's name
    (ibis-project/ibis#12108): the view avoids both and costs nothing more."""
    backend = database.backend
    statement = f"create or replace temp view {view} as {query}"
    if backend.name == "duckdb":
        backend.con.execute(statement).fetchall()
        return backend.table(view)
    if backend.name == "postgres":
        with backend.con.cursor() as cursor, backend.con.transaction():
            cursor.execute(statement)
        return backend.table(view)
    return backend.sql(query)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
