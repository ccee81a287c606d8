"""The Dagster UI in a real browser (Debian's Chromium via Playwright), as a person uses it: the asset
graph shows profiles → segments → list, **Materialize all** fills the emulator's list, the list asset's page
shows its Markdown summary first, its owners and its three checks, the sync check passing, and a list
emptied behind the project's back is found and repaired by the next run: the check fails with WARN severity
(drift is never green) and says "repaired", while the run succeeds and the list holds its members again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ci_sendinblue_tests.ui.artifacts import save_screenshot
from ci_sendinblue_tests.ui.graphql import latest_check_execution
from ci_sendinblue_tests.ui.pages import (
    CheckEntry,
    click_materialize_all,
    dismiss_welcome_dialog,
    open_asset,
    open_asset_graph,
    read_check_entry,
    read_definition_entry,
    read_graph,
    read_metadata,
    select_check,
    wait_for_checks_tab,
    watch_run_until_done,
)
from ci_sendinblue_tests.ui.stack import UiStack

pytestmark = [pytest.mark.ui, pytest.mark.e2e]

LIST = ["sendinblue", "newsletter"]
SYNC_CHECK = "list_matches_sync_state"
LIST_CHECKS = (SYNC_CHECK, "refused_share_within_threshold", "members_within_cap")
NODES = {
    "customer_profiles": "/assets/customer_profiles",
    "seattle_high_value": "/assets/segments/seattle_high_value",
    "loyal_members": "/assets/segments/loyal_members",
    "newsletter": "/assets/sendinblue/newsletter",
}
CHECKED_NODES = ("customer_profiles", "seattle_high_value", "loyal_members")  # assets with checks
EDGES = {
    ("customer_profiles", "seattle_high_value"),
    ("customer_profiles", "loyal_members"),
    ("seattle_high_value", "newsletter"),
    ("loyal_members", "newsletter"),
}


@dataclass(frozen=True)
class FirstRun:
    run_id: str
    members: list[dict[str, Any]]


@pytest.fixture(scope="module")
def graph_page(stack: UiStack, page: Page) -> Page:
    """The asset graph, opened once: the first page a fresh instance serves, so its welcome dialog is
    dismissed here."""
    page.goto(stack.url)
    dismiss_welcome_dialog(page)
    open_asset_graph(page, stack.url)
    return page


@pytest.fixture(scope="module")
def first_run(stack: UiStack, graph_page: Page) -> FirstRun:
    """**Materialize all** clicked on the graph, and the run watched on its page until it succeeded."""
    open_asset_graph(graph_page, stack.url)
    run_id = click_materialize_all(graph_page)
    watch_run_until_done(graph_page, stack.url, run_id, stack.log)
    return FirstRun(run_id, stack.members())


def test_the_graph_shows_profiles_feeding_segments_feeding_the_list(stack: UiStack, graph_page: Page):
    graph = read_graph(graph_page, linked=CHECKED_NODES)
    save_screenshot(graph_page, "graph")
    assert set(NODES) <= set(graph.nodes), f"nodes drawn: {sorted(graph.nodes)}"
    assert graph.edges == EDGES, f"edges drawn: {sorted(graph.edges)}; not at a node: {graph.unmatched_edges}"
    for name, key_path in NODES.items():
        for link in graph.nodes[name].links:  # each node links to its asset's checks, under its asset key
            assert link.split("?")[0] == key_path, f"{name} links to {link}"
    linked = {name for name in NODES if graph.nodes[name].links}
    assert set(CHECKED_NODES) <= linked


def test_materialize_all_fills_the_list(stack: UiStack, first_run: FirstRun):
    assert len(first_run.members) > 700, "the sample profiles put 761 contacts in list 12"


def test_the_list_asset_shows_its_summary_and_a_passing_sync_check(stack: UiStack, page: Page, first_run: FirstRun):
    open_asset(page, stack.url, LIST)
    expect(page.get_by_text("Latest materialization")).to_be_visible()
    metadata = read_metadata(page)
    assert read_definition_entry(page, "Owners") == ["marketing"], "team:marketing, the export's owners"
    # The metadata (the summary first) at the top of the screenshot, rather than the column schema.
    page.get_by_text("Metadata", exact=True).first.evaluate("heading => heading.scrollIntoView({block: 'start'})")
    save_screenshot(page, "list_asset")
    open_asset(page, stack.url, LIST, view="checks")
    wait_for_checks_tab(page)
    save_screenshot(page, "checks")

    summary = metadata[0]  # summary listed first, Markdown, opening with **newsletter**
    assert (summary.key, summary.markdown, summary.leads_with_bold) == ("summary", True, "newsletter"), metadata
    assert summary.text.startswith("newsletter") and "now holds" in summary.text
    entries = {name: read_check_entry(page, name) for name in LIST_CHECKS}  # the three checks
    assert entries[SYNC_CHECK] == CheckEntry("Succeeded", "check_circle"), entries
    select_check(page, SYNC_CHECK)
    save_screenshot(page, "checks")  # again, with the check's latest execution opened beside the list
    execution = latest_check_execution(stack.url, LIST, SYNC_CHECK)
    assert execution is not None and execution.run_id == first_run.run_id and execution.passed


def test_a_list_emptied_behind_its_back_is_found_and_repaired(stack: UiStack, page: Page, first_run: FirstRun):
    stack.reset_list()
    assert stack.members() == []
    open_asset_graph(page, stack.url)
    run_id = click_materialize_all(page)
    watch_run_until_done(page, stack.url, run_id, stack.log)  # the run succeeds, drift or not
    open_asset(page, stack.url, LIST, view="checks")
    wait_for_checks_tab(page)
    save_screenshot(page, "checks_after_drift", documented=False)

    execution = latest_check_execution(stack.url, LIST, SYNC_CHECK)
    assert execution is not None and execution.run_id == run_id, "this run must evaluate the check again"
    # drift found (failed with WARN severity: never green when drift was found) and repaired
    assert (execution.passed, execution.severity) == (False, "WARN"), execution
    assert "repaired" in (execution.description or ""), execution
    assert read_check_entry(page, SYNC_CHECK) == CheckEntry("Failed", "warning_outline")
    select_check(page, SYNC_CHECK)
    expect(page.get_by_text("repaired", exact=False).first).to_be_visible()
    save_screenshot(page, "checks_after_drift", documented=False)
    assert stack.members() == first_run.members  # the list holds its members again
