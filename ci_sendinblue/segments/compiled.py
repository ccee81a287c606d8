"""Segment rules compiled to ibis, to run where the profiles are (DuckDB, PostgreSQL, Spark, ...).

The same rules as ``segments/rules.py`` evaluates in memory, by the same definition of reading a value
(``segments/reading.py``), so both select the same profiles. Two things make that hold on every engine:

- **Two-valued logic.** Every comparison is made ``false`` where SQL would say ``null`` (an empty or unreadable
  value) before ``not``, ``all`` or ``any`` see it, so ``not`` selects exactly the profiles the comparison did
  not, as in pandas.
- **Nothing left to the engine's leniency.** Text becomes a number, a day or an instant only through the
  project's own regular expressions (``reading.py``): a value is cast only once one has accepted it, so no
  engine reads a form the others would not (each date parser takes its own) and no cast can fail the query
  on bad data.

How a column is read is computed once per row, in a projection of the profiles under the join, and the
predicates compare its columns: ibis inlines an expression wherever it is used, and DuckDB removes
common subexpressions in projections, not in filters (a date rule on 20 million rows of text took 22 s
with its regular expression inlined per field, 5 s so).

The rule's values never enter the SQL text: they travel in a one-row table of typed columns (an
``ibis.memtable`` of Arrow: registered, bound or inserted with parameters by each backend) cross-joined to
the profiles, and the predicates name them as columns. Column names come from the configuration and are
quoted identifiers; nothing a user writes is evaluated as code, and ``contains`` is a substring search
(never a ``LIKE`` pattern in which ``%`` and ``_`` would be wildcards).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa

from ci_sendinblue.config.models import AllOf, AnyOf, Condition, FieldCondition, NotOf
from ci_sendinblue.segments.reading import (
    BLANK,
    EDGE_SPACE,
    FALSE_TEXT,
    ISO_TEXT,
    LEADING_SPACE,
    MAX_WHOLE,
    NUMBER_TEXT,
    TRAILING_SPACE,
    TRUE_TEXT,
    Reading,
    group_number,
    instant_micros,
    operand,
    reading_of,
    unnamed,
)

HELPER_PREFIX = "__ci_rule_"
"""Columns the compiled rules add: ``<prefix>value_<leaf>_<n>`` in the parameter table, ``<prefix>read_<n>``
for a column as a rule reads it; the prefix is made longer while a profile column starts with it."""


class RuleColumnError(LookupError):
    """A rule names a column the profiles table does not have."""


def rule_filter(condition: Condition, table: ir.Table) -> ir.Table:
    """The rows of ``table`` where ``condition`` holds, with ``table``'s columns."""
    joined, (predicate,) = _compile([condition], table)
    return joined.filter(predicate).select(*table.columns)


def rule_flags(conditions: Mapping[str, Condition], table: ir.Table, keep: Sequence[str] = ()) -> ir.Table:
    """Every row of ``table`` with its ``keep`` columns and, for each named condition, whether it holds
    (true or false, never null): several rules evaluated in one pass over the profiles, their values in one
    parameter table."""
    joined, predicates = _compile(list(conditions.values()), table)
    return joined.select(*keep, **dict(zip(conditions, predicates, strict=True)))


def _compile(conditions: list[Condition], table: ir.Table) -> tuple[ir.Table, list[ir.BooleanValue]]:
    """The profiles with each column as the rules read it, joined to the rules' parameter table (when they
    have values), and each condition as a predicate on that join.

    The readings are columns of a projection under the join, not expressions in the predicate: ibis inlines
    an expression wherever it is used, and a reading uses its parts several times (a date's text, say), so
    only a projection lets an engine that removes common subexpressions there (DuckDB, Spark) compute each
    part once per row. Leaves reading one column the same way share its reading."""
    schema = table.schema()
    prefix = HELPER_PREFIX
    while any(name.startswith(prefix) for name in schema.names):
        prefix = "_" + prefix
    parameters = _Parameters(f"{prefix}value_")
    readings = _Readings(f"{prefix}read_", table)
    numbers = itertools.count()
    planned = [
        [_Leaf.plan(leaf, schema, parameters, readings, next(numbers)) for leaf in _leaves(condition)]
        for condition in conditions
    ]
    prepared = table.mutate(**readings.columns) if readings.columns else table
    joined = prepared.cross_join(parameters.relation()) if parameters.columns else prepared
    return joined, [_predicate(c, joined, iter(leaves)) for c, leaves in zip(conditions, planned, strict=True)]


def _leaves(condition: Condition) -> Iterator[FieldCondition]:
    """The field conditions in the order :func:`_predicate` visits them."""
    if isinstance(condition, AllOf | AnyOf):
        for child in condition.all if isinstance(condition, AllOf) else condition.any:
            yield from _leaves(child)
    elif isinstance(condition, NotOf):
        yield from _leaves(condition.not_)
    else:
        yield condition


def _predicate(condition: Condition, table: ir.Table, leaves: Iterator[_Leaf]) -> ir.BooleanValue:
    if isinstance(condition, AllOf):
        parts = [_predicate(child, table, leaves) for child in condition.all]
        return _fold(parts, lambda a, b: a & b)
    if isinstance(condition, AnyOf):
        parts = [_predicate(child, table, leaves) for child in condition.any]
        return _fold(parts, lambda a, b: a | b)
    if isinstance(condition, NotOf):
        return ~_predicate(condition.not_, table, leaves)
    return next(leaves).predicate(table)


def _fold(parts: list[ir.BooleanValue], join: Callable[[Any, Any], Any]) -> ir.BooleanValue:
    result = parts[0]
    for part in parts[1:]:
        result = join(result, part)
    return result


# --- the parameter table ------------------------------------------------------------------------------------


@dataclass
class _Parameters:
    """The rule's values, one typed column each, for the one-row table the profiles are joined to."""

    prefix: str
    columns: dict[str, pa.Array] = field(default_factory=dict)

    def add(self, leaf: int, values: list[Any], type_: pa.DataType) -> list[str]:
        names = []
        for number, value in enumerate(values):
            name = f"{self.prefix}{leaf}_{number}"
            self.columns[name] = pa.array([value], type=type_)
            names.append(name)
        return names

    def relation(self) -> ir.Table:
        """The one-row table, as a relation the engine knows has one row: a fresh temporary table (how the
        PostgreSQL backend binds a memtable) has no statistics, and PostgreSQL's planner, guessing a thousand
        rows, would copy the profiles aside to join them; ``LIMIT 1`` tells it, and costs the others nothing."""
        return ibis.memtable(pa.table(self.columns)).limit(1)


@dataclass
class _Readings:
    """What the rules read of each column, as named columns of the profiles' projection: each computed once
    per row however many leaves use it."""

    prefix: str
    table: ir.Table
    columns: dict[str, ir.Value] = field(default_factory=dict)
    names: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def column(self, source: str, part: str, build: Callable[[ir.Value], ir.Value | None]) -> str | None:
        """The projection's column holding ``build(source column)``, named ``part`` of it; None when ``build``
        has nothing for it (no value of the column's kind can be read so)."""
        if (source, part) not in self.names:
            expression = build(self.table[source])
            name = None if expression is None else f"{self.prefix}{len(self.columns)}"
            if name is not None and expression is not None:
                self.columns[name] = expression
            self.names[source, part] = name
        return self.names[source, part]


_OPERAND_TYPES: dict[tuple[Reading, str], pa.DataType] = {
    ("day", "date"): pa.date32(),
    ("day", "timestamp"): pa.date32(),
    ("instant", "date"): pa.timestamp("us", tz="UTC"),
    ("instant", "timestamp"): pa.timestamp("us", tz="UTC"),
}
"""A day or instant compared with a typed column travels typed (a date, a UTC timestamp) and is compared
natively; with text, as the integer the text is read into. Other readings: see :data:`_READING_TYPES`."""
_READING_TYPES: dict[Reading, pa.DataType] = {
    "number": pa.float64(),
    "day": pa.int64(),
    "instant": pa.int64(),
    "flag": pa.bool_(),
    "text": pa.string(),
}


@dataclass(frozen=True)
class _Leaf:
    """One field condition, its column's kind, the projection's columns holding its reading and the names of
    its values in the parameter table."""

    condition: FieldCondition
    kind: str
    reading: Reading | None
    parts: dict[str, str | None]
    """``value``: the column as the rule reads it; for a day or an instant of text, ``iso`` (the ISO text, its
    fields cut out by the predicate: cheap work on a column once the regular expression has run), and for an
    instant its ``zone`` and ``fraction``."""
    names: list[str]

    @classmethod
    def plan(
        cls, condition: FieldCondition, schema: Any, parameters: _Parameters, readings: _Readings, number: int
    ) -> _Leaf:
        source = condition.field
        if source not in schema:
            raise RuleColumnError(f"column '{source}' is not in the profiles (columns: {', '.join(schema.names)})")
        kind = column_kind(schema[source])
        if condition.op in ("is_null", "not_null"):
            return cls(condition, kind, None, {}, [])
        given = condition.value if isinstance(condition.value, list) else [condition.value]
        reading = reading_of(given[0])
        values = [o for o in (operand(v, reading) for v in given) if o is not None]
        type_ = _OPERAND_TYPES.get((reading, kind), _READING_TYPES[reading])
        if kind == "text" and reading in ("day", "instant"):
            parts = {"iso": readings.column(source, "iso", _iso_text)}
            if reading == "instant":
                parts["zone"] = readings.column(source, "zone", lambda c: _iso_text(c).re_extract(_ZONE, 1))
                parts["fraction"] = readings.column(source, "fraction", lambda c: _iso_text(c).re_extract(_FRACTION, 1))
        else:
            parts = {"value": readings.column(source, reading, lambda c: _read(c, kind, reading))}
        return cls(condition, kind, reading, parts, parameters.add(number, values, type_))

    def predicate(self, table: ir.Table) -> ir.BooleanValue:
        """The comparison, ``false`` wherever SQL would leave it ``null``."""
        op = self.condition.op
        if op in ("is_null", "not_null"):
            empty = _is_empty(table[self.condition.field], self.kind)
            return empty if op == "is_null" else ~empty
        operands = [table[name] for name in self.names]
        if None in self.parts.values() or not operands or (op == "between" and len(operands) < 2):
            return ibis.literal(False)
        columns = {part: table[name] for part, name in self.parts.items() if name is not None}
        if "iso" not in columns:
            value = columns["value"]
        elif self.reading == "day":
            value = _iso_days(columns["iso"])  # type: ignore[arg-type]
        else:
            value = _iso_instants(columns["iso"], columns["zone"], columns["fraction"])  # type: ignore[arg-type]
        if self.condition.ignore_case and value.type().is_string():
            value, operands = value.lower(), [o.lower() for o in operands]  # type: ignore[attr-defined]
        return _apply(op, value, operands).fill_null(False)


def _apply(op: str, value: ir.Value, operands: list[ir.Value]) -> ir.BooleanValue:
    first = operands[0]
    if op == "in":
        return value.isin(operands)
    if op == "not_in":
        return ~value.isin(operands)
    if op == "between":
        return (value >= first) & (value <= operands[1])
    if op == "contains":
        return value.contains(first)  # type: ignore[attr-defined]
    if op == "startswith":
        return value.startswith(first)  # type: ignore[attr-defined]
    if op == "endswith":
        return value.endswith(first)  # type: ignore[attr-defined]
    return {
        "eq": lambda: value == first,
        "ne": lambda: value != first,
        "gt": lambda: value > first,
        "ge": lambda: value >= first,
        "lt": lambda: value < first,
        "le": lambda: value <= first,
    }[op]()


# --- readings -----------------------------------------------------------------------------------------------------


def column_kind(dtype: dt.DataType) -> str:
    """What a column holds, as far as reading goes (as ``rules.kind_of`` for Arrow types)."""
    if dtype.is_string() or dtype.is_uuid():
        return "text"
    if dtype.is_integer():
        return "integer"
    if dtype.is_floating() or dtype.is_decimal():
        return "float"
    if dtype.is_boolean():
        return "flag"
    if dtype.is_date():
        return "date"
    if dtype.is_timestamp():
        return "timestamp"
    return "other"


def _read(column: ir.Value, kind: str, reading: Reading) -> ir.Value | None:
    """The column as ``reading`` reads it (null where a value is empty or unreadable), or None when no value
    of this kind can be read so. (Text read as a day or an instant is :func:`_iso_text`, cut by the predicate.)"""
    if reading == "number":
        if kind == "text":
            return _group(column, NUMBER_TEXT, "number").cast("float64")
        if kind in ("integer", "float"):
            number = column.cast("float64")
            # Finite: below infinity, which NaN is not either (ibis' isinf compiles to false for Spark).
            return ibis.ifelse(number.abs() < math.inf, number, ibis.null("float64"))  # type: ignore[attr-defined]
        return None
    if reading == "flag":
        return _flags(column, kind)
    if reading in ("day", "instant"):
        if kind == "date":
            return column if reading == "day" else column.cast("timestamp")
        if kind == "timestamp":
            return column.date() if reading == "day" else column  # type: ignore[attr-defined]
        return None
    return read_as_text(column, kind)


def _flags(column: ir.Value, kind: str) -> ir.Value | None:
    null = ibis.null("boolean")
    if kind == "flag":
        return column
    if kind in ("integer", "float"):
        number = column.cast("float64")
        return ibis.cases((number == 1, True), (number == 0, False), else_=null)
    if kind == "text":
        text = column.cast("string")
        return ibis.cases((text.re_search(TRUE_TEXT), True), (text.re_search(FALSE_TEXT), False), else_=null)  # type: ignore[attr-defined]
    return None


def read_as_text(column: ir.Value, kind: str) -> ir.StringValue | None:
    """The text reading (see ``rules.read_as_text``): text as it is, blank text as null, whole numbers as
    digits, booleans as true/false, dates as YYYY-MM-DD; None for kinds with no text."""
    null = ibis.null("string")
    if kind == "text":
        text = column.cast("string")
        return ibis.ifelse(text.re_search(BLANK), null, text)  # type: ignore[attr-defined]
    if kind == "integer":
        return column.cast("string")
    if kind == "float":
        number = column.cast("float64")
        # Below 2**53 first, so the floor's cast to an integer can never overflow (NaN is not below).
        whole = ibis.ifelse(number.abs() < MAX_WHOLE, number.floor(), ibis.null("int64"))  # type: ignore[attr-defined]
        return ibis.ifelse(whole == number, whole.cast("string"), null)
    if kind == "flag":
        return ibis.cases((column == True, "true"), (column == False, "false"), else_=null)  # noqa: E712
    if kind == "date":
        parts = [column.year(), column.month(), column.day()]  # type: ignore[attr-defined]
        year, month, day = (part.cast("string").lpad(width, "0") for part, width in zip(parts, (4, 2, 2), strict=True))
        return year.concat("-", month, "-", day)
    return None


def trimmed(text: ir.Value) -> ir.StringValue:
    """Text without the white space around it (the project's white space, not the engine's ``trim``). One
    search tells the few values that have some from the many that have none, which are left as they are:
    that halves the cost of a key column of tens of millions of rows."""
    text = text.cast("string")
    stripped = text.re_replace(LEADING_SPACE, "").re_replace(TRAILING_SPACE, "")  # type: ignore[attr-defined]
    return ibis.ifelse(text.re_search(EDGE_SPACE), stripped, text)  # type: ignore[attr-defined]


def _is_empty(column: ir.Value, kind: str) -> ir.BooleanValue:
    """Missing, NaN, or text that is empty or only white space."""
    empty = column.isnull()
    if kind == "text":
        empty = empty | column.cast("string").re_search(BLANK).fill_null(False)  # type: ignore[attr-defined]
    elif kind == "float" and not column.type().is_decimal():
        empty = empty | column.isnan().fill_null(False)  # type: ignore[attr-defined]
    return empty


def _group(column: ir.Value, pattern: str, name: str) -> ir.StringValue:
    """Group ``name`` of ``pattern`` matched against the whole text; null where the text does not match or
    the group took no part (engines answer "" or null for those: both become null)."""
    text = column.cast("string")
    return text.re_extract(unnamed(pattern), group_number(pattern, name)).nullif("")  # type: ignore[attr-defined]


def _iso_text(column: ir.StringValue) -> ir.StringValue:
    """The text, trimmed, where it is ISO 8601 text (:data:`ISO_TEXT` accepts only real days and times);
    null elsewhere: the reading of text as a day or an instant, whose fields then sit at fixed places and
    are cut out by position (one regular expression per row, where extracting each group would run the
    expression once per field)."""
    text = trimmed(column)
    return ibis.ifelse(text.re_search(unnamed(ISO_TEXT)), text, ibis.null("string"))  # type: ignore[attr-defined]


def _iso_days(iso: ir.StringValue) -> ir.IntegerValue:
    """Days since 1970 of the day ISO 8601 text (:func:`_iso_text`) names, as written. The expression accepts
    only real days from year 1, so the date cast cannot fail."""
    return iso.substr(0, 10).cast("date").epoch_days()  # type: ignore[attr-defined]


_ZONE = "[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.][0-9]+)?)?(Z|[+-][0-9]{2}(?::?[0-9]{2})?)$"
_FRACTION = "[.]([0-9]+)"
"""Where ISO 8601 text (already accepted by :data:`ISO_TEXT`) has them, its zone (after the time) and the
digits of its fraction of a second; the engines answer "" or null where it has none."""


def _iso_instants(iso: ir.StringValue, zone: ir.StringValue, fraction: ir.StringValue) -> ir.IntegerValue:
    """Microseconds since 1970 UTC of ISO 8601 text (:func:`_iso_text`), UTC where it gives no offset.

    ``YYYY-MM-DD`` fills places 0-9 and a time ``THH:MM`` 10-15 (``T00:00`` is appended for a date alone),
    ``:SS`` 16-18; the fraction's first six digits are microseconds; a zone ``+HH``, ``+HHMM`` or ``+HH:MM``
    is hours and minutes once its colon is gone (``Z`` and none: UTC). Appending ``00`` fills what is absent."""
    timed = iso.concat("T00:00")
    offset = zone.fill_null("").replace(":", "")  # type: ignore[attr-defined]
    return instant_micros(
        _iso_days(iso),
        hour=timed.substr(11, 2).cast("int64"),
        minute=timed.substr(14, 2).cast("int64"),
        second=ibis.ifelse(iso.substr(16, 1) == ":", iso.substr(17, 2), "0").cast("int64"),
        micro=fraction.fill_null("").concat("000000").substr(0, 6).cast("int64"),  # type: ignore[attr-defined]
        offset_sign=ibis.ifelse(offset.substr(0, 1) == "-", -1, 1),
        offset_hours=offset.substr(1, 2).concat("00").substr(0, 2).cast("int64"),
        offset_minutes=offset.substr(3, 2).concat("00").substr(0, 2).cast("int64"),
    )
