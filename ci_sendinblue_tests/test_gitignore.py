"""What ``dagster dev`` writes into DAGSTER_HOME (the project root for ``./dev ui``), what the UI writes
when its first-visit dialog is dismissed (.nux/), and the UI test's screenshots stay out of git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ci_sendinblue.demo import project_root

ROOT = project_root(Path(__file__).parent)
pytestmark = pytest.mark.skipif(not (ROOT / ".git").exists(), reason="not a git checkout: nothing to ignore")


@pytest.mark.parametrize(
    "leftover",
    [
        ".nux/nux.yaml",
        ".logs_queue/x",
        ".telemetry/id.yaml",
        "logs/event.log",
        "storage/runs.db",
        "history/runs.db",
        "schedules/schedules.db",
        ".dagster_home/storage/x",
        "test-artifacts/ui/graph.png",
    ],
)
def test_what_dagster_and_the_ui_test_leave_in_the_project_root_is_ignored(leftover):
    ignored = subprocess.run(["git", "check-ignore", "--no-index", "-q", leftover], cwd=ROOT, check=False)
    assert ignored.returncode == 0, f"{leftover} is not in .gitignore"
