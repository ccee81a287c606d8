"""Setting aside profiles whose key is missing or shared, in the profiles' own engine.

The same rule as ``profiles/keys.py`` applies to a pandas frame, for a table (ibis) that may hold tens of
millions of rows: the keys are counted and the shared ones found by aggregations the engine runs, and no row
comes into Python. A key is the key column read as text (``segments/reading.py``: text, whole numbers as
digits, booleans, dates) without the white space around it; a row without one, and every row of a key that
several rows share, is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg
import ibis
import ibis.expr.types as ir

from ci_sendinblue.segments.compiled import column_kind, read_as_text, trimmed

SHARED_KEYS_SHOWN = 20
"""How many shared keys :class:`KeyCounts` names (the first in code point order), as ``keys.py`` does."""


@dataclass(frozen=True)
class KeyCounts:
    rows: int
    missing: int
    """Rows without a key (missing, empty or white space only, or of a type with no text)."""
    duplicated: int
    """Rows whose key another row has too (each of them)."""
    duplicate_keys: tuple[str, ...]
    """The first :data:`SHARED_KEYS_SHOWN` shared keys, in code point order."""

    @property
    def refused(self) -> int:
        return self.missing + self.duplicated

    def metadata(self) -> dict[str, dg.MetadataValue | int]:
        """What the UI shows of the refused rows (a table has no row numbers to point at)."""
        return {
            "missing_key": self.missing,
            "duplicate_key": self.duplicated,
            "duplicate_keys": dg.MetadataValue.json(list(self.duplicate_keys)),
        }

    def check_reasons(self) -> dict[str, int]:
        return {"missing key": self.missing, "shared key": self.duplicated}


def key_text(table: ir.Table, key: str) -> ir.StringValue:
    """Each row's key: the column read as text, trimmed; null where there is none."""
    column = table[key]
    kind = column_kind(column.type())
    if kind == "text":
        return trimmed(column).nullif("")  # type: ignore[attr-defined]
    text = read_as_text(column, kind)
    return text if text is not None else ibis.null("string")


def key_counts(table: ir.Table, key: str) -> KeyCounts:
    """How many rows ``table`` has, how many lack a key and how many share one, with a sample of the shared
    keys: one aggregation by key, and a second only when some key is shared."""
    per_key = table.select(key=key_text(table, key)).group_by("key").aggregate(rows=ibis._.count())
    present = per_key.key.notnull()
    summary = per_key.aggregate(
        rows=per_key.rows.sum(),
        missing=per_key.rows.sum(where=~present),
        duplicated=per_key.rows.sum(where=present & (per_key.rows > 1)),
    ).to_pyarrow()
    rows, missing, duplicated = (int(summary[name][0].as_py() or 0) for name in ("rows", "missing", "duplicated"))
    shared: tuple[str, ...] = ()
    if duplicated:
        sample = per_key.filter(present & (per_key.rows > 1)).order_by("key").limit(SHARED_KEYS_SHOWN)
        shared = tuple(sample.key.to_pyarrow().to_pylist())
    return KeyCounts(rows=rows, missing=missing, duplicated=duplicated, duplicate_keys=shared)


def keyed_table(table: ir.Table, key: str, counts: KeyCounts | None = None) -> ir.Table:
    """The rows of ``table`` with a key no other row has, the key column replaced by the key (trimmed text);
    the same columns in the same order. The shared keys are found by the engine (a grouping of the keys
    alone, then an anti join), never listed in Python; the grouping reads the key column by itself, so an
    engine never holds the whole profiles to share them between the two sides of the join.

    ``counts``, :func:`key_counts` of the same table just before, saves that grouping when no key is shared
    (the usual case, and half the work on tens of millions of rows)."""
    keyed = table.mutate(**{key: key_text(table, key)})
    present = keyed.filter(keyed[key].notnull())
    if counts is not None and counts.duplicated == 0:
        return present
    keys = table.select(**{key: key_text(table, key)})
    shared = keys.filter(keys[key].notnull()).group_by(key).aggregate(rows=ibis._.count()).filter(ibis._.rows > 1)
    return present.anti_join(shared.select(key), key)
