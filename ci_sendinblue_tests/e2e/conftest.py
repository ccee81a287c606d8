"""End-to-end fixtures: one real emulator process per test session, reset before each test, and a way to
materialize the project's asset graph against it through Dagster."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml

from ci_sendinblue.config.loading import load_settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue.emulator.process import EmulatorProcess
from ci_sendinblue_tests.conftest import base_config

API_KEY = "e2e-key-5f3a9c1d7e"
KEY_ENV = "SENDINBLUE_API_KEY"


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(api_key=API_KEY, lists={12: "Newsletter"}, contacts_rate=None, hourly_budget=None) as emu:
        yield emu


@pytest.fixture
def emulator(emulator_process: EmulatorProcess) -> EmulatorProcess:
    emulator_process.reset(
        lists={12: "Newsletter"},
        attributes=["FIRSTNAME", "LASTNAME", "SMS"],
        process_delay=0.05,
        contacts_rate=None,
        hourly_budget=None,
    )
    return emulator_process


def e2e_config(api_url: str, **export_changes: Any) -> dict[str, Any]:
    config = copy.deepcopy(base_config())
    config["connections"]["brevo"].update(
        api_url=api_url,
        process_poll_initial=0.02,
        process_poll_max=0.1,
        retry_timeout=20,
        other_requests_per_hour=1_000_000,
        contacts_requests_per_second=1_000,
    )
    config["segments"]["platinum"]["max_rejected_share"] = 0.5  # sample data is messy on purpose
    config["exports"]["newsletter"].update(export_changes)
    return config


@dataclass
class Run:
    result: dg.ExecuteInProcessResult
    instance: dg.DagsterInstance

    @property
    def failure_message(self) -> str:
        return "\n".join(e.step_failure_data.error.message for e in self.result.get_step_failure_events())

    def metadata(self, key: dg.AssetKey) -> dict[str, Any]:
        [event] = [
            e.event_specific_data.materialization
            for e in self.result.get_asset_materialization_events()
            if e.event_specific_data.materialization.asset_key == key
        ]
        return {k: v.value for k, v in event.metadata.items()}


@pytest.fixture
def run_pipeline(
    emulator: EmulatorProcess, write_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., Run]:
    """Materialize every asset of a project written to tmp_path, as a user's run would, against the emulator."""
    monkeypatch.setenv(KEY_ENV, API_KEY)
    home = tmp_path / "dagster_home"
    home.mkdir()

    def run(config: dict[str, Any] | None = None, profiles: Any = None, run_config: dict | None = None) -> Run:
        path = write_project(config or e2e_config(emulator.api_url), profiles)
        defs = build_definitions(load_settings(path))
        instance = dg.DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}})
        result = dg.materialize(
            list(defs.assets or []),
            resources=defs.resources,
            instance=instance,
            raise_on_error=False,
            run_config=run_config,
        )
        return Run(result, instance)

    return run


def write_yaml(path: Path, config: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return path
