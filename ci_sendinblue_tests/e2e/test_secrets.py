"""The API key never leaves the environment: not in logs, metadata, storage, output, errors or reprs."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ci_sendinblue.config.loading import load_settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue_tests.helpers import API_KEY, KEY_ENV, e2e_config, write_yaml

pytestmark = pytest.mark.e2e


def files_holding(folder: Path, secret: bytes) -> list[str]:
    return [str(path) for path in folder.rglob("*") if path.is_file() and secret in path.read_bytes()]


@pytest.mark.parametrize("outcome", ["success", "failure"])
def test_nothing_a_run_writes_holds_the_key(outcome, emulator, write_project, tmp_path):
    path = write_project()
    list_id = 12 if outcome == "success" else 999
    write_yaml(path, e2e_config(emulator.api_url, list_id=list_id))
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    environment = {**os.environ, KEY_ENV: API_KEY, "CI_SENDINBLUE_CONFIG": str(path), "DAGSTER_HOME": str(home)}
    completed = subprocess.run(
        [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "ci_sendinblue.definitions", "--select", "*"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (completed.returncode == 0) == (outcome == "success"), completed.stderr[-2000:]
    assert API_KEY not in completed.stdout
    assert API_KEY not in completed.stderr
    assert list(home.rglob("*.db")), "the run must have written its storage for this test to mean anything"
    assert files_holding(home, API_KEY.encode()) == []
    assert files_holding(tmp_path, API_KEY.encode()) == []


def test_the_resources_and_settings_do_not_show_the_key(write_project, monkeypatch, emulator):
    monkeypatch.setenv(KEY_ENV, API_KEY)
    settings = load_settings(write_yaml(write_project(), e2e_config(emulator.api_url)))
    defs = build_definitions(settings)
    resource = defs.resources["sendinblue_brevo"]
    assert API_KEY not in repr(resource) + str(resource) + repr(settings) + settings.model_dump_json()
    with resource.model_copy(update={"api_key": API_KEY}).list_writer(12, log=logging.getLogger(__name__)) as writer:
        assert API_KEY not in repr(writer.client)
