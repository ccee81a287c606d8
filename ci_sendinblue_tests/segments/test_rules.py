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
