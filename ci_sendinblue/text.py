"""The one text type of the project's frames: pandas strings stored in Arrow.

Arrow keeps a column of a million strings in two buffers instead of a million Python objects: a third of the
memory, pickled or written as Parquet without a per-value step, and ``.str`` methods run in Arrow's compute
kernels (regular expressions with RE2) instead of a Python loop. ``astype("string")`` would pick pandas'
default storage (Python objects) unless a global option says otherwise, which a library must not set for its
host's process; so every conversion names this type.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TEXT = pd.StringDtype("pyarrow")


def frame_from_arrow(table: pa.Table, index_column: str | None = None) -> pd.DataFrame:
    """``table`` as a frame whose text columns are :data:`TEXT`, without copying them.

    ``Table.to_pandas`` with a types mapper to this dtype goes through a per-chunk conversion that costs about
    a second per million rows; wrapping each Arrow column in an ``ArrowStringArray`` shares its buffers and
    costs nothing. Other columns go through ``to_pandas`` as usual. ``index_column`` becomes the index."""
    columns: dict[str, pd.Series | pd.api.extensions.ExtensionArray] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            columns[name] = pd.arrays.ArrowStringArray(column.cast(pa.large_string()))
        else:
            columns[name] = column.to_pandas()
    index = columns.pop(index_column) if index_column else None
    frame = pd.DataFrame(columns, copy=False)
    if index is not None:
        frame.index = pd.Index(np.asarray(index))
    return frame


def value_offsets(array: pa.LargeStringArray | pa.LargeBinaryArray) -> np.ndarray:
    """Where each value of ``array`` starts in its data buffer, and where the last ends (``len + 1`` int64s,
    read in place): lets a caller slice or hash whole runs of values without a Python object per value."""
    return np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + len(array) + 1]


def count_blank(values: pa.StringArray | pa.LargeStringArray) -> int:
    """Missing or empty values."""
    return values.null_count + int(pc.sum(pc.equal(values, "")).as_py() or 0)


def arrow_text(values: pd.Series) -> pa.LargeStringArray:
    """``values`` as one Arrow text array: the column's own buffers for :data:`TEXT` (no copy when it is in
    one chunk), a conversion for anything else (missing values stay missing)."""
    array = values.array
    if hasattr(array, "__arrow_array__"):
        return pa.chunked_array(array.__arrow_array__()).combine_chunks().cast(pa.large_string())
    return pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)


_HASHED_UP_TO = 2_000_000
"""Up to this many values, duplicates are found through a hash table (fast); past it, through ranks: the
hash table costs about 1 GB at 5M values (it copies every distinct value), the ranks about 160 MB, in
twice the time."""


def duplicated_values(values: pd.Series) -> np.ndarray:
    """Where a present value occurs more than once (every occurrence, like ``duplicated(keep=False)``).

    For :data:`TEXT`, Arrow's dictionary encoding and a count per distinct value (pandas' ``duplicated`` on
    Arrow text took 0.4 s per million values, this 0.25 s), or for long columns a count per rank."""
    if not isinstance(values.array, pd.arrays.ArrowStringArray):
        return (values.duplicated(keep=False) & values.notna()).to_numpy(dtype=bool)
    text = arrow_text(values)
    present = text.is_valid().to_numpy(zero_copy_only=False)
    if len(text) <= _HASHED_UP_TO and len(pc.unique(text)) - bool(text.null_count) == len(text) - text.null_count:
        # Nothing repeats, the usual answer: Arrow's ``unique`` tells in half the time of the encoding below.
        return np.zeros(len(text), dtype=bool)
    if len(text) > _HASHED_UP_TO:
        ranks = pc.rank(text, sort_keys="ascending", tiebreaker="min").to_numpy()
        return present & (np.bincount(ranks)[ranks] > 1)
    encoded = pc.dictionary_encode(text)
    codes = encoded.indices.fill_null(0).to_numpy().astype(np.intp)
    counts = np.bincount(codes[present], minlength=max(len(encoded.dictionary), 1))
    return present & (counts[codes] > 1)


def rows_where(frame: pd.DataFrame, mask: np.ndarray | pd.Series) -> pd.DataFrame:
    """The rows of ``frame`` where ``mask`` holds, text columns filtered by Arrow (``frame.loc[mask]`` took
    0.26 s for a million rows of a dozen columns, this 0.18 s). Shares nothing with ``frame`` that a caller
    could change through it."""
    keep = np.asarray(mask, dtype=bool)
    if frame.columns.has_duplicates:
        return frame.loc[keep]
    selector = pa.array(keep)
    columns: dict[object, pd.api.extensions.ExtensionArray | np.ndarray] = {}
    for name in frame.columns:
        array = frame[name].array
        if isinstance(array, pd.arrays.ArrowStringArray):
            columns[name] = pd.arrays.ArrowStringArray(pc.filter(array.__arrow_array__(), selector))
        else:
            columns[name] = array[keep]
    filtered = pd.DataFrame(columns, copy=False)
    filtered.index = frame.index[keep]
    return filtered


def sorted_by(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``frame``'s rows ordered by ``column`` (text by its UTF-8 bytes, as Arrow and DuckDB order it; missing
    last), ties in their order; the index labels travel with their rows. A frame already in order is returned
    as it is, so a file written in key order costs one comparison pass."""
    values = frame[column]
    keys = arrow_text(values) if isinstance(values.array, pd.arrays.ArrowStringArray) else pa.array(values)
    if len(keys) < 2:
        return frame
    order = pc.sort_indices(keys)
    positions = order.to_numpy()
    if np.array_equal(positions, np.arange(len(positions))):
        return frame
    if frame.columns.has_duplicates:
        return frame.iloc[positions]
    columns = {
        name: pd.arrays.ArrowStringArray(arrow_text(frame[name]).take(order))
        if isinstance(frame[name].array, pd.arrays.ArrowStringArray)
        else frame[name].array.take(positions)
        for name in frame.columns
    }
    return pd.DataFrame(columns, index=frame.index[positions], copy=False)
