"""End-to-end fixtures: one real emulator process per test session, reset before each test, and a way to
materialize the project's asset graph against it through Dagster."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from ci_sendinblue.config.loading import load_settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue.emulator.process import EmulatorProcess
from ci_sendinblue_tests.helpers import API_KEY, ATTRIBUTES, KEY_ENV, Run, e2e_config


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(api_key=API_KEY, lists={12: "Newsletter"}, contacts_rate=None, hourly_budget=None) as emu:
        yield emu


@pytest.fixture
def emulator(emulator_process: EmulatorProcess) -> EmulatorProcess:
    emulator_process.reset(
        lists={12: "Newsletter"},
        attributes=ATTRIBUTES,
        process_delay=0.05,
        contacts_rate=None,
        hourly_budget=None,
    )
    return emulator_process


@pytest.fixture
def run_pipeline(
    emulator: EmulatorProcess, write_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., Run]:
    """Materialize every asset of a project written to tmp_path, as a user's run would, against the emulator."""
    monkeypatch.setenv(KEY_ENV, API_KEY)
    home = tmp_path / "dagster_home"
    home.mkdir()

    def run(
        config: dict[str, Any] | None = None,
        profiles: Any = None,
        run_config: dict | None = None,
        selection: list[dg.AssetKey] | None = None,
    ) -> Run:
        """Every asset, or only those of ``selection`` (the others' last outputs are read as a user's
        "Materialize selected" would)."""
        path = write_project(config or e2e_config(emulator.api_url), profiles)
        defs = build_definitions(load_settings(path))
        instance = dg.DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}})
        result = dg.materialize(
            list(defs.assets or []),
            resources=defs.resources,
            instance=instance,
            raise_on_error=False,
            run_config=run_config,
            selection=selection,
        )
        return Run(result, instance)

    return run
