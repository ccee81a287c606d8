"""Converting a profile column to what a typed Brevo attribute stores, column-wise (Arrow kernels, no Python
per contact on the common path).

Each converted value is the **JSON literal** Brevo receives (``1299.5``, ``true``, ``3``, ``["Gold","VIP"]``,
``"1989-02-11"``), so the import encoder writes it as it is; a missing value stays missing; a value that cannot
be converted becomes :data:`UNCONVERTIBLE` (empty text, which no JSON literal is): the encoder leaves it out
of the contact, even where ``clear_empty_attributes`` would send a missing value as "" to clear Brevo's, and
the run counts it (:func:`unconvertible_report`). Brevo silently ignores a value of the wrong type, so
sending it as text would lose it without a word.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ci_sendinblue.privacy import mask_email, mask_value
from ci_sendinblue.segments.rules import FALSE_WORDS, TRUE_WORDS
from ci_sendinblue.sendinblue.attributes import BOOLEAN, CATEGORY, DATE, FLOAT, MULTIPLE_CHOICE, AttributeConversion
from ci_sendinblue.text import arrow_text

UNCONVERTIBLE = ""
"""A typed value that could not be converted, in a converted column: left out of the contact, counted."""
LIST_ITEM_SEPARATOR = "\x1f"
"""Joins the items of a list column into one text value (the ASCII unit separator: no option holds it)."""

TEXT_SOURCE = "text"
NUMBER_SOURCE = "number"
LIST_SOURCE = "list"
"""What a profile column held before it became text (``ExportMembers.sources``): numbers are read with ".",
lists item by item, text with the mapping's reading options."""


def convert_column(raw: pd.Series, conversion: AttributeConversion, *, source: str = TEXT_SOURCE) -> pd.Series:
    """``raw`` (text, as ``contacts.gather_members`` holds it) as JSON literals of ``conversion``'s kind,
    keeping ``raw``'s index; see the module's docstring for missing and unconvertible values."""
    text = pc.utf8_trim_whitespace(arrow_text(raw))
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.large_string()), text)
    converter = {
        FLOAT: _floats,
        DATE: _dates,
        BOOLEAN: _booleans,
        CATEGORY: _categories,
        MULTIPLE_CHOICE: _choices,
    }[conversion.kind]
    literals = converter(text, conversion, source)
    literals = pc.if_else(text.is_null(), pa.scalar(None, pa.large_string()), pc.fill_null(literals, UNCONVERTIBLE))
    return pd.Series(pd.arrays.ArrowStringArray(literals.cast(pa.large_string())), index=raw.index, name=raw.name)


# --- floats ----------------------------------------------------------------------------------------------------


def _floats(text: pa.Array, conversion: AttributeConversion, source: str) -> pa.Array:
    """Numbers in JSON's form; null where the text is not a finite number in the configured separators."""
    decimal = "." if source == NUMBER_SOURCE else conversion.format.decimal_separator or "."
    thousands = None if source == NUMBER_SOURCE else conversion.format.thousands_separator
    whole = r"\d+" if not thousands else rf"(?:\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+|\d+)"
    number = rf"^[+-]?(?:{whole}(?:{re.escape(decimal)}\d*)?|{re.escape(decimal)}\d+)(?:[eE][+-]?\d+)?$"
    valid = pc.fill_null(pc.match_substring_regex(text, number), False)
    plain = text
    if thousands:
        plain = pc.replace_substring(plain, thousands, "")
    if decimal != ".":
        plain = pc.replace_substring(plain, decimal, ".")
    values = pc.cast(pc.if_else(valid, plain, "0"), pa.float64()).to_numpy(zero_copy_only=False)
    finite = valid.to_numpy(zero_copy_only=False) & np.isfinite(values)
    return pc.if_else(pa.array(finite), float_literals(values), pa.scalar(None, pa.large_string()))


def float_literals(values: np.ndarray) -> pa.LargeStringArray:
    """Each float as ``json.dumps`` writes it (the shortest text that reads back as the same float).

    Arrow's cast finds the same shortest digits but writes whole numbers without ".0", and switches to an
    exponent at other magnitudes than Python; between 1e-4 and 1e16 its text is Python's once ".0" is added
    where it has no point. Other magnitudes, and any text Arrow wrote with an exponent, go through numpy's
    ``str`` (Python's repr, in C): rare in customer data. Not finite values are the caller's to leave out."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        magnitude = np.abs(values)
    text = pc.cast(pa.array(values), pa.large_string())
    exponent = pc.match_substring(text, "e").to_numpy(zero_copy_only=False)
    with np.errstate(invalid="ignore"):
        plain = (((magnitude >= 1e-4) & (magnitude < 1e16)) | (values == 0)) & ~exponent
    pointless = pc.invert(pc.match_substring(text, "."))
    text = pc.if_else(pointless, pc.binary_join_element_wise(text, _large(".0"), _large("")), text)
    other = ~plain & np.isfinite(values)
    if other.any():
        text = pc.replace_with_mask(text, pa.array(other), pa.array(values[other].astype(str), type=pa.large_string()))
    return text


# --- dates -----------------------------------------------------------------------------------------------------

_ISO_DATE = r"^\d{4}-\d{2}-\d{2}(?:[T ].*)?$"


def _dates(text: pa.Array, conversion: AttributeConversion, source: str) -> pa.Array:
    """``"YYYY-MM-DD"`` from ISO dates and datetimes (the date as written), or text in ``date_format``."""
    days = pd.Series(pd.NaT, index=range(len(text)), dtype="datetime64[ns]")
    date_format = conversion.format.date_format
    if date_format and source == TEXT_SOURCE:
        days = _parsed(text, date_format)
    iso = pc.fill_null(pc.match_substring_regex(text, _ISO_DATE), False).to_numpy(zero_copy_only=False)
    unread = iso & days.isna().to_numpy()
    if unread.any():
        days[unread] = _parsed(pc.utf8_slice_codeunits(text.filter(pa.array(unread)), 0, 10), "%Y-%m-%d").to_numpy()
    read = days.notna().to_numpy()
    day_text = pc.cast(pc.cast(pa.array(days.to_numpy(), type=pa.timestamp("ns")), pa.date32()), pa.large_string())
    quoted = pc.binary_join_element_wise(_large('"'), day_text, _large('"'), _large(""))
    return pc.if_else(pa.array(read), quoted, pa.scalar(None, pa.large_string()))


def _parsed(text: pa.Array, date_format: str) -> pd.Series:
    """Dates read strictly (31/02 is no date, the whole text must match), as naive days; NaT where not.

    Each distinct text is parsed once: a million birth dates hold a few ten thousand days, and pandas' strict
    parser takes ~3 s per million values, ~0.2 s once factorized."""
    codes, distinct = pd.factorize(pd.Series(pd.arrays.ArrowStringArray(text.cast(pa.large_string()))))
    stamps = pd.to_datetime(pd.Series(np.asarray(distinct, dtype=object)), format=date_format, errors="coerce")
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    days = stamps.astype("datetime64[ns]").dt.normalize().to_numpy()
    picked = np.where(
        codes >= 0, days[np.maximum(codes, 0)] if len(days) else np.datetime64("NaT"), np.datetime64("NaT")
    )
    return pd.Series(picked.astype("datetime64[ns]"))


# --- booleans, categories ----------------------------------------------------------------------------------------


def _booleans(text: pa.Array, conversion: AttributeConversion, source: str) -> pa.Array:
    """``true``/``false`` from the words a segment rule reads as booleans, in any case."""
    words = pc.utf8_lower(text)
    true = pc.is_in(words, value_set=pa.array(sorted(TRUE_WORDS), type=pa.large_string()))
    false = pc.is_in(words, value_set=pa.array(sorted(FALSE_WORDS), type=pa.large_string()))
    null = pa.scalar(None, pa.large_string())
    return pc.if_else(true, _large("true"), pc.if_else(false, _large("false"), null))


def _categories(text: pa.Array, conversion: AttributeConversion, source: str) -> pa.Array:
    """The enumeration's integer value, found by label (any case) or given as the value itself."""
    values = [str(value) for value, _ in conversion.enumeration]
    labels = pa.array([label.strip().lower() for _, label in conversion.enumeration], type=pa.large_string())
    by_label = pc.index_in(pc.utf8_lower(text), value_set=labels)
    by_value = pc.index_in(text, value_set=pa.array(values, type=pa.large_string()))
    found = pc.coalesce(by_label, by_value)
    return pc.take(pa.array(values, type=pa.large_string()), found)


# --- multiple choice ----------------------------------------------------------------------------------------------


def _choices(text: pa.Array, conversion: AttributeConversion, source: str) -> pa.Array:
    """A JSON array of the options named (any case), in Brevo's spelling and the account's order, each once;
    null when one item is no option. Items are split on the mapping's separator, or were a list column's."""
    separator = LIST_ITEM_SEPARATOR if source == LIST_SOURCE else conversion.format.separator or ","
    lists = pc.split_pattern(pc.fill_null(text, ""), separator)
    rows = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
    items = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    kept = pc.not_equal(items, "").to_numpy(zero_copy_only=False)
    options = pa.array([option.strip().lower() for option in conversion.options], type=pa.large_string())
    found = pc.fill_null(pc.index_in(pc.utf8_lower(items), value_set=options), -1).to_numpy(zero_copy_only=False)
    unknown = np.zeros(len(text), dtype=bool)
    known = found >= 0
    unknown[rows[kept & ~known]] = True
    rows, index = rows[kept & known], found[kept & known].astype(np.int64)
    order = np.lexsort((index, rows))
    rows, index = rows[order], index[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (index[1:] != index[:-1])
    rows, index = rows[first], index[first]
    counts = np.bincount(rows, minlength=len(text))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    literals = pa.array(
        [json.dumps(option, ensure_ascii=False) for option in conversion.options], type=pa.large_string()
    )
    arrays = pa.LargeListArray.from_arrays(pa.array(offsets), pc.take(literals, pa.array(index)))
    joined = pc.binary_join_element_wise(_large("["), pc.binary_join(arrays, _large(",")), _large("]"), _large(""))
    left_out = unknown | (counts == 0)  # nothing but separators names no option either
    return pc.if_else(pa.array(left_out), pa.scalar(None, pa.large_string()), joined)


def _large(text: str) -> pa.Scalar:
    return pa.scalar(text, type=pa.large_string())


# --- what a run reports ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnconvertibleReport:
    """The values a run left out because they do not fit their attribute's type."""

    contacts: int = 0
    """Contacts converted in the run (its new and changed ones)."""
    affected: int = 0
    """Of those, contacts with at least one value left out."""
    members: int = 0
    """The export's contacts: the share's denominator. Every member with a value left out is converted again
    by each run until fixed (``sync_plan`` flags it), so ``affected`` counts them all, and the share says how
    much of the list is affected however few contacts changed since the last run."""
    by_reason: dict[str, int] = field(default_factory=dict)
    """``"BIRTHDAY: not a date in %d/%m/%Y"`` → values left out for that attribute and reason."""
    sample: list[str] = field(default_factory=list)
    """A few of them, masked: ``member 12: c***@example.com: BIRTHDAY '1********9' (not a date in ...)``."""

    @property
    def share(self) -> float:
        return self.affected / self.members if self.members else 0.0


def unconvertible_rows(contacts: pd.DataFrame, typed: list[str]) -> np.ndarray:
    """Where a contact has at least one value left out as unconvertible."""
    rows = np.zeros(len(contacts), dtype=bool)
    for attribute in typed:
        rows |= pc.fill_null(pc.equal(arrow_text(contacts[attribute]), UNCONVERTIBLE), False).to_numpy(
            zero_copy_only=False
        )
    return rows


def unconvertible_report(
    contacts: pd.DataFrame,
    raw: pd.DataFrame,
    conversions: Mapping[str, AttributeConversion],
    *,
    mask: bool,
    members: int | None = None,
    sample_size: int = 10,
) -> UnconvertibleReport:
    """What ``contacts`` (converted, labelled as ``raw``'s rows) left out; ``raw`` gives the values shown;
    ``members`` is the export's size (default: the contacts converted)."""
    typed = [a for a, c in conversions.items() if c.typed and a in contacts]
    by_reason: dict[str, int] = {}
    any_row = np.zeros(len(contacts), dtype=bool)
    masks: dict[str, np.ndarray] = {}
    for attribute in typed:
        bad = pc.fill_null(pc.equal(arrow_text(contacts[attribute]), UNCONVERTIBLE), False).to_numpy(
            zero_copy_only=False
        )
        if bad.any():
            masks[attribute] = bad
            by_reason[f"{attribute}: {conversions[attribute].reason}"] = int(bad.sum())
            any_row |= bad
    sample: list[str] = []
    for position in np.flatnonzero(any_row)[:sample_size]:
        label = contacts.index[position]
        for attribute, bad in masks.items():
            if not bad[position]:
                continue
            value = raw.at[label, attribute]
            shown = mask_value(value) if mask else str(value)
            email = mask_email(contacts.at[label, "email"]) if mask else str(contacts.at[label, "email"])
            sample.append(f"member {int(label) + 1}: {email}: {attribute} '{shown}' ({conversions[attribute].reason})")
    total = len(contacts) if members is None else members
    return UnconvertibleReport(
        contacts=len(contacts), affected=int(any_row.sum()), members=total, by_reason=by_reason, sample=sample
    )
