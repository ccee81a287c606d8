"""A segment's members selected in the engine are the pandas path's members, row for row, with only the
columns asked for."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from ci_sendinblue.config.models import ProfilesSettings
from ci_sendinblue.profiles.keys import keyed_profiles
from ci_sendinblue.profiles.sources import read_profiles
from ci_sendinblue.profiles.table_keys import key_counts
from ci_sendinblue.profiles.tables import open_profiles
from ci_sendinblue.segments.members import members_query, select_members
from ci_sendinblue.segments.rules import evaluate
from ci_sendinblue.text import frame_from_arrow
from ci_sendinblue_tests.helpers import COLUMNS, base_config
from ci_sendinblue_tests.hostile.corpus import profile_rows
from ci_sendinblue_tests.segments.rule_cases import (
    TEXT_PROFILES,
    TEXT_RULES,
    condition_of,
    duckdb_table,
    postgres_tables_of,
)

PROFILES = pa.table(
    {
        "CustomerId": ["C1", " C2 ", "C3", "C3", None, "  ", "C6", "C7", "C8", "C9"],
        "City": ["Seattle", "Seattle", "Seattle", "Paris", "Seattle", "Seattle", "seattle", "Redmond", None, "Seattle"],
        "LifetimeValue": ["1500", "2000.5", "3000", "10", "5000", "5000", "1200", "n/a", "4000", " 1001 "],
        "Email": [f"c{n}@example.com" for n in range(10)],
        "Joined": [
            "2024-01-15",
            "2023-12-31",
            None,
            "2024-02-01",
            "x",
            "2024-03-01",
            "2024-06-01T10:00:00Z",
            "",
            "1",
            "2",
        ],
        "Unused": ["x" * 1000] * 10,
    }
)
RULE = {
    "all": [
        {"field": "City", "op": "in", "value": ["Seattle", "Redmond"], "ignore_case": True},
        {"field": "LifetimeValue", "op": "gt", "value": 1000},
        {"not": {"field": "Joined", "op": "lt", "value": dt.date(2024, 1, 1)}},
    ]
}


def pandas_members(profiles: pa.Table, rule: dict[str, Any], key: str, columns: list[str]) -> list[tuple]:
    kept = keyed_profiles(frame_from_arrow(profiles), key).kept
    members = kept.loc[evaluate(condition_of(rule), kept), columns]
    return rows(pa.Table.from_pandas(members, preserve_index=False))


def rows(table: pa.Table) -> list[tuple]:
    return sorted(zip(*(c.to_pylist() for c in table.columns), strict=True))


def test_members_are_the_pandas_paths_members_with_only_the_asked_columns():
    members = select_members(duckdb_table(PROFILES), condition_of(RULE), "CustomerId", ["CustomerId", "Email"])
    assert members.column_names == ["CustomerId", "Email"]
    assert rows(members) == pandas_members(PROFILES, RULE, "CustomerId", ["CustomerId", "Email"])
    assert rows(members) == [("C1", "c0@example.com"), ("C6", "c6@example.com"), ("C9", "c9@example.com")]


@pytest.mark.parametrize("rule", TEXT_RULES)
def test_every_rule_selects_the_same_members(rule: dict[str, Any]):
    members = select_members(duckdb_table(TEXT_PROFILES), condition_of(rule), "Id", ["Id", "Value"])
    assert rows(members) == pandas_members(TEXT_PROFILES, rule, "Id", ["Id", "Value"])


def test_members_come_in_the_order_asked_for_by_a_column_left_behind():
    profiles = PROFILES.append_column("Row", pa.array(range(10, 0, -1), pa.int64()))
    members = select_members(duckdb_table(profiles), condition_of(RULE), "CustomerId", ["CustomerId"], order_by=["Row"])
    assert members.column("CustomerId").to_pylist() == ["C9", "C6", "C1"]


@pytest.mark.postgres
def test_members_selected_in_postgres_are_the_pandas_paths_members():
    with postgres_tables_of({"members": PROFILES}) as tables:
        members = select_members(tables["members"], condition_of(RULE), "CustomerId", ["CustomerId", "Email"])
    assert rows(members) == pandas_members(PROFILES, RULE, "CustomerId", ["CustomerId", "Email"])


def test_counts_without_a_shared_key_spare_the_grouping_and_change_nothing():
    profiles = PROFILES.set_column(0, "CustomerId", pa.array([f"C{n}" for n in range(10)]))
    table = duckdb_table(profiles)
    counts = key_counts(table, "CustomerId")
    assert counts.duplicated == 0
    query = members_query(table, condition_of(RULE), "CustomerId", ["CustomerId"], counts=counts)
    assert "JOIN" not in ibis.to_sql(query).replace("CROSS JOIN", "")
    assert rows(query.to_pyarrow()) == rows(select_members(table, condition_of(RULE), "CustomerId", ["CustomerId"]))


@pytest.mark.parametrize("segment", ["seattle_high_value", "platinum"])
def test_a_csv_file_opened_in_duckdb_gives_the_members_pandas_gives(segment: str, tmp_path):
    """The hostile corpus as the profiles file: the file source's DuckDB table and pandas' reading of the same
    CSV select the same members, every column equal."""
    path = tmp_path / "profiles.csv"
    pd.DataFrame(profile_rows(), columns=COLUMNS).to_csv(path, index=False)
    rule = base_config()["segments"][segment]["where"]
    with open_profiles(ProfilesSettings(path=path, key="CustomerId")) as profiles:
        members = select_members(profiles.table, condition_of(rule), "CustomerId", COLUMNS)
    kept = keyed_profiles(read_profiles(path), "CustomerId").kept
    expected = kept.loc[evaluate(condition_of(rule), kept), COLUMNS]
    assert 0 < members.num_rows < len(kept)
    assert rows(members) == rows(pa.Table.from_pandas(expected, preserve_index=False))
