"""The sensor that reports every failed run of this code location: in its log always, on Slack if configured.

Behind a ``key_prefix`` the code location may hold other configurations too, each with a sensor of its own:
each then reports only the runs of its own jobs and assets, so a failure is told once, to its own team.
"""

from __future__ import annotations

import dagster as dg

from ci_sendinblue.alerts.failures import describe_failure
from ci_sendinblue.alerts.redaction import Redactor
from ci_sendinblue.alerts.slack import SlackWebhook
from ci_sendinblue.config.models import Settings
from ci_sendinblue.naming import Names


def secret_environment_variables(settings: Settings) -> list[str]:
    """Every variable the configuration names for a secret: their values are redacted from alerts."""
    names = [connection.api_key_env for connection in settings.connections.values()]
    names += [name for name in (settings.state.url_env, settings.alerts.slack_webhook_url_env) if name]
    return names


def build_run_failure_sensor(settings: Settings) -> dg.SensorDefinition:
    """Runs whenever a run of a job of these Definitions fails (an asset materialized from the UI included).
    The failure is logged before Slack is tried, so a Slack outage never hides it; a Slack alert that cannot be
    delivered fails the sensor's tick, which the UI shows beside the sensor."""
    alerts = settings.alerts
    slack = SlackWebhook(alerts.slack_webhook_url_env, alerts.channel) if alerts.slack_webhook_url_env else None
    base_url = str(alerts.dagster_base_url) if alerts.dagster_base_url else None
    secrets = secret_environment_variables(settings)
    names = settings.names
    jobs = frozenset([names.all_exports_job, *(names.export_job(name) for name in settings.enabled_exports())])

    @dg.run_failure_sensor(
        name=names.run_failure_sensor,
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
        description="Logs every failed run"
        + (f" of a job or asset under {'/'.join(names.prefix)}" if names.prefix else "")
        + " (job, failed step, first line of the error, run link)"
        + (f" and posts it to Slack (${alerts.slack_webhook_url_env})." if slack else "."),
    )
    def run_failure_alert_sensor(context: dg.RunFailureSensorContext) -> None:
        if not concerns(context.dagster_run, names, jobs):
            return
        failure = describe_failure(context, base_url=base_url, redact=Redactor(secrets))
        context.log.error(failure.summary())
        if slack is not None:
            slack.post(failure.slack_text())
            context.log.info(f"Slack alert sent for run {failure.run_id}")

    return run_failure_alert_sensor


def concerns(run: dg.DagsterRun, names: Names, jobs: frozenset[str]) -> bool:
    """Whether a failed run is this configuration's to report: any run without a prefix (as always: the code
    location is taken to be this configuration's); behind one, a run of one of its ``jobs`` or one that
    materializes or checks one of its assets."""
    if not names.prefix or run.job_name in jobs:
        return True
    keys = [*(run.asset_selection or ()), *(check.asset_key for check in run.asset_check_selection or ())]
    return any(names.owns(key) for key in keys)
