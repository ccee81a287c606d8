"""The README's first command: the demo exports the bundled profiles to its own emulator and says so."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from ci_sendinblue.config.loading import load_settings
from ci_sendinblue.demo import run_demo
from ci_sendinblue_tests.helpers import base_config

pytestmark = pytest.mark.e2e


def test_the_demo_exports_the_sample_profiles_and_reports_the_list():
    completed = subprocess.run(
        [sys.executable, "-m", "ci_sendinblue.cli", "demo"], capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = completed.stdout
    sent = int(re.search(r"newsletter -> list 12: (\d+) sent", report).group(1))
    in_list = int(re.search(r"members now in the list: (\d+)", report).group(1))
    assert sent == in_list > 0
    assert (
        "checks: list_matches_sync_state passed, refused_share_within_threshold passed, "
        "unconvertible_values_within_threshold passed, members_within_cap passed" in report
    )
    assert "Result: success" in report
    assert "@" in report and not re.search(r"[a-z0-9]{2,}@example\.", report), "emails must be masked"


def test_the_demo_holds_the_lists_exports_name_by_name(write_project):
    config = base_config()
    export = config["exports"]["newsletter"]
    del export["list_id"]
    export["list"] = {"name": "Spring leads", "folder": "Marketing"}
    result = run_demo(load_settings(write_project(config)))
    assert result.success, result.report
    assert re.search(r"newsletter -> list \d+: 3 sent", result.report)
    assert "members now in the list: 3" in result.report
