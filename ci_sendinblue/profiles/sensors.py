"""Refresh the exports when the profiles file changes, and only then (saving the configuration does not)."""

from __future__ import annotations

import dagster as dg

from ci_sendinblue.config.models import ProfilesSettings


def build_profiles_sensor(profiles: ProfilesSettings, job_name: str) -> dg.SensorDefinition:
    """A sensor that starts ``job_name`` (a job of the same Definitions) when the profiles file changes."""

    @dg.sensor(
        name="profiles_file_changed_sensor",
        job_name=job_name,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING if profiles.watch else dg.DefaultSensorStatus.STOPPED,
        description=f"Starts {job_name} when {profiles.path.name} changes (size or modification time).",
    )
    def profiles_file_changed_sensor(context: dg.SensorEvaluationContext):
        try:
            stat = profiles.path.stat()
        except FileNotFoundError:
            return dg.SkipReason(f"{profiles.path} does not exist")
        fingerprint = f"{stat.st_mtime_ns}:{stat.st_size}"
        if context.cursor is None:
            context.update_cursor(fingerprint)
            return dg.SkipReason("first look at the profiles file: remembered, nothing started")
        if fingerprint == context.cursor:
            return dg.SkipReason("profiles file unchanged")
        context.update_cursor(fingerprint)
        return dg.RunRequest(run_key=fingerprint, tags={"ci_sendinblue/trigger": "profiles_file_changed"})

    return profiles_file_changed_sensor
