"""One emulator process for the hostile-input tests, and a way to run the whole pipeline on a project folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from ci_sendinblue.config.loading import load_settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue.emulator.process import EmulatorProcess
from ci_sendinblue_tests.helpers import API_KEY, ATTRIBUTES, KEY_ENV, Run, write_yaml


@pytest.fixture(scope="module")
def hostile_emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(api_key=API_KEY, lists={12: "Newsletter"}, contacts_rate=None, hourly_budget=None) as emu:
        emu.reset(lists={12: "Newsletter"}, attributes=ATTRIBUTES, process_delay=0.02)
        yield emu


@pytest.fixture(scope="module")
def materialize_project(
    hostile_emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Run]]:
    """``materialize_project(folder, config)``: write config.yaml into folder, load it, materialize every asset."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_ENV, API_KEY)

        def run(folder: Path, config: dict[str, Any], before_run: Callable[[], None] | None = None) -> Run:
            hostile_emulator.reset(lists={12: "Newsletter"}, attributes=ATTRIBUTES, process_delay=0.02)
            defs = build_definitions(load_settings(write_yaml(folder / "config.yaml", config)))
            if before_run:
                before_run()
            home = tmp_path_factory.mktemp("dagster_home")
            instance = dg.DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}})
            result = dg.materialize(
                list(defs.assets or []), resources=defs.resources, instance=instance, raise_on_error=False
            )
            return Run(result, instance)

        yield run
