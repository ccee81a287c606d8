"""Each typed attribute's values become what Brevo stores for its type; what cannot be converted is marked,
never sent as text that Brevo would silently ignore."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from ci_sendinblue.sendinblue.attributes import AttributeConversion
from ci_sendinblue.sendinblue.contacts import gather_members, shape_contacts
from ci_sendinblue.sendinblue.conversion import (
    LIST_SOURCE,
    NUMBER_SOURCE,
    UNCONVERTIBLE,
    convert_column,
    float_literals,
    unconvertible_report,
)
from ci_sendinblue.sendinblue.mapping import DEFAULT_FORMAT, FieldMapping, ValueFormat

BAD = UNCONVERTIBLE


def conversion(kind: str, **options: str) -> AttributeConversion:
    return AttributeConversion("ATTR", kind, ValueFormat(**options).over(DEFAULT_FORMAT))


def converted(values: list, kind: str, *, source: str = "text", **options: str) -> list:
    result = convert_column(pd.Series(values, dtype="string[pyarrow]"), conversion(kind, **options), source=source)
    return [None if pd.isna(v) else v for v in result]


def test_numbers_become_json_numbers_and_anything_else_is_unconvertible() -> None:
    values = [
        " 1299.50",
        "1500",
        "-0.5",
        ".5",
        "5.",
        "1e3",
        "+7",
        "1,299.50",
        "12O0",
        "n/a",
        "nan",
        "inf",
        "1e999",
        "1 2",
    ]
    assert converted(values, "float") == [
        "1299.5",
        "1500.0",
        "-0.5",
        "0.5",
        "5.0",
        "1000.0",
        "7.0",
        BAD,
        BAD,
        BAD,
        BAD,
        BAD,
        BAD,
        BAD,
    ]


def test_a_comma_decimal_separator_reads_european_numbers_and_refuses_points() -> None:
    assert converted(["1299,50", "1299.50", ",5", "-3,25"], "float", decimal_separator=",") == [
        "1299.5",
        BAD,
        "0.5",
        "-3.25",
    ]


def test_thousands_separators_are_read_only_when_named_and_only_where_they_group_by_three() -> None:
    values = ["1.299,50", "12.345.678,9", "1299,5", "1.2.3", "12.34,5"]
    assert converted(values, "float", decimal_separator=",", thousands_separator=".") == [
        "1299.5",
        "12345678.9",
        "1299.5",
        BAD,
        BAD,
    ]
    assert converted(["1,299.50"], "float") == [BAD]


def test_a_number_column_is_read_with_a_point_whatever_the_profiles_separator() -> None:
    assert converted(["1299.5", "2"], "float", source=NUMBER_SOURCE, decimal_separator=",") == ["1299.5", "2.0"]


def test_missing_and_blank_values_stay_missing_not_unconvertible() -> None:
    for kind in ("float", "date", "boolean"):
        assert converted([None, "", "   "], kind) == [None, None, None]


def test_floats_are_written_exactly_as_json_writes_them() -> None:
    rng = np.random.default_rng(7)
    values = np.concatenate(
        [
            rng.normal(0, 1e6, 20_000),
            np.round(rng.normal(0, 1e4, 20_000), 2),
            10.0 ** rng.integers(-30, 30, 20_000) * rng.random(20_000),
            [0.0, -0.0, 1e16, 1e15, 1e-4, 1e-5, 0.1, 2 / 3, 5e-324, 1.7976931348623157e308, 999999999999999.9],
        ]
    )
    assert float_literals(values).to_pylist() == [json.dumps(float(v)) for v in values]


def test_dates_in_the_configured_format_and_iso_become_iso_dates() -> None:
    values = ["11/02/1989", "1/2/1989", "1989-02-11", "1989-02-11T23:30:00+02:00", "1989-02-11 08:00:00"]
    assert converted(values, "date", date_format="%d/%m/%Y") == [
        '"1989-02-11"',
        '"1989-02-01"',
        '"1989-02-11"',
        '"1989-02-11"',
        '"1989-02-11"',
    ]


@pytest.mark.parametrize("value", ["31/02/1989", "29/02/2023", "11/02/89", "11/02/1989 x", "1989-13-01", "soon", "0"])
def test_impossible_or_partial_dates_are_unconvertible(value: str) -> None:
    assert converted([value], "date", date_format="%d/%m/%Y") == [BAD]


def test_without_a_format_only_iso_dates_are_read() -> None:
    assert converted(["11/02/1989", "2024-02-29"], "date") == [BAD, '"2024-02-29"']


def test_booleans_read_the_words_segment_rules_read() -> None:
    values = ["true", "T", "Yes", "y", "1", "FALSE", "f", "no", "N", "0", "maybe", "2", "oui"]
    assert converted(values, "boolean") == ["true"] * 5 + ["false"] * 5 + [BAD] * 3


def test_categories_send_the_value_of_a_label_in_any_case_or_the_value_itself() -> None:
    tier = AttributeConversion("TIER", "category", enumeration=((1, "Gold"), (2, "Silver"), (3, "Bronze Plus")))
    values = ["gold", " SILVER ", "bronze plus", "3", "2", "4", "Platinum", "Gold!", None]
    result = convert_column(pd.Series(values, dtype="string[pyarrow]"), tier)
    assert [None if pd.isna(v) else v for v in result] == ["1", "2", "3", "3", "2", BAD, BAD, BAD, None]
    assert tier.reason == "not one of Gold, Silver, Bronze Plus"


def test_multiple_choice_sends_the_options_in_brevos_spelling_once_each_in_the_accounts_order() -> None:
    colours = AttributeConversion(
        "COLOURS", "multiple-choice", DEFAULT_FORMAT, options=("Red", "Blue", 'Say "hi"', "Zoë")
    )
    values = ["blue, red", "RED,red", "zoë", 'say "HI"', "Red, Green", "", " , ", None]
    result = convert_column(pd.Series(values, dtype="string[pyarrow]"), colours)
    assert [None if pd.isna(v) else v for v in result] == [
        '["Red","Blue"]',
        '["Red"]',
        '["Zoë"]',
        json.dumps(['Say "hi"'], ensure_ascii=False),
        BAD,
        None,
        BAD,
        None,
    ]


def test_multiple_choice_splits_on_the_configured_separator() -> None:
    colours = AttributeConversion("C", "multiple-choice", ValueFormat(separator="|"), options=("Red, dark", "Blue"))
    result = convert_column(pd.Series(["red, dark|blue"], dtype="string[pyarrow]"), colours)
    assert result.tolist() == ['["Red, dark","Blue"]']


def test_a_list_column_feeds_a_multiple_choice_attribute_item_by_item() -> None:
    frame = pd.DataFrame({"Email": ["a@example.com", "b@example.com"], "Tags": [["blue", "Red"], ["Red, dark"]]})
    members = gather_members({"s": frame}, FieldMapping.parse({"email": "Email", "TAGS": "Tags"}))
    assert members.sources == {"TAGS": LIST_SOURCE}
    tags = AttributeConversion("TAGS", "multiple-choice", DEFAULT_FORMAT, options=("Red", "Blue", "Red, dark"))
    result = convert_column(members.raw["TAGS"], tags, source=LIST_SOURCE)
    assert result.tolist() == ['["Red","Blue"]', '["Red, dark"]']


def test_hostile_text_is_never_sent_as_a_typed_value() -> None:
    hostile = ['1"; DROP', "\x00", "١٢٣", "=1+1", "1\n2", "0x10", "1_000", "∞", "😀", "true\x00"]
    for kind in ("float", "date", "boolean"):
        assert converted(hostile, kind) == [BAD] * len(hostile), kind


def test_the_report_counts_per_attribute_and_reason_with_masked_values_and_emails() -> None:
    raw = pd.DataFrame(
        {
            "email": ["ann@example.com", "bob@example.com", "cy@example.com"],
            "BIRTHDAY": ["11/02/1989", "1989-31-12", "02/30/1990"],
            "LTV": ["12", "n/a", "3"],
        }
    )
    conversions = {
        "BIRTHDAY": conversion("date", date_format="%d/%m/%Y"),
        "LTV": conversion("float"),
    }
    contacts = raw[["email"]].assign(**{a: convert_column(raw[a], c) for a, c in conversions.items()})
    report = unconvertible_report(contacts, raw, conversions, mask=True)
    assert (report.contacts, report.affected) == (3, 2)
    assert report.by_reason == {"BIRTHDAY: not a date in %d/%m/%Y": 2, "LTV: not a number": 1}
    assert report.sample[0] == "member 2: b***@example.com: BIRTHDAY '1********2' (not a date in %d/%m/%Y)"
    assert "1989-31-12" not in " ".join(report.sample) and "bob@" not in " ".join(report.sample)
    shown = unconvertible_report(contacts, raw, conversions, mask=False).sample
    assert "member 2: bob@example.com: LTV 'n/a' (not a number)" in shown


def test_typed_parquet_columns_convert_whatever_the_text_reading_options() -> None:
    """Dates, datetimes, booleans and numbers read from Parquet arrive as their own types: the profiles'
    comma decimal separator and date format are for text, not for them."""
    frame = pd.DataFrame(
        {
            "Email": ["a@example.com", "b@example.com"],
            "Born": pd.to_datetime(["1989-02-11 10:00", None]),
            "Day": [dt.date(1990, 1, 2), None],
            "Seen": pd.to_datetime(["2024-01-02T23:00:00Z", None], utc=True),
            "Optin": [True, False],
            "Value": [1299.5, None],
            "Orders": [3, 4],
        }
    )
    mapping = FieldMapping.parse(
        {
            "email": "Email",
            "BORN": "Born",
            "DAY": "Day",
            "SEEN": "Seen",
            "OPTIN": "Optin",
            "LTV": "Value",
            "N": "Orders",
        }
    )
    members = gather_members({"s": frame}, mapping)
    date = conversion("date", date_format="%d/%m/%Y")
    conversions = {
        "BORN": date,
        "DAY": date,
        "SEEN": date,
        "OPTIN": conversion("boolean"),
        "LTV": conversion("float", decimal_separator=","),
        "N": conversion("float", decimal_separator=","),
    }
    contacts, _ = shape_contacts(members.raw, None, conversions, members.sources)
    assert contacts.astype(object).where(contacts.notna(), None).to_dict("records") == [
        {
            "email": "a@example.com",
            "BORN": '"1989-02-11"',
            "DAY": '"1990-01-02"',
            "SEEN": '"2024-01-02"',
            "OPTIN": "true",
            "LTV": "1299.5",
            "N": "3.0",
        },
        {"email": "b@example.com", "BORN": None, "DAY": None, "SEEN": None, "OPTIN": "false", "LTV": None, "N": "4.0"},
    ]
