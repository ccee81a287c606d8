"""How a segment rule reads a profile value: the one definition both evaluators implement.

Rules are evaluated in pandas (``segments/rules.py``, small files) or compiled to ibis and run where the data
is (``segments/compiled.py``: DuckDB, PostgreSQL, Spark, ...). Both must select the same profiles, so what
counts as a number, a date, a boolean word or white space is written here once, as regular expressions in
the subset RE2 (pandas' Arrow, DuckDB), Java (Spark) and PostgreSQL read alike (``[0-9]`` rather than
``\\d``, literal characters rather than escapes, no look-around). Each reading of text is one whole-text
match, so an engine never parses a value the expression did not accept (a cast that fails would fail the
whole query), and the compiled SQL stays small.

The value a rule compares with decides the reading (:func:`reading_of`):

- a **number** reads numbers from number columns and from text written in decimal notation (:data:`NUMBER_TEXT`);
- a **date** reads the day (``YYYY-MM-DD``) of dates, of timestamps (UTC) and of ISO 8601 text, as written;
- a **datetime** reads instants, to the microsecond: timestamps (without a zone: UTC), dates (midnight UTC)
  and ISO 8601 text (:data:`ISO_TEXT`; without an offset: UTC);
- a **boolean** reads booleans, the numbers 1 and 0, and the words of :data:`TRUE_WORDS` / :data:`FALSE_WORDS`;
- **text** reads text as it is, whole numbers as their digits, booleans as ``true``/``false``, dates as
  ``YYYY-MM-DD``.

Anything else cannot be read that way and, like an empty value, matches nothing but ``is_null``. White space
(:data:`WHITESPACE`) around text read as a number, a date or a boolean is ignored; a text comparison takes
text as it is.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Literal

from ci_sendinblue.config.models import Scalar

Reading = Literal["number", "day", "instant", "flag", "text"]

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0"})
"""The words a rule reads as true or false (trimmed, any case); a boolean Brevo attribute reads the same."""

WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)
"""Python's white space (``str.isspace``), which is also Arrow's ``utf8_trim_whitespace``: what a key, a
blank value and text read as a number, date or boolean are trimmed of."""

_SPACE = "[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
""":data:`WHITESPACE` as a character class of literal characters, read alike by RE2, Java and PostgreSQL."""
LEADING_SPACE = f"^{_SPACE}+"
TRAILING_SPACE = f"{_SPACE}+$"
EDGE_SPACE = f"^{_SPACE}|{_SPACE}$"
"""Text that starts or ends with white space: the only text trimming changes."""
BLANK = f"^{_SPACE}*$"
"""Text that is empty or only white space: an empty value, as a missing one."""


def _in_space(body: str) -> str:
    """A whole text that is ``body`` with white space around it, if any."""
    return f"^{_SPACE}*{body}{_SPACE}*$"


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


NUMBER_TEXT = _in_space("(?P<number>[+-]?(?:[0-9]{1,100}(?:[.][0-9]{0,100})?|[.][0-9]{1,100})(?:[eE][+-]?[0-9]{1,2})?)")
"""A number in text: decimal notation with an optional sign, up to 100 digits either side of the point and an
exponent of at most two digits (``-12``, ``3.50``, ``.5``, ``1.5e3``); not ``1,500``, ``1_000``, ``inf``,
``nan`` or hexadecimal. The limits keep every such number inside a 64-bit float's normal range, so no engine
overflows or underflows on one (PostgreSQL would fail the whole query)."""

TRUE_TEXT = _in_space("(?:" + "|".join(_any_case(word) for word in sorted(TRUE_WORDS)) + ")")
FALSE_TEXT = _in_space("(?:" + "|".join(_any_case(word) for word in sorted(FALSE_WORDS)) + ")")
"""Text that is a true or false word, in any case (the words are ASCII, and no other letter lower-cases to
one of theirs)."""

_YEAR = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_DATE = (
    f"(?:{_YEAR}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    f"|02-(?:0[1-9]|1[0-9]|2[0-8]))|{_LEAP_YEAR}-02-29)"
)
"""A calendar day from 0001-01-01 to 9999-12-31 (the Gregorian leap years spelled out), so an engine's date
cast of it can never fail."""
_HOUR = "(?:[01][0-9]|2[0-3])"
ISO_TEXT = _in_space(
    f"(?P<date>{_DATE})"
    f"(?:[T ](?P<hour>{_HOUR}):(?P<minute>[0-5][0-9])(?::(?P<second>[0-5][0-9])(?:[.](?P<fraction>[0-9]+))?)?"
    f"(?:Z|(?P<sign>[+-])(?P<offset_hours>{_HOUR})(?::?(?P<offset_minutes>[0-5][0-9]))?)?)?"
)
"""ISO 8601 text: ``2024-01-31``, ``2024-01-31T10:00``, ``2024-01-31 10:00:00.5+01:00``, ``...Z``,
``...+0530``, ``...-05``; real days and times of day only. Not ``31/01/2024``, ``Jan 31 2024``,
``20240131`` or ``2024-02-30``. Fractions of a second count to the microsecond (further digits are dropped)."""


def unnamed(pattern: str) -> str:
    """``pattern`` without its group names, which PostgreSQL's and Java's regular expressions spell
    otherwise; its groups keep their numbers (:func:`group_number`)."""
    return re.sub(r"\?P<\w+>", "", pattern)


def group_number(pattern: str, name: str) -> int:
    return re.compile(pattern).groupindex[name]


MAX_WHOLE = 2**53
"""Whole numbers below this magnitude are exact in a 64-bit float, so every engine writes the same digits."""

MICROS_PER_DAY = 86_400_000_000
UNIX_EPOCH_DAYS = 719_468
"""Days from 0000-03-01 to 1970-01-01 in :func:`civil_days`' counting."""


def reading_of(sample: Scalar) -> Reading:
    """How a rule whose (first) value is ``sample`` reads the column."""
    if isinstance(sample, bool):
        return "flag"
    if isinstance(sample, int | float):
        return "number"
    if isinstance(sample, dt.datetime):
        return "instant"
    if isinstance(sample, dt.date):
        return "day"
    return "text"


def operand(value: Scalar, reading: Reading) -> float | int | bool | str | None:
    """A rule's value read as ``reading`` reads the column (days since 1970 for a day, microseconds since
    1970 UTC for an instant); None when it cannot be read that way, and then it matches nothing."""
    if reading == "number":
        if isinstance(value, bool | dt.date):
            return None
        if isinstance(value, int | float):
            try:
                number = float(value)
            except OverflowError:
                return None
            return number if math.isfinite(number) else None
        return parse_number(value)
    if reading in ("day", "instant"):
        if isinstance(value, dt.datetime):
            return _instant_of(value) if reading == "instant" else civil_days(value.year, value.month, value.day)
        if isinstance(value, dt.date):
            days = civil_days(value.year, value.month, value.day)
            return days * MICROS_PER_DAY if reading == "instant" else days
        if isinstance(value, str):
            parsed = parse_iso(value)
            return None if parsed is None else parsed[1 if reading == "instant" else 0]
        return None
    if reading == "flag":
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return {1: True, 0: False}.get(value)  # type: ignore[call-overload]
        if isinstance(value, str):
            return True if re.fullmatch(TRUE_TEXT, value) else False if re.fullmatch(FALSE_TEXT, value) else None
        return None
    return text_of(value)


def text_of(value: Scalar) -> str | None:
    """A value as the text reading writes a typed column: whole numbers as digits, booleans as true/false,
    dates as YYYY-MM-DD; None for what has no such text (fractional numbers, datetimes)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if math.isfinite(value) and value.is_integer() and abs(value) < MAX_WHOLE else None
    if isinstance(value, dt.datetime):
        return None
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def parse_number(text: str) -> float | None:
    """``text`` as a number by :data:`NUMBER_TEXT`, or None."""
    match = re.fullmatch(NUMBER_TEXT, text)
    return None if match is None else float(match["number"])


def parse_iso(text: str) -> tuple[int, int] | None:
    """``text`` by :data:`ISO_TEXT` as (the day as written, in days since 1970; the instant, in microseconds
    since 1970 UTC), or None."""
    match = re.fullmatch(ISO_TEXT, text)
    if match is None:
        return None
    date = match["date"]
    days = civil_days(int(date[:4]), int(date[5:7]), int(date[8:10]))
    return days, instant_micros(days, **iso_time_fields(match.groupdict()))


def iso_time_fields(parts: dict[str, str | None]) -> dict[str, int]:
    """The time and offset fields of :data:`ISO_TEXT`'s groups as integers (absent ones 0)."""
    fields = {name: int(parts[name] or 0) for name in ("hour", "minute", "second", "offset_hours", "offset_minutes")}
    fields["micro"] = int(((parts["fraction"] or "") + "000000")[:6])
    fields["offset_sign"] = -1 if parts["sign"] == "-" else 1
    return fields


def civil_days(year: Any, month: Any, day: Any) -> Any:
    """Days from 1970-01-01 to a proleptic Gregorian day, for Python ints and numpy arrays alike
    (H. Hinnant's ``days_from_civil``; ``(12 - month) // 10`` is 1 for January and February, else 0)."""
    shifted = year - (12 - month) // 10
    era = shifted // 400
    year_of_era = shifted - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - UNIX_EPOCH_DAYS


def instant_micros(
    days: Any, hour: Any, minute: Any, second: Any, micro: Any, offset_sign: Any, offset_hours: Any, offset_minutes: Any
) -> Any:
    """Microseconds since 1970-01-01 UTC of a local day and time at an offset from UTC."""
    minutes = hour * 60 + minute - offset_sign * (offset_hours * 60 + offset_minutes)
    return days * MICROS_PER_DAY + (minutes * 60 + second) * 1_000_000 + micro


def _instant_of(value: dt.datetime) -> int:
    utc = value if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)
    days = civil_days(utc.year, utc.month, utc.day)
    return instant_micros(days, utc.hour, utc.minute, utc.second, utc.microsecond, 1, 0, 0)
