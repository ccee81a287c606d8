"""Segment rules select profiles the way their YAML reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from pydantic import TypeAdapter

from ci_sendinblue.config.models import Condition
from ci_sendinblue.segments.rules import evaluate

PROFILES = pd.DataFrame(
    {
        "Id": ["a", "b", "c", "d", "e"],
        "City": ["Seattle", "seattle", "Paris", None, "Seattle"],
        "Value": ["1500", "999.5", "n/a", "2000", None],
        "Joined": ["2024-01-15", "2023-12-31", "not a date", None, "2024-06-01T10:00:00"],
        "Consent": ["true", "FALSE", "yes", None, "0"],
        "Email": ["ann@example.com", "bob@mail.example.org", "c@example.net", "d@example.com", None],
    }
)


def members(rule: dict[str, Any]) -> list[str]:
    condition = TypeAdapter(Condition).validate_python(rule)
    return PROFILES.loc[evaluate(condition, PROFILES), "Id"].tolist()


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"field": "City", "op": "eq", "value": "Seattle"}, ["a", "e"]),
        ({"field": "City", "op": "eq", "value": "Seattle", "ignore_case": True}, ["a", "b", "e"]),
        ({"field": "City", "op": "ne", "value": "Seattle"}, ["b", "c"]),
        ({"field": "Value", "op": "gt", "value": 1000}, ["a", "d"]),
        ({"field": "Value", "op": "ge", "value": 1500}, ["a", "d"]),
        ({"field": "Value", "op": "lt", "value": 1500}, ["b"]),
        ({"field": "Value", "op": "le", "value": 1500}, ["a", "b"]),
        ({"field": "Value", "op": "between", "value": [999.5, 1500]}, ["a", "b"]),
        ({"field": "City", "op": "in", "value": ["Paris", "Seattle"]}, ["a", "c", "e"]),
        ({"field": "City", "op": "not_in", "value": ["Paris", "Seattle"]}, ["b"]),
        ({"field": "Email", "op": "contains", "value": "mail."}, ["b"]),
        ({"field": "Email", "op": "startswith", "value": "ann@"}, ["a"]),
        ({"field": "Email", "op": "endswith", "value": ".com"}, ["a", "d"]),
        ({"field": "City", "op": "is_null"}, ["d"]),
        ({"field": "City", "op": "not_null"}, ["a", "b", "c", "e"]),
        ({"field": "Consent", "op": "eq", "value": True}, ["a", "c"]),
        ({"field": "Consent", "op": "eq", "value": False}, ["b", "e"]),
        ({"field": "Joined", "op": "ge", "value": dt.date(2024, 1, 1)}, ["a", "e"]),
    ],
)
def test_each_operator_selects_the_matching_profiles(rule, expected):
    assert members(rule) == expected


def test_all_requires_every_condition():
    rule = {"all": [{"field": "City", "op": "eq", "value": "Seattle"}, {"field": "Value", "op": "gt", "value": 1000}]}
    assert members(rule) == ["a"]


def test_any_requires_one_condition():
    rule = {"any": [{"field": "City", "op": "eq", "value": "Paris"}, {"field": "Value", "op": "gt", "value": 1600}]}
    assert members(rule) == ["c", "d"]


def test_not_inverts_including_profiles_with_an_empty_value():
    assert members({"not": {"field": "City", "op": "eq", "value": "Seattle"}}) == ["b", "c", "d"]


def test_rules_nest():
    rule = {
        "all": [
            {"not": {"field": "City", "op": "is_null"}},
            {"any": [{"field": "Value", "op": "lt", "value": 1000}, {"field": "Consent", "op": "eq", "value": True}]},
        ]
    }
    assert members(rule) == ["a", "b", "c"]


def test_a_value_that_is_not_a_number_matches_no_numeric_comparison():
    assert "c" not in members({"field": "Value", "op": "ne", "value": 1})


def test_user_text_is_never_evaluated_as_code():
    rule = {"field": "City", "op": "eq", "value": "__import__('os').system('false')"}
    assert members(rule) == []


def _selected(rule: dict[str, Any], column: list[Any] | pd.Series) -> list[bool]:
    frame = pd.DataFrame({"Value": column})
    return evaluate(TypeAdapter(Condition).validate_python(rule), frame).tolist()


def test_infinity_and_nan_written_as_text_are_no_numbers():
    assert _selected({"field": "Value", "op": "gt", "value": 1000}, ["inf", "Infinity", "nan", "1e3", "1001"]) == [
        False,
        False,
        False,
        False,
        True,
    ]


def test_only_iso_8601_text_is_a_date():
    rule = {"field": "Value", "op": "eq", "value": dt.date(2024, 5, 1)}
    assert _selected(rule, ["2024-05-01", "05/01/2024", "01/05/2024", "May 1 2024", "2024-5-1"]) == [
        True,
        False,
        False,
        False,
        False,
    ]


def test_a_date_compares_the_day_as_written_whatever_the_time_or_offset():
    rule = {"field": "Value", "op": "eq", "value": dt.date(2024, 6, 1)}
    assert _selected(rule, ["2024-06-01T10:00:00", "2024-06-01T23:30:00-05:00", "2024-06-02T01:00:00+02:00"]) == [
        True,
        True,
        False,
    ]


def test_a_datetime_compares_instants_in_utc():
    rule = {"field": "Value", "op": "gt", "value": dt.datetime(2024, 6, 2, 4, 0)}
    assert _selected(rule, ["2024-06-01T23:30:00-05:00", "2024-06-02T04:00:00Z", "2024-06-02"]) == [True, False, False]


def test_white_space_only_text_is_empty_for_every_comparison_but_is_null():
    values = ["  ", "\u3000", "Paris"]
    assert _selected({"field": "Value", "op": "ne", "value": "Seattle"}, values) == [False, False, True]
    assert _selected({"field": "Value", "op": "is_null"}, values) == [True, True, False]
    assert _selected({"not": {"field": "Value", "op": "ne", "value": "Seattle"}}, values) == [True, True, False]


def test_a_lists_values_are_read_as_its_first_value_reads_the_column():
    rule = {"field": "Value", "op": "in", "value": [1, "1.5e3", "n/a"]}
    assert _selected(rule, ["1500", "1", "n/a"]) == [True, True, False]


def test_typed_columns_are_read_by_their_type():
    numbers = pd.Series([98101.0, 2.5, float("nan"), float("inf")])
    assert _selected({"field": "Value", "op": "startswith", "value": "98"}, numbers) == [True, False, False, False]
    assert _selected({"field": "Value", "op": "is_null"}, numbers) == [False, False, True, False]
    assert _selected({"field": "Value", "op": "gt", "value": 0}, numbers) == [True, True, False, False]
    assert _selected({"field": "Value", "op": "eq", "value": True}, pd.Series([1.0, 0.0, 2.0])) == [True, False, False]
    flags = pd.Series([True, False, None], dtype="boolean")
    assert _selected({"field": "Value", "op": "eq", "value": "true"}, flags) == [True, False, False]
    assert _selected({"field": "Value", "op": "gt", "value": 0}, flags) == [False, False, False]


def test_ignore_case_lowers_letters_beyond_ascii():
    rule = {"field": "Value", "op": "eq", "value": "zürich", "ignore_case": True}
    assert _selected(rule, ["ZÜRICH", "Zürich", "ZURICH"]) == [True, True, False]
