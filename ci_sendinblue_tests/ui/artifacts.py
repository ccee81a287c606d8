"""Screenshots of the UI test: kept in test-artifacts/ui/ (gitignored) for whoever reads a test report, and
copied to docs/ui/ (committed, shown in the README) when CI_SENDINBLUE_UPDATE_SCREENSHOTS=1."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.sync_api import Page

from ci_sendinblue_tests.ui.stack import ROOT

ARTIFACTS = ROOT / "test-artifacts" / "ui"
DOCS = ROOT / "docs" / "ui"
UPDATE_DOCS = "CI_SENDINBLUE_UPDATE_SCREENSHOTS"
SAVED: list[Path] = []  # listed at the end of the test session (conftest's pytest_terminal_summary)


def save_screenshot(page: Page, name: str, documented: bool = True) -> Path:
    """``test-artifacts/ui/<name>.png``; also ``docs/ui/<name>.png`` when CI_SENDINBLUE_UPDATE_SCREENSHOTS=1,
    for the ``documented`` ones (those the README shows)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path)
    SAVED.append(path)
    if documented and os.environ.get(UPDATE_DOCS) == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / path.name)
        SAVED.append(DOCS / path.name)
    return path
