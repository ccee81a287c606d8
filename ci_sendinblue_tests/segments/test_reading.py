"""What a rule reads as a number, a day, an instant, a boolean or text: the one definition every evaluator
implements (segments/reading.py)."""

from __future__ import annotations

import calendar
import datetime as dt
import re

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from ci_sendinblue.segments.reading import (
    BLANK,
    ISO_TEXT,
    WHITESPACE,
    civil_days,
    group_number,
    operand,
    parse_iso,
    parse_number,
    unnamed,
)

UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1500", 1500.0),
        (" 1500 ", 1500.0),
        ("\u30001500\xa0", 1500.0),
        ("+1500", 1500.0),
        ("-1500.25", -1500.25),
        (".5", 0.5),
        ("5.", 5.0),
        ("00012", 12.0),
        ("1.5e3", 1500.0),
        ("1.5E+03", 1500.0),
        ("1e-5", 1e-5),
        ("-0", 0.0),
        ("9" * 100, float("9" * 100)),
        ("0." + "0" * 99 + "1", 1e-100),
        ("1e99", 1e99),
    ],
)
def test_numbers_are_decimal_notation(text: str, number: float):
    assert parse_number(text) == number


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "1,500",
        "1_000",
        "1 000",
        "0x10",
        "inf",
        "-Infinity",
        "nan",
        "NaN",
        "1e100",
        "1" * 101,
        "\u0661\u0662\u0663",  # Arabic-Indic digits
        "\uff11\uff12\uff13",  # full-width digits
        "12abc",
        "--1",
        "1e",
        ".",
        "+",
        "1.2.3",
    ],
)
def test_other_text_is_no_number(text: str):
    assert parse_number(text) is None


def _utc(*fields: int, offset_minutes: int = 0) -> int:
    stamp = dt.datetime(*fields, tzinfo=dt.timezone(dt.timedelta(minutes=offset_minutes)))  # type: ignore[misc]
    return (stamp - dt.datetime(1970, 1, 1, tzinfo=UTC)) // dt.timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("text", "day", "instant"),
    [
        ("2024-01-15", dt.date(2024, 1, 15), _utc(2024, 1, 15)),
        (" 2024-01-15 ", dt.date(2024, 1, 15), _utc(2024, 1, 15)),
        ("2024-01-15T10:30", dt.date(2024, 1, 15), _utc(2024, 1, 15, 10, 30)),
        ("2024-01-15 10:30:05", dt.date(2024, 1, 15), _utc(2024, 1, 15, 10, 30, 5)),
        ("2024-01-15T10:30:00Z", dt.date(2024, 1, 15), _utc(2024, 1, 15, 10, 30)),
        ("2024-01-15T10:30:00.5", dt.date(2024, 1, 15), _utc(2024, 1, 15, 10, 30, 0, 500000)),
        ("2024-01-15T10:30:00.1234567", dt.date(2024, 1, 15), _utc(2024, 1, 15, 10, 30, 0, 123456)),
        ("2024-01-15T10:30:00+05:30", dt.date(2024, 1, 15), _utc(2024, 1, 15, 10, 30, offset_minutes=330)),
        ("2024-01-15T10:30+0530", dt.date(2024, 1, 15), _utc(2024, 1, 15, 10, 30, offset_minutes=330)),
        ("2024-01-15T10:30-05", dt.date(2024, 1, 15), _utc(2024, 1, 15, 10, 30, offset_minutes=-300)),
        # the day as written, the instant in UTC (the next day)
        ("2024-01-15T23:30:00-05:00", dt.date(2024, 1, 15), _utc(2024, 1, 16, 4, 30)),
        ("2024-02-29", dt.date(2024, 2, 29), _utc(2024, 2, 29)),
        ("2000-02-29", dt.date(2000, 2, 29), _utc(2000, 2, 29)),
        ("0001-01-01", dt.date(1, 1, 1), _utc(1, 1, 1)),
        ("9999-12-31T23:59:59", dt.date(9999, 12, 31), _utc(9999, 12, 31, 23, 59, 59)),
    ],
)
def test_iso_8601_text_names_a_day_and_an_instant(text: str, day: dt.date, instant: int):
    assert parse_iso(text) == (civil_days(day.year, day.month, day.day), instant)


@pytest.mark.parametrize(
    "text",
    [
        "2023-02-29",
        "1900-02-29",
        "2024-02-30",
        "2024-04-31",
        "2024-13-01",
        "2024-00-10",
        "0000-01-01",
        "2024-01-15T24:00",
        "2024-01-15T10:60",
        "2024-01-15T10:30:60",
        "2024-01-15T10:30+24:00",
        "2024-01-15t10:30",
        "2024-01-15T10:30z",
        "2024-01-15T10",
        "05/01/2024",
        "Jan 5 2024",
        "5 January 2024",
        "20240115",
        "2024-1-5",
        "",
    ],
)
def test_other_text_is_no_date(text: str):
    assert parse_iso(text) is None


def test_the_date_expression_accepts_exactly_the_calendar_days():
    years = [1, 4, 100, 200, 400, 1000, 1200, 1600, 1700, 1800, 1900, 2000, 2023, 2024, 2100, 2400, 3200, 9996, 9999]
    for year in years:
        for month in range(14):
            for day in range(33):
                text = f"{year:04d}-{month:02d}-{day:02d}"
                real = 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]
                assert bool(re.fullmatch(ISO_TEXT, text)) == real, text


def test_civil_days_count_from_1970():
    for day in [
        dt.date(1, 1, 1),
        dt.date(1600, 3, 1),
        dt.date(1969, 12, 31),
        dt.date(2024, 2, 29),
        dt.date(9999, 12, 31),
    ]:
        assert civil_days(day.year, day.month, day.day) == (day - dt.date(1970, 1, 1)).days


def test_white_space_is_pythons_and_arrows():
    every = [chr(c) for c in range(1, 0x3001)]
    assert set(WHITESPACE) == {c for c in every if c.isspace()}
    trimmed = pc.utf8_trim_whitespace(pa.array(["a" + c for c in every])).to_pylist()
    assert set(WHITESPACE) == {c for c, text in zip(every, trimmed, strict=True) if text == "a"}
    assert all(re.fullmatch(BLANK, c) for c in WHITESPACE)


def test_the_expressions_lose_only_their_group_names_for_the_engines():
    assert "?P<" not in unnamed(ISO_TEXT)
    match = re.fullmatch(unnamed(ISO_TEXT), "2024-01-15T10:30:00+05:30")
    assert match is not None
    assert match.group(group_number(ISO_TEXT, "date")) == "2024-01-15"
    assert match.group(group_number(ISO_TEXT, "offset_minutes")) == "30"


@pytest.mark.parametrize(
    ("value", "reading", "expected"),
    [
        (1500, "number", 1500.0),
        ("1.5e3", "number", 1500.0),
        ("n/a", "number", None),
        (True, "number", None),
        (float("inf"), "number", None),
        (10**400, "number", None),
        (dt.date(2024, 1, 1), "number", None),
        (dt.date(1970, 1, 2), "day", 1),
        (dt.datetime(1970, 1, 2, 23, 0), "day", 1),
        ("1970-01-02T23:00-05:00", "day", 1),
        (dt.date(1970, 1, 2), "instant", 86_400_000_000),
        (dt.datetime(1970, 1, 1, 0, 0, 1), "instant", 1_000_000),
        (dt.datetime(1970, 1, 1, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))), "instant", 0),
        (5, "day", None),
        (True, "flag", True),
        (" YES ", "flag", True),
        ("n", "flag", False),
        (0, "flag", False),
        (1.0, "flag", True),
        (2, "flag", None),
        ("maybe", "flag", None),
        ("Seattle", "text", "Seattle"),
        (98101, "text", "98101"),
        (98101.0, "text", "98101"),
        (2.5, "text", None),
        (True, "text", "true"),
        (dt.date(24, 1, 5), "text", "0024-01-05"),
        (dt.datetime(2024, 1, 5, 10, 0), "text", None),
    ],
)
def test_a_rules_value_is_read_as_the_first_value_reads_the_column(value, reading, expected):
    assert operand(value, reading) == expected
