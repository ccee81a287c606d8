"""Column schemas and column lineage as the Dagster UI shows them on each asset's page.

Types are named as a user reads them ("string", "int64", "timestamp[us, UTC]"), not as pandas stores them
("string[pyarrow]", "large_string[pyarrow]", "object"), so the profiles read from a CSV file show as text and
the ones from Parquet with the types the file declares.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import dagster as dg
import pandas as pd
import pyarrow as pa


def type_name(dtype: object) -> str:
    """A column's type in words a user recognises, whichever way pandas holds it."""
    arrow = getattr(dtype, "pyarrow_dtype", None)
    if arrow is not None:
        return arrow_type_name(arrow)
    if isinstance(dtype, pd.StringDtype):
        return "string"
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    text = str(dtype)
    return {"object": "mixed", "bool": "boolean", "boolean": "boolean"}.get(text, text.lower())


def arrow_type_name(arrow: pa.DataType) -> str:
    """An Arrow type as users read it: any text is "string", a boolean "boolean", others as Arrow names them."""
    if pa.types.is_string(arrow) or pa.types.is_large_string(arrow) or pa.types.is_string_view(arrow):
        return "string"
    if pa.types.is_boolean(arrow):
        return "boolean"
    return str(arrow)


def frame_schema(frame: pd.DataFrame, described: Mapping[str, dg.TableColumn] | None = None) -> dg.TableSchema:
    """Every column of ``frame`` with its type; the columns in ``described`` (by name) as given there."""
    described = described or {}
    return dg.TableSchema(
        columns=[described.get(str(c)) or dg.TableColumn(str(c), type_name(frame[c].dtype)) for c in frame.columns]
    )


def passed_through(columns: Iterable[str], upstream: dg.AssetKey) -> dg.TableColumnLineage:
    """Each column comes unchanged (or only normalised) from the column of the same name upstream."""
    return dg.TableColumnLineage(
        deps_by_column={column: [dg.TableColumnDep(asset_key=upstream, column_name=column)] for column in columns}
    )
