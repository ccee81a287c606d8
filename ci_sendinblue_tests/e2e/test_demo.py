"""The README's first command: the demo exports the bundled profiles to its own emulator and says so."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

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
        "checks: list_matches_sync_state passed, refused_share_within_threshold passed, members_within_cap passed"
        in report
    )
    assert "Result: success" in report
    assert "@" in report and not re.search(r"[a-z0-9]{2,}@example\.", report), "emails must be masked"
