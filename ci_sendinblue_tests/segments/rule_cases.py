"""Profiles and rules that every evaluator must agree on: pandas, DuckDB, PostgreSQL and Spark.

``TEXT_PROFILES`` is what a CSV file gives (every column text): one hostile value per row in ``Value``, so each
rule below reads every value in its own way (as a number, a day, an instant, a boolean, text).
``TYPED_PROFILES`` is what a Parquet file or a database table gives: numbers, booleans, dates, timestamps,
with nulls, NaN and infinities. A test evaluates each rule on both with each engine and compares the
members with pandas' (``segments/rules.py``), row for row by ``Id``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import os
import uuid
from collections.abc import Iterator
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pytest
from pydantic import TypeAdapter
from sqlalchemy.engine import make_url

from ci_sendinblue.config.models import Condition
from ci_sendinblue.segments.compiled import rule_filter
from ci_sendinblue.segments.rules import evaluate
from ci_sendinblue.text import frame_from_arrow

HOSTILE_VALUES: list[str | None] = [
    # empty, missing, white space
    None,
    "",
    " ",
    "\t\n",
    "\u3000",
    "\xa0",
    "\x1c",
    # text, case, spaces around, quotes, backslashes, LIKE wildcards, SQL
    "Seattle",
    "seattle",
    "SEATTLE",
    " Seattle ",
    "Seattle\n",
    "O'Brien",
    'say "hi"',
    "back\\slash",
    "C:\\new\\table",
    "100%",
    "a_b",
    "%",
    "_",
    "%%__",
    "\\%",
    "x' OR '1'='1",
    "Robert'); DROP TABLE Students;--",
    "SELECT * FROM profiles WHERE 1=1",
    "$1 ? :name %(value)s {0}",
    "NULL",
    "null",
    "None",
    # control characters (no NUL), emoji, scripts, long text
    "\x07bell",
    "\x1b[31mred\x1b[0m",
    "line1\nline2",
    "\u202eevil\u202c",
    "\U0001f600",
    "Ann \U0001f600",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "Zürich",
    "ZÜRICH",
    "ÉCOLE",
    "école",
    "straße",
    "ΑΘΗΝΑ",
    "\u041c\u043e\u0441\u043a\u0432\u0430",  # Moscow in Cyrillic
    "\u041c\u041e\u0421\u041a\u0412\u0410",  # MOSCOW in Cyrillic
    "x" * 10_000,
    # numbers in many forms
    "1500",
    " 1500 ",
    "\u30001500\xa0",
    "1500.0",
    "1.5e3",
    "1.5E+03",
    "+1500",
    "-1500",
    ".5",
    "5.",
    "0",
    "1",
    "-0",
    "00012",
    "1e-5",
    "1e99",
    "9" * 100,
    "1" * 101,
    "0." + "0" * 99 + "1",
    "1e100",
    "1,500",
    "1_000",
    "1 000",
    "0x10",
    "inf",
    "-inf",
    "Infinity",
    "nan",
    "NaN",
    "١٢٣",
    "\uff11\uff12\uff13",  # full-width digits
    "12abc",
    "--1",
    "1e",
    ".",
    # dates and datetimes in many forms
    "2024-01-15",
    " 2024-01-15 ",
    "2024-01-15T10:30:00",
    "2024-01-15 10:30",
    "2024-01-15T10:30:00Z",
    "2024-01-15T10:30:00+05:30",
    "2024-01-15T23:30:00-05:00",
    "2024-01-15T10:30:00.1234567+0530",
    "2024-01-15T10:30:00.5",
    "2024-01-15T10:30+05",
    "2024-02-29",
    "2023-02-29",
    "2024-02-30",
    "2024-04-31",
    "2024-13-01",
    "2024-00-10",
    "1900-02-29",
    "2000-02-29",
    "0000-01-01",
    "0001-01-01",
    "1969-12-31T23:59:59.999999",
    "9999-12-31T23:59:59",
    "2024-01-15T24:00",
    "2024-01-15T10:60",
    "2024-01-15t10:30",
    "2024-01-15T10:30z",
    "2024-01-15T10:30:00+24:00",
    "05/01/2024",
    "01/05/2024",
    "Jan 5 2024",
    "5 January 2024",
    "20240115",
    "2024-1-5",
    "2024-01-15T10",
    # boolean words
    "true",
    "TRUE",
    "True",
    " t ",
    "yes",
    "Y",
    "false",
    "F",
    "no",
    "N",
    "on",
    "off",
    "oui",
    "truee",
]

TEXT_PROFILES = pa.table(
    {
        "Id": [f"r{n:03d}" for n in range(len(HOSTILE_VALUES))],
        "Value": pa.array(HOSTILE_VALUES, pa.string()),
    }
)

_UTC = dt.UTC
TYPED_PROFILES = pa.table(
    {
        "Id": [f"t{n}" for n in range(9)],
        "Count": pa.array([1500, 0, 1, -3, None, 98101, 2**60, 7, 12], pa.int64()),
        "Amount": pa.array(
            [1500.0, 0.5, 1.0, float("nan"), None, float("inf"), float("-inf"), 98101.0, 1e20], pa.float64()
        ),
        "Price": pa.array(
            [
                decimal.Decimal(x) if x else None
                for x in ["1500.00", "0.50", "1.00", None, "2.00", "0", "7", "", "12.5"]
            ],
            pa.decimal128(10, 2),
        ),
        "Flag": pa.array([True, False, None, True, False, True, None, False, True], pa.bool_()),
        "Day": pa.array(
            [
                dt.date(2024, 1, 15),
                dt.date(1969, 12, 31),
                None,
                dt.date(2024, 2, 29),
                dt.date(1, 1, 1),
                dt.date(9999, 12, 31),
                dt.date(2024, 1, 16),
                dt.date(2023, 12, 31),
                dt.date(2024, 6, 1),
            ],
            pa.date32(),
        ),
        "Stamp": pa.array(
            [
                dt.datetime(2024, 1, 15, 10, 30),
                dt.datetime(2024, 1, 15, 0, 0),
                None,
                dt.datetime(2024, 1, 14, 23, 59, 59, 999999),
                dt.datetime(1969, 12, 31, 23, 59, 59, 500000),
                dt.datetime(2024, 6, 1, 10, 0),
                dt.datetime(2024, 1, 15, 5, 0),
                dt.datetime(2000, 2, 29, 12, 0),
                dt.datetime(2024, 1, 16, 0, 0),
            ],
            pa.timestamp("us"),
        ),
        "StampUtc": pa.array(
            [
                dt.datetime(2024, 1, 15, 10, 30, tzinfo=_UTC),
                dt.datetime(2024, 1, 15, 0, 0, tzinfo=_UTC),
                None,
                dt.datetime(2024, 1, 14, 23, 59, 59, 999999, tzinfo=_UTC),
                dt.datetime(2024, 1, 15, 5, 0, tzinfo=_UTC),
                dt.datetime(2024, 6, 1, 10, 0, tzinfo=_UTC),
                dt.datetime(1970, 1, 1, tzinfo=_UTC),
                dt.datetime(2024, 1, 15, 23, 30, tzinfo=_UTC),
                dt.datetime(2024, 1, 16, 4, 30, tzinfo=_UTC),
            ],
            pa.timestamp("us", tz="UTC"),
        ),
    }
)

V = "Value"
TEXT_RULES: list[Any] = [
    # numbers
    pytest.param({"field": V, "op": "gt", "value": 1000}, id="number-gt"),
    pytest.param({"field": V, "op": "eq", "value": 1500}, id="number-eq"),
    pytest.param({"field": V, "op": "ne", "value": 1500}, id="number-ne"),
    pytest.param({"field": V, "op": "lt", "value": 0}, id="number-lt"),
    pytest.param({"field": V, "op": "le", "value": 0.5}, id="number-le"),
    pytest.param({"field": V, "op": "ge", "value": 1e99}, id="number-ge-huge"),
    pytest.param({"field": V, "op": "between", "value": [-1, 1]}, id="number-between"),
    pytest.param({"field": V, "op": "between", "value": [1, -1]}, id="number-between-reversed"),
    pytest.param({"field": V, "op": "in", "value": [0, 12, "1.5e3", "n/a", True]}, id="number-in-mixed"),
    pytest.param({"field": V, "op": "not_in", "value": [0, 1]}, id="number-not-in"),
    pytest.param({"not": {"field": V, "op": "gt", "value": 1000}}, id="number-not-gt"),
    pytest.param({"field": V, "op": "eq", "value": float("inf")}, id="number-eq-inf-value"),
    # days and instants
    pytest.param({"field": V, "op": "ge", "value": dt.date(2024, 1, 1)}, id="day-ge"),
    pytest.param({"field": V, "op": "eq", "value": dt.date(2024, 1, 15)}, id="day-eq"),
    pytest.param({"field": V, "op": "ne", "value": dt.date(2024, 1, 15)}, id="day-ne"),
    pytest.param({"field": V, "op": "lt", "value": dt.date(1970, 1, 1)}, id="day-lt-epoch"),
    pytest.param({"field": V, "op": "between", "value": [dt.date(2000, 1, 1), "2024-02-29"]}, id="day-between"),
    pytest.param({"field": V, "op": "in", "value": [dt.date(2024, 2, 29), "2000-02-29", "bad"]}, id="day-in"),
    pytest.param({"field": V, "op": "gt", "value": dt.datetime(2024, 1, 15, 5, 0)}, id="instant-gt-naive"),
    pytest.param({"field": V, "op": "eq", "value": dt.datetime(2024, 1, 15, 10, 30, tzinfo=_UTC)}, id="instant-eq"),
    pytest.param(
        {"field": V, "op": "eq", "value": dt.datetime(2024, 1, 15, 5, 0, tzinfo=_UTC)}, id="instant-eq-offset"
    ),
    pytest.param(
        {"field": V, "op": "lt", "value": dt.datetime(1970, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-5)))},
        id="instant-lt-aware",
    ),
    pytest.param(
        {"field": V, "op": "between", "value": [dt.datetime(2024, 1, 15, 4, 59), "2024-01-16T04:30Z"]},
        id="instant-between",
    ),
    # booleans
    pytest.param({"field": V, "op": "eq", "value": True}, id="flag-true"),
    pytest.param({"field": V, "op": "eq", "value": False}, id="flag-false"),
    pytest.param({"field": V, "op": "ne", "value": True}, id="flag-ne"),
    pytest.param({"field": V, "op": "in", "value": [True, "no", 2]}, id="flag-in"),
    pytest.param({"not": {"field": V, "op": "eq", "value": True}}, id="flag-not"),
    # text
    pytest.param({"field": V, "op": "eq", "value": "Seattle"}, id="text-eq"),
    pytest.param({"field": V, "op": "eq", "value": "seattle", "ignore_case": True}, id="text-eq-any-case"),
    pytest.param({"field": V, "op": "ne", "value": "Seattle"}, id="text-ne"),
    pytest.param({"field": V, "op": "in", "value": ["NULL", "None", "", 1500, 2.5]}, id="text-in"),
    pytest.param({"field": V, "op": "not_in", "value": ["NULL", "Seattle"]}, id="text-not-in"),
    pytest.param({"field": V, "op": "gt", "value": "M"}, id="text-gt"),
    pytest.param({"field": V, "op": "contains", "value": "%"}, id="contains-percent"),
    pytest.param({"field": V, "op": "contains", "value": "_"}, id="contains-underscore"),
    pytest.param({"field": V, "op": "contains", "value": "%_"}, id="contains-like-pattern"),
    pytest.param({"field": V, "op": "contains", "value": "\\"}, id="contains-backslash"),
    pytest.param({"field": V, "op": "contains", "value": "'"}, id="contains-quote"),
    pytest.param({"field": V, "op": "contains", "value": "' OR '1'='1"}, id="contains-injection"),
    pytest.param({"field": V, "op": "contains", "value": ""}, id="contains-empty"),
    pytest.param({"field": V, "op": "contains", "value": "\U0001f600"}, id="contains-emoji"),
    pytest.param({"field": V, "op": "contains", "value": "xxxxxxxxxx"}, id="contains-long"),
    pytest.param({"field": V, "op": "startswith", "value": " "}, id="startswith-space"),
    pytest.param({"field": V, "op": "startswith", "value": "sea", "ignore_case": True}, id="startswith-any-case"),
    pytest.param({"field": V, "op": "endswith", "value": "%"}, id="endswith-percent"),
    pytest.param({"field": V, "op": "endswith", "value": "\n"}, id="endswith-newline"),
    pytest.param({"field": V, "op": "contains", "value": "ÜRI", "ignore_case": True}, id="contains-umlaut-any-case"),
    pytest.param({"field": V, "op": "eq", "value": "école", "ignore_case": True}, id="eq-accent-any-case"),
    pytest.param(
        {"field": V, "op": "eq", "value": "\u043c\u043e\u0441\u043a\u0432\u0430", "ignore_case": True},
        id="eq-cyrillic-any-case",
    ),
    pytest.param({"field": V, "op": "is_null"}, id="is-null"),
    pytest.param({"field": V, "op": "not_null"}, id="not-null"),
    # nesting: not, all, any (two-valued: an unreadable value never leaks a null)
    pytest.param(
        {"not": {"any": [{"field": V, "op": "gt", "value": 0}, {"field": V, "op": "eq", "value": True}]}},
        id="not-any",
    ),
    pytest.param(
        {
            "all": [
                {"not": {"field": V, "op": "is_null"}},
                {"not": {"field": V, "op": "ge", "value": dt.date(2000, 1, 1)}},
            ]
        },
        id="all-not",
    ),
    pytest.param(
        {"any": [{"field": V, "op": "contains", "value": "%"}, {"not": {"not": {"field": V, "op": "lt", "value": 0}}}]},
        id="any-not-not",
    ),
]

TYPED_RULES: list[Any] = [
    pytest.param({"field": "Count", "op": "gt", "value": 1}, id="int-gt"),
    pytest.param({"field": "Count", "op": "eq", "value": True}, id="int-as-flag"),
    pytest.param({"field": "Count", "op": "startswith", "value": "98"}, id="int-as-text"),
    pytest.param({"field": "Count", "op": "in", "value": ["12", 7]}, id="int-in-text"),
    pytest.param({"field": "Count", "op": "is_null"}, id="int-is-null"),
    pytest.param({"field": "Amount", "op": "ge", "value": 1}, id="float-ge"),
    pytest.param({"field": "Amount", "op": "ne", "value": 1}, id="float-ne"),
    pytest.param({"field": "Amount", "op": "is_null"}, id="float-is-null"),
    pytest.param({"not": {"field": "Amount", "op": "lt", "value": 1e300}}, id="float-not-lt"),
    pytest.param({"field": "Amount", "op": "eq", "value": "98101"}, id="float-as-text"),
    pytest.param({"field": "Amount", "op": "eq", "value": False}, id="float-as-flag"),
    pytest.param({"field": "Price", "op": "between", "value": [0.5, 7]}, id="decimal-between"),
    pytest.param({"field": "Price", "op": "eq", "value": "7"}, id="decimal-as-text"),
    pytest.param({"field": "Flag", "op": "eq", "value": True}, id="bool-eq"),
    pytest.param({"field": "Flag", "op": "ne", "value": "yes"}, id="bool-ne-word"),
    pytest.param({"field": "Flag", "op": "eq", "value": "true"}, id="bool-as-text"),
    pytest.param({"field": "Flag", "op": "gt", "value": 0}, id="bool-as-number"),
    pytest.param({"field": "Flag", "op": "is_null"}, id="bool-is-null"),
    pytest.param({"field": "Day", "op": "ge", "value": dt.date(2024, 1, 15)}, id="date-ge"),
    pytest.param({"field": "Day", "op": "lt", "value": "1970-01-01"}, id="date-lt-text-value"),
    pytest.param({"field": "Day", "op": "gt", "value": dt.datetime(2024, 1, 15, 12, 0)}, id="date-vs-instant"),
    pytest.param({"field": "Day", "op": "startswith", "value": "2024-"}, id="date-as-text"),
    pytest.param({"field": "Day", "op": "gt", "value": 5}, id="date-as-number"),
    pytest.param({"field": "Stamp", "op": "eq", "value": dt.date(2024, 1, 15)}, id="stamp-day-eq"),
    pytest.param({"field": "Stamp", "op": "ge", "value": dt.datetime(2024, 1, 15, 5, 0)}, id="stamp-ge"),
    pytest.param(
        {
            "field": "Stamp",
            "op": "lt",
            "value": dt.datetime(2024, 1, 15, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=5))),
        },
        id="stamp-lt-aware",
    ),
    pytest.param({"field": "Stamp", "op": "eq", "value": "2024-01-15"}, id="stamp-as-text"),
    pytest.param({"field": "StampUtc", "op": "eq", "value": dt.date(2024, 1, 15)}, id="stamputc-day-eq"),
    pytest.param(
        {
            "field": "StampUtc",
            "op": "gt",
            "value": dt.datetime(2024, 1, 15, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        },
        id="stamputc-gt-aware",
    ),
    pytest.param(
        {"field": "StampUtc", "op": "between", "value": ["2024-01-15T00:00Z", "2024-01-15 05:00"]},
        id="stamputc-between",
    ),
]


def condition_of(rule: dict[str, Any]) -> Condition:
    return TypeAdapter(Condition).validate_python(rule)


def pandas_members(rule: dict[str, Any], profiles: pa.Table) -> list[str]:
    """The Ids the in-memory path selects, the profiles read as the project reads a file into pandas."""
    frame = frame_from_arrow(profiles)
    return sorted(frame.loc[evaluate(condition_of(rule), frame), "Id"].tolist())


def engine_members(rule: dict[str, Any], table: ir.Table) -> list[str]:
    """The Ids the compiled rule selects on ``table``'s engine."""
    return sorted(rule_filter(condition_of(rule), table).select("Id").to_pyarrow()["Id"].to_pylist())


def duckdb_table(profiles: pa.Table, name: str = "profiles") -> ir.Table:
    """``profiles`` as a table in a new in-memory DuckDB (typed as Arrow has them)."""
    con = ibis.duckdb.connect()
    con.con.from_arrow(profiles).create(name)
    return con.table(name)


POSTGRES_URL_VARIABLE = "CI_SENDINBLUE_TEST_POSTGRES_URL"


@contextlib.contextmanager
def postgres_tables_of(profiles: dict[str, pa.Table]) -> Iterator[dict[str, ir.Table]]:
    """Each of ``profiles`` as a table of its own, uniquely named, in the PostgreSQL database the tests are
    given (skipped, saying why, without one), dropped afterwards."""
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if not url:
        pytest.skip(f"PostgreSQL cases skipped: {POSTGRES_URL_VARIABLE} is not set")
    import psycopg  # the postgres extra: only asked for when a server is given

    parsed = make_url(url)
    try:
        con = ibis.postgres.connect(
            host=parsed.host,
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            database=parsed.database,
        )
    except psycopg.OperationalError as error:
        shown = parsed.render_as_string(hide_password=True)
        pytest.skip(f"PostgreSQL cases skipped: server at {shown} does not answer ({type(error).__name__})")
    names = {label: f"h_rules_{label}_{uuid.uuid4().hex[:10]}" for label in profiles}
    try:
        yield {label: con.create_table(names[label], table) for label, table in profiles.items()}
    finally:
        for name in names.values():
            # ibis' drop_table writes "DROP TABLE IF EXISTS" without the name under this sqlglot
            con.raw_sql(f'DROP TABLE IF EXISTS "{name}"').close()
        con.disconnect()
