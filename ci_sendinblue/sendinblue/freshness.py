"""The freshness policy an export's schedule implies: the list is overdue when a scheduled refresh has not
landed in time.

Each tick of the schedule starts a refresh that should be done within the export's
``freshness_grace_minutes``. Dagster's cron policy expresses exactly that: a deadline (each tick plus the
grace, ``cron_shift``) and a window before it (the grace) in which a materialization must land; from the
deadline until one lands the asset's freshness is FAIL, shown as overdue in the UI. The grace is capped at
the schedule's shortest interval (Dagster requires it, and a refresh that has not finished by the next tick
is late anyway), and lowered a little further in the rare case where the deadline cannot be written as one
cron expression otherwise (a tick at 23:30 on weekdays only, say). Dagster's freshness daemon (part of
``dagster dev`` and ``dagster-daemon``) evaluates the policy; a list never materialized has no freshness
state (UNKNOWN), not FAIL. Schedules run in UTC, and so does the policy.

This lives apart from ``schedules`` because the list asset passes it to ``@dg.asset`` and ``schedules``
imports the list asset's module.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass

import dagster as dg

from ci_sendinblue.config.models import ExportSettings
from ci_sendinblue.sendinblue.cron_shift import daily_ticks, shifted, shortest_interval_minutes


class FreshnessNotDerivedWarning(UserWarning):
    """An export's schedule is in a form whose deadline cannot be written as a cron expression, so its list
    has no freshness policy."""


@dataclass(frozen=True)
class RefreshDeadline:
    cron: str
    """Fires ``grace_minutes`` after each tick of the schedule."""
    grace_minutes: int


def refresh_deadline(schedule: str, grace_minutes: int) -> RefreshDeadline | None:
    """When a refresh started by ``schedule`` must have landed: the longest grace up to ``grace_minutes``
    (and the schedule's shortest interval) whose deadline one cron expression can say; None if none can."""
    ticks = daily_ticks(schedule)
    if ticks is None:
        return None
    for minutes in range(min(grace_minutes, shortest_interval_minutes(ticks)), 0, -1):
        deadline = shifted(ticks, minutes)
        if deadline is not None:
            return RefreshDeadline(deadline, minutes)
    return None


def freshness_policy(export: ExportSettings) -> dg.FreshnessPolicy | None:
    """The list asset's freshness policy; None for an export run on demand or with
    ``freshness_grace_minutes: null``."""
    if export.schedule is None or export.freshness_grace_minutes is None:
        return None
    deadline = refresh_deadline(export.schedule, export.freshness_grace_minutes)
    if deadline is None:
        warnings.warn(
            f"schedule '{export.schedule}': no deadline for its refreshes can be written as a cron expression, "
            "so Dagster will not show this export's list as overdue",
            FreshnessNotDerivedWarning,
            stacklevel=2,
        )
        return None
    return dg.FreshnessPolicy.cron(
        deadline_cron=deadline.cron, lower_bound_delta=dt.timedelta(minutes=deadline.grace_minutes)
    )
