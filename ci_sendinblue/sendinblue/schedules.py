"""Jobs and schedules: the "scheduled refresh" of each export, and a job that refreshes them all."""

from __future__ import annotations

import dagster as dg

from ci_sendinblue.config.models import Settings
from ci_sendinblue.sendinblue.assets import list_key

ALL_EXPORTS_JOB = "all_exports_job"

# The jobs below are what ``dg.define_asset_job`` returns; Dagster does not export that type publicly, so
# these functions leave their return type to it, and schedules and sensors name their jobs by name.


def export_job_name(export_name: str) -> str:
    return f"{export_name}_export_job"


def export_job(name: str):
    """The list asset and everything upstream of it, so a run always exports fresh segments."""
    return dg.define_asset_job(
        export_job_name(name),
        selection=dg.AssetSelection.assets(list_key(name)).upstream(),
        description=f"Read the profiles, rebuild the segments of export {name} and sync its Brevo list.",
        tags={"ci_sendinblue/export": name},
    )


def all_exports_job(settings: Settings):
    keys = [list_key(name) for name in settings.enabled_exports()]
    return dg.define_asset_job(
        ALL_EXPORTS_JOB,
        selection=dg.AssetSelection.assets(*keys).upstream() if keys else dg.AssetSelection.groups("profiles"),
        description="Refresh every enabled export from the current profiles.",
    )


def build_export_jobs(settings: Settings):
    return [export_job(name) for name in settings.enabled_exports()]


def build_export_schedules(settings: Settings) -> list[dg.ScheduleDefinition]:
    """A running schedule per export that has one; its job is ``export_job(name)``, in the same Definitions."""
    return [
        dg.ScheduleDefinition(
            name=f"{name}_schedule",
            cron_schedule=export.schedule,
            job_name=export_job_name(name),
            default_status=dg.DefaultScheduleStatus.RUNNING,
            description=f"Scheduled refresh of export {name} ({export.schedule}).",
        )
        for name, export in settings.enabled_exports().items()
        if export.schedule
    ]
