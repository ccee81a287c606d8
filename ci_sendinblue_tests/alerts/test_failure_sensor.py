"""The run-failure sensor: every failed run is logged, and posted to Slack when configured, naming the job,
the failed step and the error's first line, with nothing personal or secret in it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from ci_sendinblue.alerts.sensors import build_run_failure_sensor
from ci_sendinblue.config.loading import ProfilesNotCheckedWarning, load_settings
from ci_sendinblue.config.models import Settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue_tests.alerts.conftest import FakeSlack
from ci_sendinblue_tests.helpers import API_KEY, KEY_ENV, base_config, write_yaml

SLACK_ENV = "CI_SENDINBLUE_TEST_SLACK_URL"


def config_without_profiles(**alerts: Any) -> dict[str, Any]:
    """The test project pointed at a profiles file that is not there: ``customer_profiles`` fails."""
    config = copy.deepcopy(base_config("nowhere.csv"))
    if alerts:
        config["alerts"] = alerts
    return config


def load(tmp_path: Path, config: dict[str, Any]) -> Settings:
    with pytest.warns(ProfilesNotCheckedWarning):
        return load_settings(write_yaml(tmp_path / "config.yaml", config))


def start_watching(sensor: dg.SensorDefinition, instance: dg.DagsterInstance) -> str | None:
    """The sensor's first tick only sets its cursor past the failures that came before it."""
    context = dg.build_sensor_context(instance=instance)
    assert sensor.evaluate_tick(context).dagster_run_reactions == []
    return context.cursor


def next_tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None):
    return sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


def slack_alert_sensor(write_project) -> dg.SensorDefinition:
    """The failure sensor of the test project configured to post to the webhook named by SLACK_ENV."""
    config = copy.deepcopy(base_config())
    config["alerts"] = {"slack_webhook_url_env": SLACK_ENV}
    return build_run_failure_sensor(load_settings(write_project(config)))


def reaction_to_a_failed_run(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, before_tick=lambda: None):
    """The sensor's reaction to one run whose only step raises RuntimeError('boom')."""
    cursor = start_watching(sensor, instance)

    @dg.asset
    def broken() -> None:
        raise RuntimeError("boom")

    dg.materialize([broken], instance=instance, raise_on_error=False)
    before_tick()
    [reaction] = next_tick(sensor, instance, cursor).dagster_run_reactions
    return reaction


def test_a_failed_export_is_posted_to_slack_naming_the_job_and_the_failed_step(
    tmp_path, monkeypatch, fake_slack: FakeSlack, instance
):
    monkeypatch.setenv(KEY_ENV, API_KEY)
    monkeypatch.setenv(SLACK_ENV, fake_slack.url)
    config = config_without_profiles(
        slack_webhook_url_env=SLACK_ENV, channel="#crm-alerts", dagster_base_url="http://dagster.internal:3000"
    )
    defs = build_definitions(load(tmp_path, config))
    sensor = defs.resolve_sensor_def("run_failure_alert_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    cursor = start_watching(sensor, instance)

    run = defs.resolve_job_def("newsletter_export_job").execute_in_process(instance=instance, raise_on_error=False)
    assert not run.success
    [reaction] = next_tick(sensor, instance, cursor).dagster_run_reactions

    assert reaction.error is None, reaction.error
    [message] = fake_slack.received
    run_id = run.dagster_run.run_id
    assert message["channel"] == "#crm-alerts"
    assert message["text"].splitlines() == [
        ":red_circle: *Run failed: newsletter_export_job* (started by hand)",
        f"• step `customer_profiles`: Cannot read the profiles (profiles.path): profiles file "
        f"{tmp_path / 'nowhere.csv'} does not exist",
        f"Run <http://dagster.internal:3000/runs/{run_id}|{run_id}>",
    ]
    assert API_KEY not in str(message)


def test_without_slack_the_failure_is_logged_with_the_job_step_error_and_run_id(tmp_path, monkeypatch, capfd, instance):
    monkeypatch.setenv(KEY_ENV, API_KEY)
    defs = build_definitions(load(tmp_path, config_without_profiles()))
    sensor = defs.resolve_sensor_def("run_failure_alert_sensor")
    cursor = start_watching(sensor, instance)
    run = defs.resolve_job_def("newsletter_export_job").execute_in_process(instance=instance, raise_on_error=False)
    capfd.readouterr()

    [reaction] = next_tick(sensor, instance, cursor).dagster_run_reactions

    assert reaction.error is None
    logged = capfd.readouterr().err
    assert (
        f"Run of newsletter_export_job failed (started by hand). step customer_profiles: "
        f"Cannot read the profiles (profiles.path): profiles file {tmp_path / 'nowhere.csv'} does not exist "
        f"[run ID {run.dagster_run.run_id}]"
    ) in logged


def test_a_run_that_succeeds_is_not_reported(write_project, monkeypatch, fake_slack: FakeSlack, instance):
    monkeypatch.setenv(SLACK_ENV, fake_slack.url)
    sensor = slack_alert_sensor(write_project)
    cursor = start_watching(sensor, instance)

    @dg.asset
    def fine() -> None:
        return None

    assert dg.materialize([fine], instance=instance).success
    assert next_tick(sensor, instance, cursor).dagster_run_reactions == []
    assert fake_slack.received == []


def test_the_alert_masks_personal_data_and_names_secrets_instead_of_showing_them(
    write_project, monkeypatch, fake_slack: FakeSlack, instance
):
    monkeypatch.setenv(KEY_ENV, API_KEY)
    monkeypatch.setenv(SLACK_ENV, fake_slack.url)
    sensor = slack_alert_sensor(write_project)
    cursor = start_watching(sensor, instance)

    @dg.asset
    def leaky() -> None:
        raise ValueError(
            f"row 3: ann.lee@example.com, phone +33 6 12 34 56 78, key {API_KEY}, hook {fake_slack.url}, "
            "at 2026-11-29 04:12\nsecond line with bob@example.org"
        )

    dg.materialize([leaky], instance=instance, raise_on_error=False)
    [reaction] = next_tick(sensor, instance, cursor).dagster_run_reactions

    assert reaction.error is None
    [message] = fake_slack.received
    [step_line] = [line for line in message["text"].splitlines() if "leaky" in line]
    assert step_line == (
        f"• step `leaky`: ValueError: row 3: a***@example.com, phone +33 * ** ** ** 78, key ${KEY_ENV}, "
        f"hook ${SLACK_ENV}, at 2026-11-29 04:12"
    )
    assert "bob" not in message["text"]


def test_a_slack_webhook_that_refuses_fails_the_tick_without_showing_its_url(
    write_project, monkeypatch, fake_slack: FakeSlack, instance, capfd
):
    monkeypatch.setenv(SLACK_ENV, fake_slack.url)
    fake_slack.status = 404
    reaction = reaction_to_a_failed_run(slack_alert_sensor(write_project), instance, before_tick=capfd.readouterr)

    assert reaction.error is not None
    assert "Slack alert not sent: the webhook answered 404 'no_service'" in reaction.error.to_string()
    assert fake_slack.url not in reaction.error.to_string()
    logged = capfd.readouterr().err
    assert "step broken: RuntimeError: boom" in logged  # logged before Slack was tried
    assert fake_slack.url not in logged


def test_an_unset_webhook_variable_fails_the_tick_naming_the_variable_and_the_setting(
    write_project, monkeypatch, instance
):
    monkeypatch.delenv(SLACK_ENV, raising=False)
    reaction = reaction_to_a_failed_run(slack_alert_sensor(write_project), instance)

    assert f"${SLACK_ENV} (alerts.slack_webhook_url_env) is not set" in reaction.error.to_string()
