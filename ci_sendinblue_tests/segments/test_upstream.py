"""Whatever frame a user's IO manager hands over, the segment reads the frame the profiles file would give:
text columns as Arrow-backed strings, one row per position, columns named by text."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from ci_sendinblue.config.models import FieldCondition
from ci_sendinblue.segments.rules import evaluate
from ci_sendinblue.segments.upstream import UnreadableProfiles, profiles_frame
from ci_sendinblue.text import TEXT

ROWS = {"CustomerId": ["C1", "C2"], "Email": ["ann@example.com", None], "LifetimeValue": [1500, 20]}


class ArrowStream:
    """A frame exporting the Arrow C stream interface only (as polars and DuckDB relations do)."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._table.__arrow_c_stream__(requested_schema)


class ToArrow:
    """A frame with ``to_arrow()`` alone, text as string views (what polars' ``to_arrow`` gives)."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    def to_arrow(self) -> pa.Table:
        return self._table


class ToPandas:
    def __init__(self, frame: Any) -> None:
        self._frame = frame

    def to_pandas(self) -> Any:
        return self._frame


def assert_profiles(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == ["CustomerId", "Email", "LifetimeValue"]
    assert frame["CustomerId"].dtype == TEXT and frame["Email"].dtype == TEXT
    assert frame["Email"].isna().tolist() == [False, True]
    assert frame.index.tolist() == [0, 1]
    assert evaluate(FieldCondition(field="LifetimeValue", op="gt", value=1000), frame).tolist() == [True, False]


def test_a_pandas_frame_of_python_strings_reads_as_arrow_text():
    assert_profiles(profiles_frame(pd.DataFrame(ROWS)))


def test_an_arrow_table_reads_as_it_is():
    assert_profiles(profiles_frame(pa.table(ROWS)))


def test_a_record_batch_reads_as_a_table():
    assert_profiles(profiles_frame(pa.RecordBatch.from_pydict(ROWS)))


def test_a_frame_with_the_arrow_stream_interface_reads_through_it():
    assert_profiles(profiles_frame(ArrowStream(pa.table(ROWS))))


def test_string_views_from_to_arrow_read_as_text():
    views = pa.table(ROWS).cast(
        pa.schema([("CustomerId", pa.string_view()), ("Email", pa.string_view()), ("LifetimeValue", pa.int64())])
    )
    assert_profiles(profiles_frame(ToArrow(views)))


def test_an_object_with_to_pandas_alone_is_read_through_pandas():
    assert_profiles(profiles_frame(ToPandas(pd.DataFrame(ROWS))))


def test_a_named_index_such_as_the_key_becomes_a_column_and_rows_are_numbered_by_position():
    frame = profiles_frame(pd.DataFrame(ROWS).set_index("CustomerId"))
    assert list(frame.columns) == ["CustomerId", "Email", "LifetimeValue"]
    unnamed = profiles_frame(pd.DataFrame(ROWS, index=[10, 20]))
    assert unnamed.index.tolist() == [0, 1] and "index" not in unnamed.columns


def test_a_column_of_mixed_python_values_is_read_as_text():
    frame = profiles_frame(pd.DataFrame({"Id": [1, "C2", None], "Tags": [{"a": 1}, 2, "x"]}))
    assert frame["Id"].tolist() == ["1", "C2", pd.NA]
    assert frame["Tags"].dtype == TEXT


def test_columns_named_by_numbers_are_named_by_text():
    assert list(profiles_frame(pd.DataFrame({0: ["a"], 1: ["b"]})).columns) == ["0", "1"]


def test_a_column_name_repeated_is_refused():
    frame = pd.DataFrame([["a", "b"]], columns=["Email", "Email"])
    with pytest.raises(UnreadableProfiles, match="more than one column named 'Email'"):
        profiles_frame(frame)


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ([{"Email": "a@example.com"}], "list"),
        ("s3://bucket/profiles.parquet", "str"),
        (None, "NoneType"),
        (ToPandas([1, 2]), r"its to_pandas\(\) gave list, not a pandas DataFrame"),
    ],
)
def test_anything_else_is_refused_naming_its_type(value, named):
    with pytest.raises(UnreadableProfiles, match=named):
        profiles_frame(value)


def test_a_conversion_that_fails_is_reported_in_the_libraries_words():
    class Broken:
        def to_arrow(self) -> pa.Table:
            raise RuntimeError("connection closed")

    with pytest.raises(UnreadableProfiles, match=r"Broken's to_arrow\(\) failed: RuntimeError: connection closed"):
        profiles_frame(Broken())
