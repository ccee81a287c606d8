"""Assembling one configuration's domains into Definitions: what a ``BrevoExports`` component, the Python
API and the deprecated ``CI_SENDINBLUE_CONFIG`` file all build."""

from __future__ import annotations

import dagster as dg

from ci_sendinblue.alerts.sensors import build_run_failure_sensor
from ci_sendinblue.config.models import Settings
from ci_sendinblue.frames import ArrowFrames
from ci_sendinblue.profiles.asset_sensor import build_profiles_asset_sensors
from ci_sendinblue.profiles.assets import build_customer_profiles
from ci_sendinblue.profiles.sensors import build_profiles_sensor
from ci_sendinblue.segments.assets import build_segment_assets
from ci_sendinblue.sendinblue.assets import build_list_assets
from ci_sendinblue.sendinblue.optout_assets import build_optouts_assets
from ci_sendinblue.sendinblue.resources import SendinblueResource, SyncStateResource
from ci_sendinblue.sendinblue.schedules import all_exports_job, build_export_jobs, build_export_schedules


def build_definitions(settings: Settings) -> dg.Definitions:
    """Assemble the domains. The export jobs run in process (``schedules.RUNS_IN_PROCESS``); the code
    location's own executor is left to the project. Every name comes from ``settings.names``, so
    configurations of different ``key_prefix`` merge into one code location (``dg.Definitions.merge``); the
    IO manager has a key of its own, leaving the code location's default ``io_manager`` to its other assets."""
    exports = settings.enabled_exports()
    names = settings.names
    export_jobs = build_export_jobs(settings)
    with_source = settings.profiles.kind is not None  # else every segment reads a user's asset
    return dg.Definitions(
        assets=[
            *([build_customer_profiles(settings)] if with_source else []),
            *build_segment_assets(settings),
            *build_list_assets(settings),
            *build_optouts_assets(settings),
        ],
        resources={
            **{
                names.connection_resource(name): SendinblueResource.from_settings(
                    connection, {n: e for n, e in exports.items() if e.connection == name}, settings.profiles
                )
                for name, connection in settings.connections.items()
            },
            names.io_manager: ArrowFrames(),
            names.sync_state_resource: SyncStateResource(
                url=dg.EnvVar(settings.state.url_env) if settings.state.url_env else settings.state.url,
                local_copy=settings.state.local_copy,
            ),
        },
        jobs=[*export_jobs, all_exports_job(settings)],
        schedules=build_export_schedules(settings),
        sensors=[
            *([build_profiles_sensor(settings.profiles, names)] if with_source else []),
            *build_profiles_asset_sensors(settings, export_jobs),
            build_run_failure_sensor(settings),
        ],
    )
