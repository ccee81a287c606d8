"""A segment's members selected where the profiles are, and only the columns the run needs brought back.

The profiles with a usable key (``profiles/table_keys.py``), the segment's rule (``segments/compiled.py``)
and the projection all run in the profiles' engine as one query; what comes back is an Arrow table of the
members and the asked-for columns, however many rows and columns the profiles have.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis.expr.types as ir
import pyarrow as pa

from ci_sendinblue.config.models import Condition
from ci_sendinblue.profiles.table_keys import KeyCounts, keyed_table
from ci_sendinblue.segments.compiled import rule_filter


def members_query(
    table: ir.Table,
    condition: Condition,
    key: str,
    columns: Sequence[str],
    *,
    order_by: Sequence[str] = (),
    counts: KeyCounts | None = None,
) -> ir.Table:
    """The query :func:`select_members` runs, for a caller that wants to count or inspect it first."""
    selected = rule_filter(condition, keyed_table(table, key, counts))
    if order_by:
        selected = selected.order_by(list(order_by))
    return selected.select(*columns)


def select_members(
    table: ir.Table,
    condition: Condition,
    key: str,
    columns: Sequence[str],
    *,
    order_by: Sequence[str] = (),
    counts: KeyCounts | None = None,
) -> pa.Table:
    """The rows of ``table`` with a present, unique ``key`` for which ``condition`` holds, as Arrow with just
    ``columns`` (the key among them as trimmed text when asked for). SQL promises no order: ``order_by``
    names the columns to sort by when the caller needs one (say, a source's row number, which need not be
    among ``columns``). ``counts``: see :func:`~ci_sendinblue.profiles.table_keys.keyed_table`."""
    return members_query(table, condition, key, columns, order_by=order_by, counts=counts).to_pyarrow()
