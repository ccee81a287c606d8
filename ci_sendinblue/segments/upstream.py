"""Profiles as a user's asset hands them over, made the frame the segment code reads.

A user's IO manager returns what its storage gives: a pandas DataFrame (pickled, or from a warehouse), a
pyarrow Table, a polars frame, a DuckDB relation... Each is brought to the frame the profiles file gives
(``read_profiles``): columns named by text, text columns as Arrow-backed strings (:data:`TEXT`), one row per
position (rows are reported as "row 3", the third row of the asset). So the rule DSL, the email rule, the key
checks and the pandera contract see the same thing whichever way the profiles came, and the segment's output
goes to the project's Arrow IO manager even when the user's frame holds Python objects of mixed types.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from ci_sendinblue.text import TEXT, frame_from_arrow

ACCEPTED = (
    "a pandas DataFrame, a pyarrow Table, or a frame with __arrow_c_stream__, to_arrow() or to_pandas() "
    "(polars, DuckDB, ...)"
)


class UnreadableProfiles(Exception):
    """The asset's value is not a table the segment can read; the message says what it was."""


def profiles_frame(value: Any) -> pd.DataFrame:
    """``value`` as the segment code's frame: text columns as :data:`TEXT`, a fresh position index."""
    if isinstance(value, pd.DataFrame):
        return frame_from_arrow(_pandas_to_arrow(value))
    return frame_from_arrow(_arrow_table(value))


def _arrow_table(value: Any) -> pa.Table:
    """An Arrow table from anything that can export one, tried in order of cost: Arrow itself, the Arrow
    C stream interface (no copy), ``to_arrow()``, and last ``to_pandas()``."""
    if isinstance(value, pa.Table):
        table = value
    elif isinstance(value, pa.RecordBatch):
        table = pa.Table.from_batches([value])
    elif isinstance(value, pa.RecordBatchReader):
        table = value.read_all()
    elif hasattr(value, "__arrow_c_stream__"):
        table = _converted(value, "__arrow_c_stream__", lambda: pa.table(value))
    elif callable(getattr(value, "to_arrow", None)):
        table = _converted(value, "to_arrow()", value.to_arrow)
    elif callable(getattr(value, "to_pandas", None)):
        frame = _converted(value, "to_pandas()", value.to_pandas)
        if not isinstance(frame, pd.DataFrame):
            raise UnreadableProfiles(f"its to_pandas() gave {_type_name(frame)}, not a pandas DataFrame")
        return _pandas_to_arrow(frame)
    else:
        raise UnreadableProfiles(f"it is {_type_name(value)}; a segment reads {ACCEPTED}")
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    if not isinstance(table, pa.Table):
        raise UnreadableProfiles(f"it gave {_type_name(table)}, not an Arrow table")
    return _plain_text(_named_columns(table))


def _converted(value: Any, how: str, convert: Any) -> Any:
    try:
        return convert()
    except Exception as error:  # the user's library: any failure is the asset's, told in its words
        raise UnreadableProfiles(f"{_type_name(value)}'s {how} failed: {type(error).__name__}: {error}") from error


def _pandas_to_arrow(frame: pd.DataFrame) -> pa.Table:
    """The frame as Arrow, without its index (a named index, such as a key set as index, becomes a column).

    A column Arrow cannot type (Python objects of mixed types, ``[1, "a"]``) is read as text, as the profiles
    file would hold it, rather than failing the segment or its storage."""
    named_index = any(name is not None for name in frame.index.names)
    frame = frame.reset_index() if named_index else frame
    names = [str(name) for name in frame.columns]
    _refuse_repeated(names)
    arrays = []
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        try:
            arrays.append(pa.array(column, from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            arrays.append(pa.array(column.astype(TEXT)))
    return _plain_text(pa.Table.from_arrays(arrays, names=names))


def _named_columns(table: pa.Table) -> pa.Table:
    names = [str(name) for name in table.column_names]
    _refuse_repeated(names)
    return table


def _plain_text(table: pa.Table) -> pa.Table:
    """Text in any Arrow layout (string views, as polars exports it) as large strings, the frames' own."""
    for index, field in enumerate(table.schema):
        if pa.types.is_string_view(field.type):
            table = table.set_column(index, field.name, table.column(index).cast(pa.large_string()))
    return table


def _refuse_repeated(names: list[str]) -> None:
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        # A rule or a mapping naming it would pick either column without a word, as a CSV file's would.
        raise UnreadableProfiles(f"it has more than one column named {', '.join(map(repr, repeated))}")


def _type_name(value: Any) -> str:
    kind = type(value)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"
