"""Evaluating segment rules on profiles in memory, vectorised over each column's Arrow array.

How a column is read (as numbers, days, instants, booleans or text) is ``segments/reading.py``'s definition,
which the rules compiled for a database (``segments/compiled.py``) implement too, so a segment has the same
members whichever path evaluates it. A value that cannot be read the rule's way and an empty value match no
comparison except ``is_null``; ``not`` then turns that into a match, as in two-valued logic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ci_sendinblue.config.models import AllOf, AnyOf, Condition, FieldCondition, NotOf
from ci_sendinblue.segments.reading import (
    BLANK,
    FALSE_TEXT,
    FALSE_WORDS,
    ISO_TEXT,
    MAX_WHOLE,
    MICROS_PER_DAY,
    NUMBER_TEXT,
    TRUE_TEXT,
    TRUE_WORDS,
    Reading,
    civil_days,
    instant_micros,
    operand,
    reading_of,
)
from ci_sendinblue.text import TEXT

__all__ = ["FALSE_WORDS", "TRUE_WORDS", "arrow_values", "evaluate", "read_as_text"]

Kind = str
"""What a column holds, as far as reading goes: text, integer, float, flag, date, timestamp or other."""


def evaluate(condition: Condition, profiles: pd.DataFrame) -> pd.Series:
    """A boolean mask over the profiles' rows: True where the profile belongs to the segment."""
    if isinstance(condition, AllOf):
        mask = pd.Series(True, index=profiles.index)
        for child in condition.all:
            mask &= evaluate(child, profiles)
        return mask
    if isinstance(condition, AnyOf):
        mask = pd.Series(False, index=profiles.index)
        for child in condition.any:
            mask |= evaluate(child, profiles)
        return mask
    if isinstance(condition, NotOf):
        return ~evaluate(condition.not_, profiles)
    return pd.Series(_compare(condition, arrow_values(profiles[condition.field])), index=profiles.index)


def arrow_values(column: pd.Series) -> pa.Array:
    """The column as one Arrow array (its own buffers for Arrow-backed text); NaN and NaT are missing.
    Python objects of mixed types, which have no Arrow type, are read as their text, as pandas writes it."""
    try:
        values = pa.array(column, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        values = pa.array(column.astype(TEXT))
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    return values


def kind_of(type_: pa.DataType) -> Kind:
    if pa.types.is_string(type_) or pa.types.is_large_string(type_) or pa.types.is_string_view(type_):
        return "text"
    if pa.types.is_integer(type_):
        return "integer"
    if pa.types.is_floating(type_) or pa.types.is_decimal(type_):
        return "float"
    if pa.types.is_boolean(type_):
        return "flag"
    if pa.types.is_date(type_):
        return "date"
    if pa.types.is_timestamp(type_):
        return "timestamp"
    return "other"


def _compare(condition: FieldCondition, values: pa.Array) -> np.ndarray:
    op = condition.op
    if op in ("is_null", "not_null"):
        empty = _is_empty(values)
        return empty if op == "is_null" else ~empty
    given = condition.value if isinstance(condition.value, list) else [condition.value]
    reading = reading_of(given[0])
    column = _read(values, reading)
    operands: list[Any] = [o for o in (operand(v, reading) for v in given) if o is not None]
    if reading == "text" and condition.ignore_case:
        column = pc.utf8_lower(column)
        operands = pc.utf8_lower(pa.array(operands, type=pa.large_string())).to_pylist()
    result = _apply(op, column, pa.array(operands, type=column.type))
    return pc.fill_null(result, False).to_numpy(zero_copy_only=False)


def _apply(op: str, column: pa.Array, operands: pa.Array) -> pa.Array:
    """``op`` of the column with its operands; null where the column (or an operand) is null."""
    if op in ("in", "not_in"):
        found = pc.is_in(column, value_set=operands)
        found = pc.invert(found) if op == "not_in" else found
        return pc.if_else(column.is_valid(), found, pa.scalar(None, pa.bool_()))
    if not len(operands):
        return pa.nulls(len(column), pa.bool_())
    if op == "between":
        if len(operands) < 2:
            return pa.nulls(len(column), pa.bool_())
        return pc.and_kleene(pc.greater_equal(column, operands[0]), pc.less_equal(column, operands[1]))
    functions = {
        "eq": pc.equal,
        "ne": pc.not_equal,
        "gt": pc.greater,
        "ge": pc.greater_equal,
        "lt": pc.less,
        "le": pc.less_equal,
    }
    if op in functions:
        return functions[op](column, operands[0])
    text = operands[0].as_py()
    if op == "contains":
        found = pc.match_substring(column, pattern=text)
    elif op == "startswith":
        found = pc.starts_with(column, pattern=text)
    else:
        found = pc.ends_with(column, pattern=text)
    return pc.if_else(column.is_valid(), found, pa.scalar(None, pa.bool_()))


def _is_empty(values: pa.Array) -> np.ndarray:
    """Missing, NaN, or text that is empty or only white space."""
    empty = values.is_null()
    kind = kind_of(values.type)
    if kind == "text":
        empty = pc.or_(empty, pc.fill_null(pc.match_substring_regex(values, BLANK), False))
    elif kind == "float" and not pa.types.is_decimal(values.type):
        empty = pc.or_(empty, pc.fill_null(pc.is_nan(values), False))
    return empty.to_numpy(zero_copy_only=False)


# --- readings --------------------------------------------------------------------------------------------------


def _read(values: pa.Array, reading: Reading) -> pa.Array:
    """The column as ``reading`` reads it: float64 numbers, int64 days or microseconds since 1970 (UTC),
    booleans or text; null where a value is missing, empty or cannot be read that way."""
    kind = kind_of(values.type)
    if reading == "number":
        return _numbers(values, kind)
    if reading in ("day", "instant"):
        days, micros = _days_and_instants(values, kind)
        return days if reading == "day" else micros
    if reading == "flag":
        return _flags(values, kind)
    return read_as_text(values)


def _numbers(values: pa.Array, kind: Kind) -> pa.Array:
    """Finite float64s; -0 is made 0, which ``is_in`` (hashing bits) would otherwise tell apart."""
    if kind == "text":
        numbers = pc.cast(pc.struct_field(pc.extract_regex(values, NUMBER_TEXT), "number"), pa.float64())
    elif kind in ("integer", "float"):
        numbers = pc.cast(values, pa.float64())
        numbers = pc.if_else(pc.is_finite(numbers), numbers, pa.scalar(None, pa.float64()))
    else:
        return pa.nulls(len(values), pa.float64())
    return pc.add(numbers, 0.0)


def _flags(values: pa.Array, kind: Kind) -> pa.Array:
    null = pa.scalar(None, pa.bool_())
    if kind == "flag":
        return values
    if kind in ("integer", "float"):
        numbers = pc.cast(values, pa.float64())
        return pc.if_else(pc.equal(numbers, 1), True, pc.if_else(pc.equal(numbers, 0), False, null))
    if kind == "text":
        true = pc.match_substring_regex(values, TRUE_TEXT)
        false = pc.match_substring_regex(values, FALSE_TEXT)
        return pc.if_else(true, True, pc.if_else(false, False, null))
    return pa.nulls(len(values), pa.bool_())


def read_as_text(values: pa.Array) -> pa.Array:
    """The text reading: text as it is (blank text is empty, so null), whole numbers as their digits,
    booleans as true/false, dates as YYYY-MM-DD; null for other types. Also what a profile key is read as."""
    kind = kind_of(values.type)
    null = pa.scalar(None, pa.large_string())
    if kind == "text":
        text = values.cast(pa.large_string())
        return pc.if_else(pc.fill_null(pc.match_substring_regex(text, BLANK), False), null, text)
    if kind == "integer":
        return pc.cast(values, pa.large_string())
    if kind == "float":
        numbers = pc.cast(values, pa.float64())
        whole = pc.and_(
            pc.equal(pc.floor(numbers), numbers), pc.less(pc.abs(numbers), float(MAX_WHOLE))
        )  # NaN and infinities are never whole
        integers = pc.cast(pc.if_else(pc.fill_null(whole, False), numbers, 0.0), pa.int64())
        return pc.if_else(pc.fill_null(whole, False), pc.cast(integers, pa.large_string()), null)
    if kind == "flag":
        return pc.if_else(values, "true", "false").cast(pa.large_string())
    if kind == "date":
        days = pc.cast(values.cast(pa.date32()), pa.int32()).to_numpy(zero_copy_only=False)
        return _day_text(days, values.is_valid())
    return pa.nulls(len(values), pa.large_string())


def _day_text(days: np.ndarray, valid: pa.Array) -> pa.Array:
    """YYYY-MM-DD of days since 1970, years zero-padded to four digits."""
    dates = pa.array(np.where(valid.to_numpy(zero_copy_only=False), days, 0).astype(np.int32), pa.date32())
    parts = [
        pc.utf8_lpad(pc.cast(pc.year(dates), pa.large_string()), 4, "0"),
        pc.utf8_lpad(pc.cast(pc.month(dates), pa.large_string()), 2, "0"),
        pc.utf8_lpad(pc.cast(pc.day(dates), pa.large_string()), 2, "0"),
    ]
    text = pc.binary_join_element_wise(*parts, pa.scalar("-", pa.large_string()))
    return pc.if_else(valid, text, pa.scalar(None, pa.large_string()))


def _days_and_instants(values: pa.Array, kind: Kind) -> tuple[pa.Array, pa.Array]:
    """Days since 1970 (the day as written, or in UTC for a timestamp) and microseconds since 1970 UTC."""
    if kind == "date":
        days = pc.cast(pc.cast(values.cast(pa.date32()), pa.int32()), pa.int64())
        return days, pc.multiply(days, MICROS_PER_DAY)
    if kind == "timestamp":
        micros = pc.cast(values.cast(pa.timestamp("us"), safe=False), pa.int64())
        whole_days = np.floor_divide(pc.fill_null(micros, 0).to_numpy(zero_copy_only=False), MICROS_PER_DAY)
        return pa.array(whole_days, pa.int64(), mask=micros.is_null().to_numpy(zero_copy_only=False)), micros
    if kind == "text":
        return _parse_iso(values)
    nulls = pa.nulls(len(values), pa.int64())
    return nulls, nulls


def _parse_iso(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Each distinct text is read once: a column of dates holds far fewer days than rows, and the calendar's
    regular expression costs a microsecond a value."""
    encoded = pc.dictionary_encode(values)
    days, micros = _parse_distinct_iso(encoded.dictionary)
    return pc.take(days, encoded.indices), pc.take(micros, encoded.indices)


def _parse_distinct_iso(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    parts = pc.extract_regex(values, ISO_TEXT)  # null where the text is no ISO 8601 text
    date = pc.struct_field(parts, "date")
    year, month, day = (_integers(pc.utf8_slice_codeunits(date, start, start + width)) for start, width in _DATE_PLACES)
    days = civil_days(year, month, day)
    fields = {name: _integers(pc.struct_field(parts, name)) for name in _TIME_FIELDS}
    fraction = pc.fill_null(pc.struct_field(parts, "fraction"), "")
    padded = pc.binary_join_element_wise(fraction, pa.scalar("000000", fraction.type), pa.scalar("", fraction.type))
    fields["micro"] = _integers(pc.utf8_slice_codeunits(padded, 0, 6))
    minus = pc.fill_null(pc.equal(pc.struct_field(parts, "sign"), "-"), False)
    fields["offset_sign"] = np.where(minus.to_numpy(zero_copy_only=False), -1, 1)
    micros = instant_micros(days, **fields)
    unread = parts.is_null().to_numpy(zero_copy_only=False)
    return pa.array(days, pa.int64(), mask=unread), pa.array(micros, pa.int64(), mask=unread)


_DATE_PLACES = ((0, 4), (5, 2), (8, 2))
_TIME_FIELDS: Sequence[str] = ("hour", "minute", "second", "offset_hours", "offset_minutes")


def _integers(text: pa.Array) -> np.ndarray:
    """Digits as int64 (0 for an absent group or a row that did not match)."""
    filled = pc.fill_null(text, "")
    digits = pc.if_else(pc.equal(filled, ""), "0", filled)
    return pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)
