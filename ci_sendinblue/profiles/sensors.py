"""Refresh the exports when the profiles change, and only then (saving the configuration does not).

What "changed" means depends on where the profiles live:
- a file: its modification time or size (the cursor is ``mtime:size``);
- a dataset of parts: any part's modification time or size, a part added or removed;
- a CDM folder: its metadata (model.json or the manifest, and the entity's definition), which the producer
  rewrites after it has written the partitions, so a run never starts on half-written partitions;
- a database: the answer to ``profiles.sql.change_query`` (by default the row count of the table or query);
- Spark: nothing is watched (a session each tick would cost more than the check): schedule the exports.

Every tick that starts nothing says why, with what it saw (time and size, parts, the query's answer), so the
sensor's history in the UI answers "did it look, and what did it see?"; a run it starts carries a run key and
tags saying which version of the profiles started it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from ci_sendinblue.config.models import ProfilesSettings, SqlSource
from ci_sendinblue.naming import Names
from ci_sendinblue.profiles.files import FileStat, stat_files
from ci_sendinblue.profiles.locations import is_remote
from ci_sendinblue.profiles.source_errors import ProfilesSourceError

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
    change (see the module's docstring for what that means for each kind of source)."""
    job_name = names.all_exports_job
    kind = profiles.kind
    if kind == "file" and profiles.path is not None and not is_remote(profiles.path):
        return _file_sensor(Path(profiles.path), profiles.watch, names)
    watched = _watched(profiles)

    @dg.sensor(
        name=names.profiles_sensor,
        job_name=job_name,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING
        if profiles.watch and kind != "spark"
        else dg.DefaultSensorStatus.STOPPED,
        description=f"Starts {job_name} when {watched.what_changes}.",
    )
    def profiles_file_changed_sensor(context: dg.SensorEvaluationContext):
        return _tick(context, watched)

    return profiles_file_changed_sensor


def _file_sensor(path: Path, watch: bool, names: Names) -> dg.SensorDefinition:
    job_name = names.all_exports_job

    @dg.sensor(
        name=names.profiles_sensor,
        job_name=job_name,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING if watch else dg.DefaultSensorStatus.STOPPED,
        description=f"Starts {job_name} when {path.name} changes (size or modification time).",
    )
    def profiles_file_changed_sensor(context: dg.SensorEvaluationContext):
        try:
            seen = FileVersion.of(path.stat())
        except FileNotFoundError:
            return dg.SkipReason(f"profiles file {path} does not exist (setting {SETTING}); nothing started")
        except OSError as error:
            return dg.SkipReason(
                f"profiles file {path} cannot be read ({error.strerror}; setting {SETTING}); nothing started"
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


@dataclass(frozen=True)
class SourceVersion:
    """What a tick saw of a source other than a single file: a digest to compare, a summary to show."""

    digest: str
    summary: str
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def cursor(self) -> str:
        """The digest, with the summary so that the next change can say what it was."""
        return json.dumps({"digest": self.digest, "summary": self.summary})

    @staticmethod
    def summary_in(cursor: str) -> str | None:
        return _cursor_field(cursor, "summary")

    @staticmethod
    def digest_in(cursor: str) -> str | None:
        return _cursor_field(cursor, "digest")


def _cursor_field(cursor: str, name: str) -> str | None:
    """One field of a cursor :class:`SourceVersion` wrote; None for any other cursor (an older sensor's)."""
    try:
        return str(json.loads(cursor)[name])
    except (ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class Watched:
    """A source's change detection: what it is called, what changes, and how to look at it."""

    noun: str
    what_changes: str
    trigger: str
    look: Callable[[], SourceVersion] | None


def _watched(profiles: ProfilesSettings) -> Watched:
    kind = profiles.kind
    if kind in ("file", "dataset"):
        path, fmt = profiles.path, profiles.format
        assert path is not None
        noun = "profiles file" if kind == "file" else "profiles dataset"
        return Watched(
            noun,
            f"a part of {path} changes (added, removed, size or modification time)",
            "profiles_dataset_changed",
            lambda: _files_version(_datasets().resolve_dataset(path, fmt).parts),
        )
    if kind == "cdm":
        source = profiles.cdm
        assert source is not None
        return Watched(
            "CDM folder",
            f"the metadata of {source.folder} changes (model.json or the manifest, and entity {source.entity}'s "
            "definition)",
            "profiles_cdm_changed",
            lambda: _files_version(stat_files(_cdm().read_entity(source).metadata_files), "metadata files"),
        )
    if kind == "sql":
        source = profiles.sql
        assert source is not None
        return Watched(
            "profiles table" if source.table else "profiles query",
            f"the answer to {'profiles.sql.change_query' if source.change_query else 'its row count'} changes",
            "profiles_table_changed",
            lambda: _sql_version(source),
        )
    return Watched("Spark profiles", "(never: Spark profiles are not watched; schedule the exports)", "", None)


def _tick(context: dg.SensorEvaluationContext, watched: Watched) -> dg.SkipReason | dg.RunRequest:
    if watched.look is None:
        return dg.SkipReason(
            "Spark profiles are not watched (a Spark session each tick would cost more than the check): "
            "schedule the exports instead; nothing started"
        )
    try:
        seen = watched.look()
    except ProfilesSourceError as error:
        return dg.SkipReason(f"{error.reason} (setting {error.setting}); nothing started")
    if context.cursor is None:
        context.update_cursor(seen.cursor)
        return dg.SkipReason(f"first look at the {watched.noun} ({seen.summary}): remembered, nothing started")
    if SourceVersion.digest_in(context.cursor) == seen.digest:
        return dg.SkipReason(f"{watched.noun} unchanged: {seen.summary}")
    before = SourceVersion.summary_in(context.cursor)
    context.update_cursor(seen.cursor)
    reason = f"{watched.noun} changed: {seen.summary}" + (f" (was {before})" if before else "")
    return dg.RunRequest(
        run_key=f"{watched.trigger}:{seen.digest}",
        tags={TRIGGER_TAG: watched.trigger, REASON_TAG: reason, **seen.tags},
    )


def _datasets():
    """The dataset module, imported when a sensor first looks (it brings ibis and DuckDB, which a code
    location watching one file never needs)."""
    from ci_sendinblue.profiles import datasets

    return datasets


def _cdm():
    from ci_sendinblue.profiles import cdm

    return cdm


def _files_version(files: Sequence[FileStat], unit: str = "parts") -> SourceVersion:
    """Files' names, sizes and times as one digest; the summary says how many, the newest, the total size."""
    lines = "\n".join(f"{f.location}\t{f.size}\t{f.modified_ns}" for f in files)
    newest = max(files, key=lambda f: f.modified_ns)
    total = sum(f.size for f in files)
    modified = newest.modified_at.strftime("%Y-%m-%d %H:%M UTC")
    if len(files) == 1:
        summary = f"modified {modified}, size {readable_size(total)}"
    else:
        summary = f"{len(files)} {unit}, newest modified {modified}, {readable_size(total)}"
    return SourceVersion(
        hashlib.sha256(lines.encode()).hexdigest()[:32],
        summary,
        {MODIFIED_TAG: newest.modified_at.isoformat(), SIZE_TAG: str(total)},
    )


def _sql_version(source: SqlSource) -> SourceVersion:
    from ci_sendinblue.profiles import sql

    with sql.connected(source) as database:
        digest, shown = sql.change_value(database, source, sql.relation(database, source))
    return SourceVersion(digest, shown)
