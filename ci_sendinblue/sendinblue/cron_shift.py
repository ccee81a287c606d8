"""A cron schedule moved later by some minutes, written as a cron expression again.

Dagster's cron freshness policy takes a deadline as a cron expression; an export's deadline is each tick of
its schedule plus a grace, so the deadline's expression is the schedule's, moved. The minute and hour fields
are expanded to the times of day the schedule fires, each time is moved, and the moved times are written back
when they are again every listed minute of every listed hour. The day fields are kept as they are, which is
exact as long as no moved time crosses midnight, or the schedule fires every day. Anything else (a syntax
this module does not expand, a move that no single expression can write) is ``None``: the caller decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

MINUTES_PER_DAY = 24 * 60
ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
FIELD_PART = re.compile(r"(\*|\d+)(?:-(\d+))?(?:/(\d+))?")


@dataclass(frozen=True)
class DailyTicks:
    """A cron expression as the times of day it fires (minutes after midnight) and its day fields."""

    times: tuple[int, ...]
    days: str
    """Day of month, month and day of week, as written."""

    @property
    def every_day(self) -> bool:
        return all(field in ("*", "?") for field in self.days.split())


def daily_ticks(expression: str) -> DailyTicks | None:
    """The times of day ``expression`` fires, or None for a syntax beyond numbers, ranges, steps and lists."""
    fields = ALIASES.get(expression.strip().lower(), expression).split()
    if len(fields) != 5:
        return None
    minutes = _expand(fields[0], 0, 59)
    hours = _expand(fields[1], 0, 23)
    if minutes is None or hours is None:
        return None
    times = tuple(sorted(60 * hour + minute for hour in hours for minute in minutes))
    return DailyTicks(times, " ".join(fields[2:]))


def shortest_interval_minutes(ticks: DailyTicks) -> int:
    """The shortest time between two ticks, or less: from the last tick of a day the next one is at least the
    first tick of the next day away (further when the schedule skips days)."""
    wrap = MINUTES_PER_DAY - ticks.times[-1] + ticks.times[0]
    return min([later - earlier for earlier, later in pairwise(ticks.times)] + [wrap])


def shifted(ticks: DailyTicks, minutes: int) -> str | None:
    """The cron expression that fires ``minutes`` after each tick, or None if one expression cannot say it."""
    moved = [time + minutes for time in ticks.times]
    if any(time >= MINUTES_PER_DAY for time in moved):
        if not ticks.every_day:
            return None  # the tick would move to another day, which the day fields do not say
        moved = [time % MINUTES_PER_DAY for time in moved]
    minute_values = {time % 60 for time in moved}
    hour_values = {time // 60 for time in moved}
    if len(minute_values) * len(hour_values) != len(moved):
        return None  # not every listed minute of every listed hour: a cron expression cannot list it
    return f"{_field(minute_values, 60)} {_field(hour_values, 24)} {ticks.days}"


def _expand(field: str, low: int, high: int) -> set[int] | None:
    values: set[int] = set()
    for part in field.split(","):
        match = FIELD_PART.fullmatch(part)
        if match is None:
            return None
        start, end, step = match.groups()
        if start == "*":
            if end is not None:
                return None
            first, last = low, high
        else:
            first = int(start)
            last = int(end) if end is not None else (high if step else first)
        stride = int(step) if step else 1
        if not low <= first <= last <= high or stride < 1:
            return None
        values.update(range(first, last + 1, stride))
    return values


def _field(values: set[int], size: int) -> str:
    ordered = sorted(values)
    if len(ordered) == size:
        return "*"
    steps = {later - earlier for earlier, later in pairwise(ordered)}
    if len(ordered) > 2 and len(steps) == 1:
        [step] = steps
        if step == 1:
            return f"{ordered[0]}-{ordered[-1]}"
        if ordered[0] < step and ordered[-1] + step >= size:
            return f"*/{step}" if ordered[0] == 0 else f"{ordered[0]}-{size - 1}/{step}"
    return ",".join(map(str, ordered))
