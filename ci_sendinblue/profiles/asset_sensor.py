"""Refresh the exports whose segments read a user's asset when that asset is materialized.

The file sensor's counterpart for ``segments.<s>.profiles: {asset: ...}``: a dbt model, a warehouse table or a
Python asset of the user's is rebuilt by its own schedule or automation, and each export sending a segment
cut from it then runs its own job (which reads that materialization; the job never rebuilds the user's asset,
so a run cannot start itself again). The sensor remembers, per asset, the storage ID of the last
materialization it has seen; its first look at an asset remembers and starts nothing, like the file sensor's.
Every tick that starts nothing says why; a run it starts carries a run key and tags naming the materialization.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import dagster as dg

from ci_sendinblue.config.models import Settings
from ci_sendinblue.profiles.sensors import REASON_TAG, TRIGGER_TAG

TRIGGER = "profiles_asset_materialized"
ASSETS_TAG = "ci_sendinblue/profiles_assets"
"""The user's assets (keys, comma-separated) whose new materialization started the run."""


def watched_assets(settings: Settings) -> dict[dg.AssetKey, list[str]]:
    """Each user's asset a segment reads → the enabled exports sending such a segment, in the file's order."""
    watched: dict[dg.AssetKey, list[str]] = {}
    for export_name, export in settings.enabled_exports().items():
        for segment in export.segments:
            key = settings.profiles_asset(segment)
            if key is not None and export_name not in watched.setdefault(key, []):
                watched[key].append(export_name)
    return watched


def build_profiles_asset_sensors(settings: Settings, jobs: Sequence[Any]) -> list[dg.SensorDefinition]:
    """The sensor (none when no export sends a segment read from an asset), starting among ``jobs`` (the
    export jobs of the same Definitions, the very objects, as Dagster requires) those of the exports to
    refresh. Running by default when ``profiles.watch`` is on, as the file sensor."""
    watched = watched_assets(settings)
    if not watched:
        return []
    names = settings.names
    wanted = {names.export_job(e) for exports in watched.values() for e in exports}
    targets = [job for job in jobs if job.name in wanted]
    missing = wanted - {job.name for job in targets}
    if missing:
        raise ValueError(f"the profiles asset sensor needs export job(s) {sorted(missing)} among its jobs")
    shown = ", ".join(key.to_user_string() for key in watched)

    @dg.sensor(
        name=names.profiles_asset_sensor,
        jobs=targets,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING if settings.profiles.watch else dg.DefaultSensorStatus.STOPPED,
        description=f"Starts the export jobs of segments reading {shown} when one of them is materialized.",
    )
    def _sensor(context: dg.SensorEvaluationContext):
        remembered = _read_cursor(context.cursor)
        latest = {key: _latest(context.instance, key) for key in watched}
        context.update_cursor(json.dumps({_name(key): _storage_id(event) for key, event in latest.items()}))
        changed = {
            key: event
            for key, event in latest.items()
            if event is not None and _name(key) in remembered and event.storage_id > remembered[_name(key)]
        }
        if not changed:
            return dg.SkipReason(
                "; ".join(_unchanged(key, event, _name(key) in remembered) for key, event in latest.items())
            )
        return [
            _run_request(export, names.export_job(export), {k: e for k, e in changed.items() if export in watched[k]})
            for export in settings.enabled_exports()
            if any(export in watched[key] for key in changed)
        ]

    return [_sensor]


def _run_request(export: str, job_name: str, changed: dict[dg.AssetKey, dg.EventLogRecord]) -> dg.RunRequest:
    """A run of ``export``'s job, keyed by the materializations that started it (a second tick seeing the
    same ones starts nothing more)."""
    seen = ",".join(f"{_name(key)}@{event.storage_id}" for key, event in changed.items())
    reason = "; ".join(f"asset {_name(key)} materialized {_described(event)}" for key, event in changed.items())
    return dg.RunRequest(
        run_key=f"{TRIGGER}:{export}:{seen}",
        job_name=job_name,
        tags={TRIGGER_TAG: TRIGGER, REASON_TAG: reason, ASSETS_TAG: ",".join(_name(key) for key in changed)},
    )


def _unchanged(key: dg.AssetKey, event: dg.EventLogRecord | None, known: bool) -> str:
    if not known:
        last = f"last materialized {_described(event)}" if event else "not materialized yet"
        return f"first look at asset {_name(key)} ({last}): remembered, nothing started"
    if event is None:
        return f"asset {_name(key)} not materialized yet; nothing started"
    return f"no new materialization of asset {_name(key)} since {_described(event)}; nothing started"


def _latest(instance: dg.DagsterInstance, key: dg.AssetKey) -> dg.EventLogRecord | None:
    """The asset's last materialization, with the storage ID that orders it among the instance's events."""
    records = instance.fetch_materializations(key, limit=1).records
    return records[0] if records else None


def _described(event: dg.EventLogRecord) -> str:
    entry = event.event_log_entry
    at = dt.datetime.fromtimestamp(entry.timestamp, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{at} (run {entry.run_id[:8]})" if entry.run_id else at


def _read_cursor(cursor: str | None) -> dict[str, int]:
    """Asset (as the UI writes its key) → storage ID of its last materialization seen (0: none yet)."""
    try:
        value = json.loads(cursor) if cursor else {}
    except json.JSONDecodeError:
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, int)} if isinstance(value, dict) else {}


def _storage_id(event: dg.EventLogRecord | None) -> int:
    return event.storage_id if event is not None else 0


def _name(key: dg.AssetKey) -> str:
    return key.to_user_string()
