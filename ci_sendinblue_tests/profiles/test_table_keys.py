"""Keys counted and shared keys set aside in the engine, as keyed_profiles does in pandas."""

from __future__ import annotations

import time

import ibis
import pyarrow as pa
import pytest

from ci_sendinblue.profiles.keys import keyed_profiles
from ci_sendinblue.profiles.table_keys import KeyCounts, key_counts, keyed_table
from ci_sendinblue.text import frame_from_arrow
from ci_sendinblue_tests.segments.rule_cases import duckdb_table, postgres_tables_of

HOSTILE_KEYS = pa.table(
    {
        "CustomerId": [
            "K1",
            " K1 ",  # shares K1 once trimmed
            "K2",
            None,
            "",
            "   ",
            "\u3000\xa0",
            'K;"1",x',
            "\U0001f511 42",
            "NULL",
            "k2",  # another key than K2: keys are compared exactly
            "K3\t",
            "K3",
            "K3",
            "x' OR '1'='1",
            "%",
            "_",
        ],
        "Name": [f"n{n}" for n in range(17)],
    }
)


def _pandas_counts(profiles: pa.Table, key: str) -> KeyCounts:
    keyed = keyed_profiles(frame_from_arrow(profiles), key)
    shared = tuple(sorted(set(keyed.keys[keyed.duplicated].astype(str)))[:20])
    return KeyCounts(len(keyed.keys), keyed.missing_count, keyed.duplicated_count, shared)


def _pandas_kept(profiles: pa.Table, key: str) -> list[tuple]:
    kept = keyed_profiles(frame_from_arrow(profiles), key).kept
    return sorted(zip(*(kept[c].tolist() for c in kept.columns), strict=True))


def _engine_kept(table: ibis.Table) -> list[tuple]:
    return sorted(zip(*(c.to_pylist() for c in table.to_pyarrow().columns), strict=True))


def test_key_counts_match_keyed_profiles():
    counts = key_counts(duckdb_table(HOSTILE_KEYS), "CustomerId")
    assert counts == _pandas_counts(HOSTILE_KEYS, "CustomerId")
    assert counts == KeyCounts(rows=17, missing=4, duplicated=5, duplicate_keys=("K1", "K3"))


def test_keyed_table_keeps_the_rows_keyed_profiles_keeps_with_the_trimmed_key():
    kept = keyed_table(duckdb_table(HOSTILE_KEYS), "CustomerId")
    assert kept.columns == ("CustomerId", "Name")
    assert _engine_kept(kept) == _pandas_kept(HOSTILE_KEYS, "CustomerId")
    assert ("K2", "n2") in _engine_kept(kept)


@pytest.mark.postgres
def test_postgres_counts_and_keeps_as_keyed_profiles_does():
    with postgres_tables_of({"keys": HOSTILE_KEYS}) as tables:
        assert key_counts(tables["keys"], "CustomerId") == _pandas_counts(HOSTILE_KEYS, "CustomerId")
        assert _engine_kept(keyed_table(tables["keys"], "CustomerId")) == _pandas_kept(HOSTILE_KEYS, "CustomerId")


def test_no_shared_key_means_no_sample_and_one_query():
    counts = key_counts(duckdb_table(pa.table({"Id": ["a", "b"]})), "Id")
    assert counts == KeyCounts(rows=2, missing=0, duplicated=0, duplicate_keys=())
    assert counts.refused == 0


def test_an_empty_table_counts_nothing():
    counts = key_counts(duckdb_table(pa.table({"Id": pa.array([], pa.string())})), "Id")
    assert counts == KeyCounts(rows=0, missing=0, duplicated=0, duplicate_keys=())


@pytest.mark.parametrize(
    "keys",
    [
        pa.array([1, 2, None, 2, 98101], pa.int64()),  # pandas reads it as float64 with NaN
        pa.array([1.0, 2.0, float("nan"), 2.5, 98101.0], pa.float64()),
        pa.array([True, False, None, True, False], pa.bool_()),
    ],
    ids=["int-with-null", "float", "bool"],
)
def test_typed_keys_are_read_as_text_alike(keys: pa.Array):
    profiles = pa.table({"Key": keys, "Row": list(range(len(keys)))})
    table = duckdb_table(profiles)
    assert key_counts(table, "Key") == _pandas_counts(profiles, "Key")
    assert _engine_kept(keyed_table(table, "Key")) == _pandas_kept(profiles, "Key")


def test_whole_float_keys_are_their_digits():
    profiles = pa.table({"Key": pa.array([1.0, 98101.0, 2.5], pa.float64())})
    assert _engine_kept(keyed_table(duckdb_table(profiles), "Key")) == [("1",), ("98101",)]


def test_millions_of_keys_are_counted_in_the_engine():
    con = ibis.duckdb.connect()
    con.raw_sql(
        "CREATE TABLE profiles AS SELECT CASE WHEN i % 1000000 = 500000 THEN NULL ELSE 'K' || (i % 1999990) END AS Id,"
        " i AS Row FROM range(2000000) t(i)"
    )
    started = time.perf_counter()
    counts = key_counts(con.table("profiles"), "Id")
    assert counts.rows == 2_000_000
    assert counts.missing == 2
    assert counts.duplicated == 20  # K0..K9 appear twice
    assert counts.duplicate_keys == tuple(sorted(f"K{n}" for n in range(10)))
    assert keyed_table(con.table("profiles"), "Id").count().to_pyarrow().as_py() == 2_000_000 - 2 - 20
    assert time.perf_counter() - started < 30
