"""Running the `dg` command line the way a user does in a project: its virtual environment activated, a
Dagster home of the test's own (telemetry off), only loopback addresses in play."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

VENV = Path(sys.prefix)
DG = Path(sys.executable).parent / "dg"


def dagster_home(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    return folder


def run_dg(
    *args: str, cwd: Path, home: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "VIRTUAL_ENV": str(VENV),
        "PATH": f"{DG.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DAGSTER_HOME": str(home),
        "NO_COLOR": "1",
        "COLUMNS": "200",
        **(env or {}),
    }
    environment.pop("CI_SENDINBLUE_CONFIG", None)
    return subprocess.run(
        [str(DG), *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout, check=False
    )


def listed_definitions(cwd: Path, home: Path) -> dict[str, Any]:
    """`dg list defs --json`: what the project defines, as the UI's asset graph will show it."""
    listed = run_dg("list", "defs", "--json", cwd=cwd, home=home)
    assert listed.returncode == 0, listed.stderr[-3000:]
    return json.loads(listed.stdout)
