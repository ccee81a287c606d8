"""The command line: ``ci-sendinblue emulator --help`` shows the emulator's own options, through ``./dev``
too (the top-level parser used to answer with an empty usage)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ci_sendinblue.cli import main
from ci_sendinblue.demo import project_root

EMULATOR_OPTIONS = ("--port", "--api-key", "--list ID=NAME", "--process-delay", "--faults", "--max-import-bytes")


def test_emulator_help_lists_the_emulator_options(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["emulator", "--help"])
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith("usage: ci-sendinblue emulator")
    assert all(option in shown for option in EMULATOR_OPTIONS), shown


def test_emulator_options_still_reach_the_emulator(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["emulator", "--port", "not-a-number"])
    assert exited.value.code == 2
    assert "ci-sendinblue emulator: error: argument --port" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("bash") is None, reason="./dev is a bash script")
def test_dev_emulator_help_lists_the_emulator_options():
    dev = project_root(Path(__file__).parent) / "dev"
    completed = subprocess.run([str(dev), "emulator", "--help"], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert all(option in completed.stdout for option in EMULATOR_OPTIONS), completed.stdout


def test_ui_refuses_an_emulator_port_the_configuration_does_not_point_at(capsys, monkeypatch):
    """dagster dev reads the configuration file itself: an emulator on another port would never be reached."""
    monkeypatch.delenv("CI_SENDINBLUE_CONFIG", raising=False)  # the bundled configuration
    assert main(["ui", "--emulator-port", "9999"]) == 2
    assert "--emulator-port 9999 differs from connections.brevo_local.api_url (port 8765)" in capsys.readouterr().err
