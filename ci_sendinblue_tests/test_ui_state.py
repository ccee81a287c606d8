"""Which sync state ``./dev ui`` resets next to its fresh emulator, where it is, and that only it goes."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from ci_sendinblue.config.loading import load_settings
from ci_sendinblue.demo import project_root
from ci_sendinblue.sendinblue.resources import STATE_COPIES, STATE_DATABASE
from ci_sendinblue.ui import instance_storage_directory, owns_demo_state, reset_demo_state
from ci_sendinblue_tests.helpers import base_config, write_yaml

ROOT = project_root(Path(__file__).parent)


@pytest.mark.parametrize("dagster_yaml", ["project", "bare"])
def test_the_storage_directory_is_the_one_the_instance_uses(dagster_yaml, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    if dagster_yaml == "project":
        shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    else:
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.chdir(home)  # dagster dev runs in DAGSTER_HOME: relative folders are taken from there
    with dg.DagsterInstance.from_config(str(home)) as instance:
        expected = Path(instance.storage_directory()).resolve()
    assert instance_storage_directory(home).resolve() == expected


def test_the_bundled_configuration_owns_its_state(monkeypatch):
    monkeypatch.delenv("CI_SENDINBLUE_CONFIG", raising=False)
    assert owns_demo_state(load_settings())


@pytest.mark.parametrize(
    ("api_url", "state", "owned"),
    [
        ("http://127.0.0.1:8765/v3", None, True),
        ("http://localhost:8765/v3", None, True),
        ("https://api.brevo.com/v3", None, False),
        ("http://127.0.0.1:8765/v3", {"url_env": "CI_SENDINBLUE_STATE_URL"}, False),
        ("http://127.0.0.1:8765/v3", {"url": "sqlite:////tmp/elsewhere.db"}, False),
    ],
)
def test_a_real_account_or_a_state_of_its_own_is_never_reset(api_url, state, owned, write_project):
    config = base_config()
    config["connections"]["brevo"]["api_url"] = api_url
    if state is not None:
        config["state"] = state
    assert owns_demo_state(load_settings(write_yaml(write_project(), config))) is owned


def test_reset_removes_the_state_and_its_copies_only(tmp_path):
    storage = tmp_path / "storage"
    (storage / STATE_COPIES).mkdir(parents=True)
    (storage / STATE_DATABASE).write_bytes(b"state")
    (storage / f"{STATE_DATABASE}-wal").write_bytes(b"wal")
    (storage / STATE_COPIES / "newsletter.arrow").write_bytes(b"copy")
    (storage / "history").mkdir()
    assert reset_demo_state(storage) == (
        f"Fresh emulator, fresh sync state: removed {STATE_DATABASE}, {STATE_DATABASE}-wal, {STATE_COPIES}/"
        f" from {storage}."
    )
    assert sorted(path.name for path in storage.iterdir()) == ["history"]
    assert reset_demo_state(storage) == f"Fresh emulator, fresh sync state: nothing to remove in {storage}."
