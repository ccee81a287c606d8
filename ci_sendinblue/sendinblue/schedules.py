"""Jobs and schedules: the "scheduled refresh" of each export, and a job that refreshes them all."""

from __future__ import annotations

import dagster as dg

from ci_sendinblue.config.models import Settings

EXPORT_TAG = "ci_sendinblue/export"
"""The export a run of its job refreshes, as the state knows it (``crm/newsletter`` behind a key_prefix)."""

RUNS_IN_PROCESS = dg.in_process_executor
"""The export jobs' executor: the graph is a handful of pandas steps, and starting a process per step would
cost more than the steps themselves. Set on the jobs, not on the Definitions, so that a project with an
executor of its own takes the component in (Dagster refuses to merge Definitions of different executors)."""

# The jobs below are what ``dg.define_asset_job`` returns; Dagster does not export that type publicly, so
# these functions leave their return type to it, and schedules and sensors name their jobs by name.


def export_job(name: str, settings: Settings):
    """The list asset and everything upstream of it, so a run always exports fresh segments; but not the
    user's assets segments read, whose last materialization the run reads."""
    names = settings.names
    return dg.define_asset_job(
        names.export_job(name),
        selection=_without_users_assets(dg.AssetSelection.assets(names.export_list(name)).upstream(), settings),
        description=f"Read the profiles, rebuild the segments of export {name} and sync its Brevo list.",
        tags={EXPORT_TAG: names.qualified(name)},
        executor_def=RUNS_IN_PROCESS,
    )


def all_exports_job(settings: Settings):
    """Every enabled export with its upstream; with none, the profiles alone (this configuration's, never
    another's of the same code location)."""
    names = settings.names
    keys = [names.export_list(name) for name in settings.enabled_exports()]
    return dg.define_asset_job(
        names.all_exports_job,
        selection=_without_users_assets(dg.AssetSelection.assets(*keys).upstream(), settings)
        if keys
        else dg.AssetSelection.assets(names.customer_profiles),
        description="Refresh every enabled export from the current profiles.",
        executor_def=RUNS_IN_PROCESS,
    )


def build_export_jobs(settings: Settings):
    return [export_job(name, settings) for name in settings.enabled_exports()]


def _without_users_assets(selection: dg.AssetSelection, settings: Settings) -> dg.AssetSelection:
    """``selection`` less the user's assets that segments read, and everything those are built from.

    Those assets have their owners' schedules and automation (a dbt project, a warehouse load); an export
    reads their last materialization, as the sensor that starts it when they are materialized expects
    (a job rebuilding them would materialize them again, and start itself again)."""
    users = list(dict.fromkeys(key for name in settings.segments if (key := settings.profiles_asset(name))))
    return selection - dg.AssetSelection.assets(*users).upstream() if users else selection


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
