"""Refresh the exports when the profiles file changes, and only then (saving the configuration does not).

Every tick that starts nothing says why, with the file's modification time and size, so the sensor's history
in the UI answers "did it look, and what did it see?"; a run it starts carries a run key and tags saying which
version of the file started it.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import dagster as dg

from ci_sendinblue.config.models import ProfilesSettings
from ci_sendinblue.naming import Names

SETTING = "profiles.path"
TRIGGER_TAG = "ci_sendinblue/trigger"
REASON_TAG = "ci_sendinblue/reason"
MODIFIED_TAG = "ci_sendinblue/profiles_modified"
SIZE_TAG = "ci_sendinblue/profiles_size_bytes"
TRIGGER = "profiles_file_changed"


@dataclass(frozen=True)
class FileVersion:
    """What the sensor remembers of the file: modification time (ns) and size; its cursor is ``mtime:size``."""

    modified_ns: int
    size: int

    @classmethod
    def of(cls, stat: os.stat_result) -> FileVersion:
        return cls(stat.st_mtime_ns, stat.st_size)

    @classmethod
    def from_cursor(cls, cursor: str) -> FileVersion | None:
        modified, _, size = cursor.partition(":")
        return cls(int(modified), int(size)) if modified.isdigit() and size.isdigit() else None

    @property
    def cursor(self) -> str:
        return f"{self.modified_ns}:{self.size}"

    @property
    def modified_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.modified_ns / 1e9, tz=dt.UTC)

    @property
    def modified(self) -> str:
        return self.modified_at.strftime("%Y-%m-%d %H:%M UTC")

    def describe(self) -> str:
        return f"modified {self.modified}, size {readable_size(self.size)}"


def readable_size(size: int) -> str:
    """Decimal units, as file managers show them: 1234567 bytes is 1.2 MB."""
    if size < 1000:
        return f"{size} bytes"
    for unit in ("kB", "MB", "GB"):
        size /= 1000
        if size < 1000 or unit == "GB":
            break
    return f"{size:.1f} {unit}"


def build_profiles_sensor(profiles: ProfilesSettings, names: Names) -> dg.SensorDefinition:
    """A sensor that starts the configuration's all-exports job (of the same Definitions) when the profiles
    file changes."""
    job_name = names.all_exports_job

    @dg.sensor(
        name=names.profiles_sensor,
        job_name=job_name,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING if profiles.watch else dg.DefaultSensorStatus.STOPPED,
        description=f"Starts {job_name} when {profiles.path.name} changes (size or modification time).",
    )
    def profiles_file_changed_sensor(context: dg.SensorEvaluationContext):
        try:
            seen = FileVersion.of(profiles.path.stat())
        except FileNotFoundError:
            return dg.SkipReason(f"profiles file {profiles.path} does not exist (setting {SETTING}); nothing started")
        except OSError as error:
            return dg.SkipReason(
                f"profiles file {profiles.path} cannot be read ({error.strerror}; setting {SETTING}); nothing started"
            )
        if context.cursor is None:
            context.update_cursor(seen.cursor)
            return dg.SkipReason(f"first look at the profiles file ({seen.describe()}): remembered, nothing started")
        if seen.cursor == context.cursor:
            return dg.SkipReason(f"profiles file unchanged since {seen.modified} (size {readable_size(seen.size)})")
        before = FileVersion.from_cursor(context.cursor)
        context.update_cursor(seen.cursor)
        reason = f"profiles file changed: {seen.describe()}" + (f" (was {before.describe()})" if before else "")
        return dg.RunRequest(
            run_key=f"{TRIGGER}:{seen.cursor}",
            tags={
                TRIGGER_TAG: TRIGGER,
                REASON_TAG: reason,
                MODIFIED_TAG: seen.modified_at.isoformat(),
                SIZE_TAG: str(seen.size),
            },
        )

    return profiles_file_changed_sensor
