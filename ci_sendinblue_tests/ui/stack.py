"""What the UI test drives: the Brevo emulator and ``dagster dev`` (webserver, daemon, code server) on free
loopback ports, in a throw-away Dagster home, loading the bundled example configuration pointed at the
emulator. The project's own dagster.yaml is used (pools, run limits), its folders moved into the temporary
home: relative folders would be resolved from each process's own working directory, and a run worker
could then write into the checkout's .dagster_home/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ci_sendinblue.dagster_dev import dagster_dev_command, start_dagster_dev, stop_dagster_dev
from ci_sendinblue.demo import project_root
from ci_sendinblue.emulator.process import EmulatorProcess
from ci_sendinblue.ui import instance_storage_directory
from ci_sendinblue_tests.processes import environment_without, free_port, wait_for_http

ROOT = project_root(Path(__file__).parent)
DEMO = ROOT / "ci_sendinblue" / "defs" / "demo" / "defs.yaml"
LIST_ID = 12
LIST_NAME = "newsletter (demo)"
API_KEY = "ui-test-key-3e8b51"  # the emulator's, never printed; the UI shows the variable's name only
STARTUP_TIMEOUT = 120.0


@dataclass(frozen=True)
class UiStack:
    url: str  # the Dagster UI, e.g. http://127.0.0.1:41234
    emulator: EmulatorProcess
    home: Path  # DAGSTER_HOME
    workspace: Path  # the dg project holding the demo's component
    log_path: Path  # what dagster dev and the processes it starts print

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    def reset_list(self) -> None:
        """Empty the emulator: contacts gone, list 12 kept (the drift the sync must find and repair)."""
        self.emulator.reset(lists={LIST_ID: LIST_NAME})

    def members(self) -> list[dict[str, Any]]:
        return self.emulator.members(LIST_ID)


def write_instance(home: Path) -> None:
    """The project's dagster.yaml with every folder it names placed under ``home``."""
    config = yaml.safe_load((ROOT / "dagster.yaml").read_text("utf-8"))
    config["storage"]["sqlite"]["base_dir"] = str(home / "storage")
    config["local_artifact_storage"]["config"]["base_dir"] = str(home)
    config["compute_logs"]["config"]["base_dir"] = str(home / "logs")
    (home / "dagster.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    assert instance_storage_directory(home) == home / "storage"


def write_project(folder: Path, api_url: str) -> Path:
    """A dg project holding the bundled demo's component, its connection sent to ``api_url`` and its profiles
    named by absolute path: the UI then shows what the bundled project defines, through its component.
    Returns the project's workspace file."""
    component = yaml.safe_load(DEMO.read_text("utf-8"))
    attributes = component["attributes"]
    attributes["profiles"]["path"] = str((DEMO.parent / attributes["profiles"]["path"]).resolve())
    for connection in attributes["connections"].values():
        connection["api_url"] = api_url
    root = folder / "ui_project"
    (root / "ui_project" / "defs" / "demo").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "ui_project"\nversion = "0"\n\n[tool.dg]\ndirectory_type = "project"\n\n'
        '[tool.dg.project]\nroot_module = "ui_project"\n',
        "utf-8",
    )
    (root / "ui_project" / "__init__.py").touch()
    (root / "ui_project" / "defs" / "__init__.py").touch()
    (root / "ui_project" / "definitions.py").write_text(
        "from pathlib import Path\n\nimport dagster as dg\n\n"
        "defs = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)\n",
        "utf-8",
    )
    (root / "ui_project" / "defs" / "demo" / "defs.yaml").write_text(
        yaml.safe_dump(component, sort_keys=False, allow_unicode=True), "utf-8"
    )
    module = {"module_name": "ui_project.definitions", "working_directory": str(root)}
    workspace = {"load_from": [{"python_module": module}]}
    (root / "workspace.yaml").write_text(yaml.safe_dump(workspace), "utf-8")
    return root / "workspace.yaml"


@contextmanager
def ui_stack(folder: Path) -> Iterator[UiStack]:
    """Start the emulator and ``dagster dev``; wait until the webserver answers; stop both afterwards."""
    home = folder / "dagster_home"
    home.mkdir()
    write_instance(home)
    with EmulatorProcess(api_key=API_KEY, lists={LIST_ID: LIST_NAME}, process_delay=0.2) as emulator:
        workspace = write_project(folder, emulator.api_url)
        port = free_port()
        environment = {
            **environment_without("CI_SENDINBLUE_STATE_URL", "CI_SENDINBLUE_CONFIG"),
            "DAGSTER_HOME": str(home),
            "SENDINBLUE_API_KEY": API_KEY,
        }
        log = folder / "dagster-dev.log"
        with log.open("w", encoding="utf-8") as sink:
            command = dagster_dev_command(workspace, "127.0.0.1", port)
            child = start_dagster_dev(command, cwd=home, env=environment, stdout=sink, stderr=sink)
        try:
            url = f"http://127.0.0.1:{port}"
            running = UiStack(url=url, emulator=emulator, home=home, workspace=workspace, log_path=log)
            wait_for_http(f"{url}/server_info", STARTUP_TIMEOUT, lambda: child.poll() is None, running.log)
            yield running
        finally:
            stop_dagster_dev(child)


def chromium_executable() -> str | None:
    """Debian's Chromium: ``CI_SENDINBLUE_CHROMIUM`` (set by .ci/run), else ``chromium`` on PATH."""
    named = os.environ.get("CI_SENDINBLUE_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")
