"""Compiled rules select, on DuckDB (and PostgreSQL when one is given), exactly the profiles pandas selects,
and never carry a rule's value in their SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pytest

from ci_sendinblue.segments.compiled import RuleColumnError, rule_filter, rule_flags
from ci_sendinblue_tests.segments.rule_cases import (
    TEXT_PROFILES,
    TEXT_RULES,
    TYPED_PROFILES,
    TYPED_RULES,
    condition_of,
    duckdb_table,
    engine_members,
    pandas_members,
    postgres_tables_of,
)


@pytest.fixture(scope="module")
def duckdb_text() -> ir.Table:
    return duckdb_table(TEXT_PROFILES)


@pytest.fixture(scope="module")
def duckdb_typed() -> ir.Table:
    return duckdb_table(TYPED_PROFILES)


@pytest.mark.parametrize("rule", TEXT_RULES)
def test_duckdb_selects_what_pandas_selects_from_text(rule: dict[str, Any], duckdb_text: ir.Table):
    assert engine_members(rule, duckdb_text) == pandas_members(rule, TEXT_PROFILES)


@pytest.mark.parametrize("rule", TYPED_RULES)
def test_duckdb_selects_what_pandas_selects_from_typed_columns(rule: dict[str, Any], duckdb_typed: ir.Table):
    assert engine_members(rule, duckdb_typed) == pandas_members(rule, TYPED_PROFILES)


def test_rule_flags_evaluate_many_rules_in_one_pass_with_no_null(duckdb_text: ir.Table):
    conditions = {case.id: condition_of(case.values[0]) for case in TEXT_RULES}
    flags = rule_flags(conditions, duckdb_text, keep=["Id"]).to_pyarrow()
    assert flags.num_rows == TEXT_PROFILES.num_rows
    for case in TEXT_RULES:
        assert flags[case.id].null_count == 0, case.id
        hits = [i for i, hit in zip(flags["Id"].to_pylist(), flags[case.id].to_pylist(), strict=True) if hit]
        assert sorted(hits) == pandas_members(case.values[0], TEXT_PROFILES), case.id


def test_the_equivalence_is_not_vacuous():
    """Every rule of the text table selects some rows and leaves some out, except those that must not."""
    always_empty = {"number-between-reversed", "number-eq-inf-value"}
    for case in TEXT_RULES:
        members = pandas_members(case.values[0], TEXT_PROFILES)
        if case.id in always_empty:
            assert members == [], case.id
        else:
            assert 0 < len(members) < TEXT_PROFILES.num_rows, case.id


HOSTILE_RULE_VALUES = [
    "x' OR '1'='1",
    "Robert'); DROP TABLE Students;--",
    "100%_\\",
    "$1 :name %(value)s",
    "SECRET-\U0001f600",
]


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "pyspark"])
def test_rule_values_never_appear_in_the_sql(dialect: str):
    if dialect == "pyspark":
        pytest.importorskip("pyspark", reason="pyspark is not installed: its SQL cannot be compiled")
        assert ibis.pyspark.name == "pyspark"  # loading the backend declares the options its compiler reads
    rule = {
        "any": [
            {"field": "Value", "op": "contains", "value": HOSTILE_RULE_VALUES[2]},
            {"field": "Value", "op": "in", "value": HOSTILE_RULE_VALUES},
            {"field": "Value", "op": "eq", "value": 8123456.25},
            {"field": "Value", "op": "lt", "value": dt.date(1987, 6, 5)},
        ]
    }
    table = ibis.table({"Id": "string", "Value": "string"}, name="profiles")
    sql = ibis.to_sql(rule_filter(condition_of(rule), table), dialect=dialect)
    for value in [*HOSTILE_RULE_VALUES, "OR '1'='1", "DROP TABLE", "SECRET", "8123456", "1987"]:
        assert value not in sql
    assert sql.count("CROSS JOIN") == 1
    assert " LIKE " not in sql.upper()


def test_the_values_travel_in_a_one_row_table_of_typed_columns():
    rule = {
        "all": [
            {"field": "Value", "op": "in", "value": ["a", "b"]},
            {"field": "Value", "op": "gt", "value": 3},
            {"field": "Value", "op": "eq", "value": True},
            {"field": "Value", "op": "ge", "value": dt.date(2024, 1, 1)},
            {"field": "Stamp", "op": "ge", "value": dt.datetime(2024, 1, 1, 12, 0)},
        ]
    }
    table = ibis.table({"Id": "string", "Value": "string", "Stamp": "timestamp"}, name="profiles")
    filtered = rule_filter(condition_of(rule), table)
    (parameters,) = [op for op in filtered.op().find(ibis.expr.operations.InMemoryTable)]
    data = parameters.data.to_pyarrow(parameters.schema)
    assert data.num_rows == 1
    assert [field.type for field in data.schema] == [
        pa.string(),
        pa.string(),
        pa.float64(),
        pa.bool_(),
        pa.int64(),
        pa.timestamp("us", tz="UTC"),
    ]
    assert filtered.columns == ("Id", "Value", "Stamp")


def test_rules_without_values_need_no_parameter_table():
    table = ibis.table({"Id": "string", "Value": "string"}, name="profiles")
    sql = ibis.to_sql(rule_filter(condition_of({"field": "Value", "op": "not_null"}), table), dialect="duckdb")
    assert "JOIN" not in sql


def test_a_profile_column_named_like_a_parameter_does_not_collide():
    profiles = pa.table({"Id": ["a", "b"], "__ci_rule_value_0_0": ["x", "y"]})
    rule = {"field": "__ci_rule_value_0_0", "op": "eq", "value": "y"}
    assert engine_members(rule, duckdb_table(profiles)) == ["b"]


def test_a_column_name_is_an_identifier_not_code():
    profiles = pa.table({"Id": ["a", "b"], 'x" OR 1=1 --': ["1", "2"]})
    assert engine_members({"field": 'x" OR 1=1 --', "op": "eq", "value": 2}, duckdb_table(profiles)) == ["b"]


def test_a_rule_on_a_missing_column_names_it():
    table = ibis.table({"Id": "string"}, name="profiles")
    with pytest.raises(RuleColumnError, match="column 'City' is not in the profiles"):
        rule_filter(condition_of({"field": "City", "op": "eq", "value": "x"}), table)


def test_tens_of_rules_and_a_long_in_list_stay_one_query():
    table = duckdb_table(TEXT_PROFILES)
    rule = {
        "any": [{"field": "Value", "op": "eq", "value": f"v{n}"} for n in range(50)]
        + [{"field": "Value", "op": "in", "value": [str(n) for n in range(500)]}]
    }
    assert engine_members(rule, table) == pandas_members(rule, TEXT_PROFILES)


# --- PostgreSQL -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_tables() -> Iterator[dict[str, ir.Table]]:
    with postgres_tables_of({"text": TEXT_PROFILES, "typed": TYPED_PROFILES}) as tables:
        yield tables


@pytest.mark.postgres
@pytest.mark.parametrize("rule", TEXT_RULES)
def test_postgres_selects_what_pandas_selects_from_text(rule: dict[str, Any], postgres_tables: dict[str, ir.Table]):
    assert engine_members(rule, postgres_tables["text"]) == pandas_members(rule, TEXT_PROFILES)


@pytest.mark.postgres
@pytest.mark.parametrize("rule", TYPED_RULES)
def test_postgres_selects_what_pandas_selects_from_typed_columns(
    rule: dict[str, Any], postgres_tables: dict[str, ir.Table]
):
    assert engine_members(rule, postgres_tables["typed"]) == pandas_members(rule, TYPED_PROFILES)
