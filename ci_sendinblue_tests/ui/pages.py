"""What a person does in the Dagster UI, as Playwright steps, and what the pages show, read the way the
browser renders it: graph nodes by their boxes, edges by where their SVG paths start and end on screen,
metadata by its table rows, checks by their list entries and icons.

Dagster's CSS class names carry build hashes (``AssetNode_assetNodeBox__07GXM``), so they are matched by
their stable part only; texts and ARIA labels are used wherever the page has them."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from ci_sendinblue_tests.ui.graphql import TERMINAL, run_status

WELCOME_DIALOG = "Join the Dagster community"
RUN_TIMEOUT = 90.0  # one materialization of the sample profiles takes a few seconds; a busy machine more


def dismiss_welcome_dialog(page: Page, wait: float = 10.0) -> list[str]:
    """Click **Skip** on the first-visit dialog ("Join the Dagster community"); return where it was clicked.

    A fresh instance shows it, a little after the first page has loaded, until it is dismissed once. So the
    first page waits up to ``wait`` s for it (a screenshot is not an action and would show it), and a handler
    (which Playwright runs before any action while the dialog covers the page) catches a late one."""
    dismissed: list[str] = []
    dialog = page.get_by_role("dialog").filter(has_text=WELCOME_DIALOG)

    def skip(shown: Locator) -> None:
        shown.get_by_role("button", name="Skip").click()
        dismissed.append(page.url)

    try:
        dialog.wait_for(timeout=wait * 1000)
    except PlaywrightTimeoutError:
        pass  # not shown: this instance's dialog was dismissed before
    else:
        skip(dialog)
        dialog.wait_for(state="hidden")
    page.add_locator_handler(dialog, skip)  # registered after: it would intercept the click above
    return dismissed


# -- the asset graph -----------------------------------------------------------------------------------------


@dataclass
class GraphNode:
    name: str
    links: list[str] = field(default_factory=list)  # /assets/... hrefs inside the node (the checks link)


@dataclass
class RenderedGraph:
    nodes: dict[str, GraphNode]
    edges: set[tuple[str, str]]  # (upstream node name, downstream node name)
    unmatched_edges: list[dict]  # SVG paths that start or end at no node: shown in a failure


# For each asset node box: its name and screen rectangle. For each edge path: its first and last point on
# screen (getPointAtLength through the SVG's screen transform, so zoom and pan do not matter). An edge
# belongs to the node whose right side it leaves and the node whose left side it enters.
_READ_GRAPH = """() => {
  const nodes = [...document.querySelectorAll('[class*="assetNodeBox"]')].map((box) => {
    const rect = box.getBoundingClientRect();
    const name = box.querySelector('[data-tooltip]')?.getAttribute('data-tooltip');
    const links = [...box.querySelectorAll('a[href^="/assets/"]')].map((a) => a.getAttribute('href'));
    return {name, links, left: rect.left, right: rect.right, top: rect.top, bottom: rect.bottom};
  });
  const seen = new Set();
  const edges = [];
  for (const path of document.querySelectorAll('svg path[marker-end]')) {
    const d = path.getAttribute('d');
    if (seen.has(d)) continue;  // a highlighted edge is drawn a second time over the first
    seen.add(d);
    const matrix = path.getScreenCTM();
    const onScreen = (point) => new DOMPoint(point.x, point.y).matrixTransform(matrix);
    const start = onScreen(path.getPointAtLength(0));
    const end = onScreen(path.getPointAtLength(path.getTotalLength()));
    edges.push({start: {x: start.x, y: start.y}, end: {x: end.x, y: end.y}});
  }
  return {nodes, edges};
}"""


_LINKED_NODES_DRAWN = """(names) => {
  const linked = new Set();
  for (const box of document.querySelectorAll('[class*="assetNodeBox"]')) {
    const name = box.querySelector('[data-tooltip]')?.getAttribute('data-tooltip');
    if (name && box.querySelector('a[href^="/assets/"]')) linked.add(name);
  }
  return names.every((name) => linked.has(name));
}"""


def _node_at(nodes: list[dict], x: float, y: float, side: str, tolerance: float) -> str | None:
    """The node whose ``side`` ("left" or "right") is nearest to (x, y), within ``tolerance`` pixels."""
    candidates = [
        (abs(node[side] - x), node["name"])
        for node in nodes
        if node["top"] - tolerance <= y <= node["bottom"] + tolerance and abs(node[side] - x) <= tolerance
    ]
    return min(candidates)[1] if candidates else None


def read_graph(page: Page, linked: Collection[str] = (), tolerance: float = 24.0, wait: float = 30.0) -> RenderedGraph:
    """The graph as drawn, once the nodes named in ``linked`` show their checks' links.

    The UI draws the nodes first and fills in each node's check statuses (and their links) from a second
    query, which lags on a busy machine; reading before it lands would see nodes without links."""
    if linked:
        page.wait_for_function(_LINKED_NODES_DRAWN, arg=sorted(linked), timeout=wait * 1000)
    raw = page.evaluate(_READ_GRAPH)
    nodes = {node["name"]: GraphNode(node["name"], node["links"]) for node in raw["nodes"] if node["name"]}
    edges: set[tuple[str, str]] = set()
    unmatched = []
    for edge in raw["edges"]:
        source = _node_at(raw["nodes"], edge["start"]["x"], edge["start"]["y"], "right", tolerance)
        target = _node_at(raw["nodes"], edge["end"]["x"], edge["end"]["y"], "left", tolerance)
        if source and target:
            edges.add((source, target))
        else:
            unmatched.append(edge)
    return RenderedGraph(nodes, edges, unmatched)


def open_asset_graph(page: Page, url: str) -> None:
    """The global asset lineage with every group unfolded (they start folded when there are several; the
    UI remembers unfolded ones for the next visit)."""
    page.goto(f"{url}/asset-groups")
    folded = page.locator("foreignObject.group", has=page.locator("[aria-label='unfold_more']"))
    nodes = page.locator("[class*='assetNodeBox']")
    folded.or_(nodes).first.wait_for()
    if folded.count():
        while folded.count():
            folded.first.click()
            page.wait_for_timeout(200)
        # The unfolded groups are now in the address; loading it again lays the whole graph out to fit.
        page.reload()
    nodes.first.wait_for()
    page.wait_for_timeout(1000)  # the viewport animates to fit


# -- runs ----------------------------------------------------------------------------------------------------


def click_materialize_all(page: Page) -> str:
    """Click **Materialize all** on the page shown; return the id of the run the UI says it launched."""
    page.get_by_role("button", name="Materialize all").click()
    toast = page.get_by_text(re.compile(r"^Launched run")).first
    toast.wait_for(timeout=30_000)
    short_id = toast.inner_text().split()[-1]
    href = page.locator(f"a[href^='/runs/{short_id}']").first.get_attribute("href")
    assert href, f"the toast for run {short_id} links to no run page"
    return href.removeprefix("/runs/")


def watch_run_until_done(
    page: Page, url: str, run_id: str, log_tail: Callable[[], str], timeout: float = RUN_TIMEOUT
) -> None:
    """Open the run's page and wait until it shows **Success**.

    The API is asked alongside, so a failed run stops the wait at once with the server's log; the assertion
    itself is on what the run page shows."""
    page.goto(f"{url}/runs/{run_id}")
    deadline = time.monotonic() + timeout
    status = run_status(url, run_id)
    while status not in TERMINAL:
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} still {status} after {timeout:.0f} s; log:\n{log_tail()[-4000:]}")
        time.sleep(0.5)
        status = run_status(url, run_id)
    assert status == "SUCCESS", f"run {run_id} ended {status}; log:\n{log_tail()[-4000:]}"
    status_tag = page.locator("div", has=page.locator("[aria-label='run_success']")).filter(has_text="Success")
    expect(status_tag.last).to_be_visible(timeout=20_000)  # the run page polls: it may lag the API


# -- the list asset ------------------------------------------------------------------------------------------


def open_asset(page: Page, url: str, key: list[str], view: str = "overview") -> None:
    page.goto(f"{url}/assets/{'/'.join(key)}?view={view}")


@dataclass(frozen=True)
class MetadataRow:
    key: str
    text: str  # the value as shown
    markdown: bool  # rendered as Markdown
    leads_with_bold: str | None  # the text of a <strong> that opens the Markdown's first paragraph


# The overview's Metadata table is the one headed Key / Timestamp / Value; tBodies[0].rows leaves out the
# rows of tables inside a Markdown value.
_READ_METADATA = """() => {
  const table = [...document.querySelectorAll('table')]
    .find((t) => t.tHead && /^Key\\s+Timestamp\\s+Value/.test(t.tHead.innerText.trim()));
  if (!table || !table.tBodies.length || !table.tBodies[0].rows.length) return null;
  const rows = [...table.tBodies[0].rows];
  // Markdown values are rendered after the table appears: wait until every value shows something.
  if (rows.some((row) => !row.cells[row.cells.length - 1].innerText.trim())) return null;
  return rows.map((row) => {
    const value = row.cells[row.cells.length - 1];
    const markdown = value.querySelector('.dagster-markdown');
    const opening = markdown?.firstElementChild?.firstChild;
    const bold = opening && opening.nodeName === 'STRONG' ? opening.textContent : null;
    return {key: row.cells[0].innerText.trim(), text: value.innerText.trim(), markdown: !!markdown, bold};
  });
}"""


def read_metadata(page: Page, timeout: float = 20.0) -> list[MetadataRow]:
    """The rows of the asset overview's Metadata table, in the order of the latest materialization."""
    handle = page.wait_for_function(_READ_METADATA, timeout=timeout * 1000)
    return [MetadataRow(row["key"], row["text"], row["markdown"], row["bold"]) for row in handle.json_value()]


def read_definition_entry(page: Page, heading: str) -> list[str]:
    """What the asset overview's Definition section shows under ``heading`` (Group, Owners, Kinds), a line
    each. Dagster shows a team owner by its name alone: ``team:marketing`` as ``marketing``."""
    entry = page.get_by_text(heading, exact=True).locator("xpath=..")
    expect(entry).to_be_visible()
    return entry.inner_text().splitlines()[1:]


@dataclass(frozen=True)
class CheckEntry:
    status: str  # the word under the name: Succeeded, Failed, ...
    icon: str  # check_circle (passed), warning_outline (failed, WARN severity), ...


def read_check_entry(page: Page, check_name: str, timeout: float = 10.0) -> CheckEntry:
    """A check's entry in the Checks tab's list: its status word and icon."""
    row = page.locator("[class*='checkRow']").filter(has=page.locator(f"[title='{check_name}']"))
    expect(row).to_have_count(1, timeout=timeout * 1000)
    status = row.locator("span span").last.inner_text().strip()
    icon = row.locator("[role=img]").first.get_attribute("aria-label") or ""
    return CheckEntry(status=status, icon=icon)


def select_check(page: Page, check_name: str) -> None:
    """Click a check in the list, which opens its latest execution (description, result) beside it."""
    page.locator("[class*='checkRow']").filter(has=page.locator(f"[title='{check_name}']")).click()
    expect(page.get_by_text("Latest execution", exact=True)).to_be_visible()


def wait_for_checks_tab(page: Page) -> None:
    """The Checks tab has loaded: its list ("Checks (3)") or the notice that the asset has none."""
    listed = page.get_by_text(re.compile(r"^Checks \(\d+\)$"))
    expect(listed.or_(page.get_by_text("No checks defined")).first).to_be_visible()
