"""The ``alerts`` setting: checked when the code location loads, like every other setting."""

from __future__ import annotations

import copy
import sys
from typing import Any

import pytest

from ci_sendinblue.config.loading import ConfigError, load_settings
from ci_sendinblue_tests.helpers import base_config


def with_alerts(**alerts: Any) -> dict[str, Any]:
    config = copy.deepcopy(base_config())
    config["alerts"] = alerts
    return config


def problems_of(write_project, config: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_settings(write_project(config))
    return raised.value.problems


def test_without_an_alerts_section_failures_are_only_logged(write_project):
    alerts = load_settings(write_project()).alerts
    assert (alerts.slack_webhook_url_env, alerts.channel, alerts.dagster_base_url) == (None, None, None)


def test_slack_configured_without_the_slack_extra_stops_the_load_naming_the_setting_and_the_fix(
    write_project, monkeypatch
):
    monkeypatch.setitem(sys.modules, "slack_sdk", None)  # what an environment without the extra looks like
    config = with_alerts(slack_webhook_url_env="SLACK_WEBHOOK_URL")
    assert problems_of(write_project, config) == [
        "alerts.slack_webhook_url_env: Slack alerts need the optional slack extra (slack_sdk): "
        "pip install 'ci-sendinblue[slack]'"
    ]


def test_without_the_slack_extra_a_configuration_without_slack_still_loads(write_project, monkeypatch):
    monkeypatch.setitem(sys.modules, "slack_sdk", None)
    config = with_alerts(dagster_base_url="http://dagster.internal:3000")
    assert str(load_settings(write_project(config)).alerts.dagster_base_url) == "http://dagster.internal:3000/"


def test_a_webhook_url_written_in_the_file_is_refused_as_a_secret(write_project):
    config = with_alerts(slack_webhook_url="https://hooks.slack.com/services/T0/B0/x")
    [problem] = problems_of(write_project, config)
    assert problem.startswith("alerts: slack_webhook_url: a webhook URL is a secret")
    assert "hooks.slack.com" not in problem


def test_a_channel_without_a_webhook_is_refused(write_project):
    [problem] = problems_of(write_project, with_alerts(channel="#crm"))
    assert problem == "alerts: channel is where Slack alerts go: set slack_webhook_url_env as well"


def test_a_webhook_variable_name_must_be_a_variable_name(write_project):
    [problem] = problems_of(write_project, with_alerts(slack_webhook_url_env="https://hooks.slack.com/x"))
    assert problem.startswith("alerts.slack_webhook_url_env: String should match pattern")
