"""Jobs and schedules: the "scheduled refresh" of each export, and a job that refreshes them all."""

from __future__ import annotations

import dagster as dg

from ci_sendinblue.config.models import Settings
from ci_sendinblue.naming import Names

EXPORT_TAG = "ci_sendinblue/export"
"""The export a run of its job refreshes, as the state knows it (``crm/newsletter`` behind a key_prefix)."""

# The jobs below are what ``dg.define_asset_job`` returns; Dagster does not export that type publicly, so
# these functions leave their return type to it, and schedules and sensors name their jobs by name.


def export_job(name: str, names: Names):
    """The list asset and everything upstream of it, so a run always exports fresh segments."""
    return dg.define_asset_job(
        names.export_job(name),
        selection=dg.AssetSelection.assets(names.export_list(name)).upstream(),
        description=f"Read the profiles, rebuild the segments of export {name} and sync its Brevo list.",
        tags={EXPORT_TAG: names.qualified(name)},
    )


def all_exports_job(settings: Settings):
    """Every enabled export with its upstream; with none, the profiles alone (this configuration's, never
    another's of the same code location)."""
    names = settings.names
    keys = [names.export_list(name) for name in settings.enabled_exports()]
    return dg.define_asset_job(
        names.all_exports_job,
        selection=dg.AssetSelection.assets(*keys).upstream()
        if keys
        else dg.AssetSelection.assets(names.customer_profiles),
        description="Refresh every enabled export from the current profiles.",
    )


def build_export_jobs(settings: Settings):
    return [export_job(name, settings.names) for name in settings.enabled_exports()]


def build_export_schedules(settings: Settings) -> list[dg.ScheduleDefinition]:
    """A running schedule per export that has one; its job is ``export_job(name)``, in the same Definitions."""
    names = settings.names
    return [
        dg.ScheduleDefinition(
            name=names.export_schedule(name),
            cron_schedule=export.schedule,
            job_name=names.export_job(name),
            default_status=dg.DefaultScheduleStatus.RUNNING,
            description=f"Scheduled refresh of export {name} ({export.schedule}).",
        )
        for name, export in settings.enabled_exports().items()
        if export.schedule
    ]
