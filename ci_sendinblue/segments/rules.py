"""Evaluating segment rules on the profiles, vectorised in pandas.

A rule decides how to read a column from the value it compares it with: a number reads the column as numbers,
a date as dates, true/false as booleans, text as text. A value that cannot be read that way (``"n/a"`` where a
number is expected) and an empty value match no comparison except ``is_null``; ``not`` then turns that into a
match, as in two-valued logic.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from ci_sendinblue.config.models import AllOf, AnyOf, Condition, FieldCondition, NotOf, Scalar
from ci_sendinblue.text import TEXT

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0"})
"""The words a rule reads as true or false (trimmed, any case); a boolean Brevo attribute reads the same."""


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
    return _compare(condition, profiles[condition.field])


def _compare(condition: FieldCondition, column: pd.Series) -> pd.Series:
    op = condition.op
    if op == "is_null":
        return _is_null(column)
    if op == "not_null":
        return ~_is_null(column)
    values = condition.value if isinstance(condition.value, list) else [condition.value]
    typed = _read_as(column, values[0], condition.ignore_case)
    operands = [_operand(v, condition.ignore_case) for v in values]
    if op == "in":
        result = typed.isin(operands)
    elif op == "not_in":
        result = ~typed.isin(operands)
    elif op == "between":
        result = (typed >= operands[0]) & (typed <= operands[1])
    elif op in ("contains", "startswith", "endswith"):
        accessor = typed.astype(TEXT).str
        method = {
            "contains": accessor.contains,
            "startswith": accessor.startswith,
            "endswith": accessor.endswith,
        }
        result = method[op](operands[0], regex=False) if op == "contains" else method[op](operands[0])
    else:
        operand = operands[0]
        result = {
            "eq": lambda: typed == operand,
            "ne": lambda: typed != operand,
            "gt": lambda: typed > operand,
            "ge": lambda: typed >= operand,
            "lt": lambda: typed < operand,
            "le": lambda: typed <= operand,
        }[op]()
    return pd.Series(result, index=column.index).fillna(False).astype(bool) & typed.notna()


def _is_null(column: pd.Series) -> pd.Series:
    blank = column.astype(TEXT).str.strip() == ""
    return column.isna() | blank.fillna(False).astype(bool)


def _read_as(column: pd.Series, sample: Scalar, ignore_case: bool) -> pd.Series:
    if isinstance(sample, bool):
        if pd.api.types.is_bool_dtype(column):
            return column.astype("boolean")
        text = column.astype(TEXT).str.strip().str.lower()
        flags = pd.Series(pd.NA, index=column.index, dtype="boolean")
        return flags.mask(text.isin(TRUE_WORDS), True).mask(text.isin(FALSE_WORDS), False)
    if isinstance(sample, int | float):
        return pd.to_numeric(column, errors="coerce")
    if isinstance(sample, dt.date):
        return pd.to_datetime(column, errors="coerce", utc=True, format="mixed")
    text = column.astype(TEXT)
    return text.str.lower() if ignore_case else text


def _operand(value: Any, ignore_case: bool) -> Any:
    if isinstance(value, dt.datetime):
        stamp = pd.Timestamp(value)
        return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    if isinstance(value, dt.date):
        return pd.Timestamp(value).tz_localize("UTC")
    if isinstance(value, str) and ignore_case:
        return value.lower()
    return value
