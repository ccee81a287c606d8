"""``./dev ui`` (``ci-sendinblue ui``) run for real in a copy of the project root: it resets the demo's
sync state next to its fresh emulator, serves the UI, and on SIGTERM stops everything it started, without
a traceback and without leaving a file git would see."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ci_sendinblue.config.loading import BUNDLED_CONFIG
from ci_sendinblue.demo import project_root
from ci_sendinblue.sendinblue.resources import STATE_COPIES, STATE_DATABASE
from ci_sendinblue_tests.processes import (
    descendants,
    environment_without,
    free_port,
    port_is_free,
    wait_for_http,
    wait_until_gone,
)

pytestmark = pytest.mark.e2e

PROJECT_FILES = ("workspace.yaml", "dagster.yaml", ".gitignore")


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The files ``ci-sendinblue ui`` runs from, committed in a git repository of their own, and a sync state
    left by an earlier session."""
    folder = tmp_path / "project"
    folder.mkdir()
    for name in PROJECT_FILES:
        shutil.copy(project_root(Path(__file__).parent) / name, folder / name)
    _git(folder, "init", "-q")
    _git(folder, "add", *PROJECT_FILES)
    _git(folder, "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qm", "project")
    storage = folder / ".dagster_home" / "storage"
    (storage / STATE_COPIES).mkdir(parents=True)
    (storage / STATE_DATABASE).write_bytes(b"an old session's state")
    (storage / STATE_COPIES / "newsletter.arrow").write_bytes(b"an old copy")
    (storage / "keep-me.txt").write_text("not the sync state")
    return folder


def bundled_config_on_port(folder: Path, port: int) -> Path:
    """The bundled configuration with its emulator connection on ``port`` (dagster dev reads this file)."""
    config = yaml.safe_load(BUNDLED_CONFIG.read_text("utf-8"))["attributes"]
    config["profiles"]["path"] = str((BUNDLED_CONFIG.parent / config["profiles"]["path"]).resolve())
    for connection in config["connections"].values():
        connection["api_url"] = connection["api_url"].replace(":8765/", f":{port}/")
    path = folder / "ci_sendinblue.yaml"
    path.write_text(yaml.safe_dump(config), "utf-8")
    return path


def test_ui_resets_the_demo_state_and_stops_everything_on_sigterm(project: Path, tmp_path: Path):
    ui_port, emulator_port = free_port(), free_port()
    config = bundled_config_on_port(tmp_path, emulator_port)
    output = tmp_path / "ui-output.txt"
    with output.open("w") as sink:
        ui = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ci_sendinblue.cli",
                "ui",
                "--port",
                str(ui_port),
                "--emulator-port",
                str(emulator_port),
            ],
            cwd=project,
            env={**environment_without("CI_SENDINBLUE_CONFIG", "DAGSTER_HOME"), "CI_SENDINBLUE_CONFIG": str(config)},
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        wait_for_http(f"http://127.0.0.1:{ui_port}/server_info", 120, lambda: ui.poll() is None, output.read_text)
        started = descendants(ui.pid)
        assert len(started) >= 4, "expected the emulator, dagster dev, its webserver, daemon and code server"
        ui.send_signal(signal.SIGTERM)
        assert ui.wait(timeout=60) == 0, output.read_text()[-4000:]
    finally:
        if ui.poll() is None:
            ui.kill()
    text = output.read_text()
    assert "Traceback" not in text, text[-4000:]
    assert f"Dagster instance: {project.resolve()} (the project root); run history in SQLite." in text.splitlines()
    storage = project / ".dagster_home" / "storage"
    assert [line for line in text.splitlines() if "fresh sync state" in line] == [
        f"Fresh emulator, fresh sync state: removed {STATE_DATABASE}, {STATE_COPIES}/ from {storage}."
    ]
    assert not (storage / STATE_DATABASE).exists() and not (storage / STATE_COPIES).exists()
    assert (storage / "keep-me.txt").exists()
    assert wait_until_gone(started, timeout=10) == set(), "processes the UI started outlived it"
    assert port_is_free(ui_port) and port_is_free(emulator_port)
    assert _git(project, "status", "--porcelain") == "", "what dagster dev wrote must be ignored by .gitignore"
