"""Jobs and schedules: the "scheduled refresh" of each export, and a job that refreshes them all."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg

from ci_sendinblue.config.models import Settings
from ci_sendinblue.sendinblue.assets import list_key

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

ALL_EXPORTS_JOB = "all_exports_job"


def export_job(name: str) -> UnresolvedAssetJobDefinition:
    """The list asset and everything upstream of it, so a run always exports fresh segments."""
    return dg.define_asset_job(
        f"{name}_export_job",
        selection=dg.AssetSelection.assets(list_key(name)).upstream(),
        description=f"Read the profiles, rebuild the segments of export {name} and sync its Brevo list.",
        tags={"ci_sendinblue/export": name},
    )


def all_exports_job(settings: Settings) -> UnresolvedAssetJobDefinition:
    keys = [list_key(name) for name in settings.enabled_exports()]
    return dg.define_asset_job(
        ALL_EXPORTS_JOB,
        selection=dg.AssetSelection.assets(*keys).upstream() if keys else dg.AssetSelection.groups("profiles"),
        description="Refresh every enabled export from the current profiles.",
    )


def build_export_jobs(settings: Settings) -> list[UnresolvedAssetJobDefinition]:
    return [export_job(name) for name in settings.enabled_exports()]


def build_export_schedules(settings: Settings, jobs: list[UnresolvedAssetJobDefinition]) -> list[dg.ScheduleDefinition]:
    by_name = {job.name: job for job in jobs}
    return [
        dg.ScheduleDefinition(
            name=f"{name}_schedule",
            cron_schedule=export.schedule,
            job=by_name[f"{name}_export_job"],
            default_status=dg.DefaultScheduleStatus.RUNNING,
            description=f"Scheduled refresh of export {name} ({export.schedule}).",
        )
        for name, export in settings.enabled_exports().items()
        if export.schedule
    ]
