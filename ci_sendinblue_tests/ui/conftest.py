"""Fixtures of the UI test: Debian's Chromium (the test is skipped, saying why, only when there is none),
one emulator + ``dagster dev`` stack for the module, one browser page, and screenshots kept as artifacts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from ci_sendinblue_tests.ui.artifacts import SAVED
from ci_sendinblue_tests.ui.stack import UiStack, chromium_executable, ui_stack


@pytest.fixture(scope="module")
def chromium() -> str:
    executable = chromium_executable()
    if executable is None:
        pytest.skip(
            "Chromium not found: apt-get install chromium (Debian's package; .ci/run does it), "
            "or name it in CI_SENDINBLUE_CHROMIUM. Playwright's own browser download is never used."
        )
    return executable


@pytest.fixture(scope="module")
def stack(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiStack]:
    with ui_stack(tmp_path_factory.mktemp("ui")) as running:
        yield running


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=["--headless=new", "--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    """One page for the module, as one person would click through; times shown in UTC for the screenshots."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say where the screenshots are, whether the tests passed or not."""
    if SAVED:
        terminalreporter.write_sep("-", "UI screenshots")
        for path in dict.fromkeys(SAVED):
            terminalreporter.write_line(str(path))
