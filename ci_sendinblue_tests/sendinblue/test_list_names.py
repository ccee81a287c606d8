"""Finding an export's list by name: exact names, folders, ambiguity, and creation that never makes two lists.

Brevo's answers come from a small in-test account behind ``httpx.MockTransport`` (the shapes of
``GET /contacts/lists``, ``GET /contacts/folders`` and their ``POST``s); the same behaviours run over HTTP
against the emulator in ``e2e/test_lists_by_name.py``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

import httpx
import pytest

from ci_sendinblue.config.models import ListByName
from ci_sendinblue.sendinblue.client import BrevoClient
from ci_sendinblue.sendinblue.errors import ListNameAmbiguous, ListNameNotFound
from ci_sendinblue.sendinblue.list_names import resolve_list
from ci_sendinblue.sendinblue.policies import RetryPolicy

LOG = logging.getLogger(__name__)
FAST = RetryPolicy(attempts=2, timeout=5, wait_initial=0.001, wait_max=0.01, wait_jitter=0)


@dataclass
class Account:
    """Lists (id → name, folder id) and folders (id → name) as Brevo pages them, 50 at most per page."""

    folders: dict[int, str] = field(default_factory=lambda: {1: "Your first folder"})
    lists: dict[int, tuple[str, int]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    also_created_by_another_run: bool = False

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v3")
        self.requests.append(f"{request.method} {path}")
        if request.method == "GET":
            limit, offset = int(request.url.params["limit"]), int(request.url.params["offset"])
            assert limit <= 50
            if path == "/contacts/lists":
                items = [{"id": i, "name": n, "folderId": f} for i, (n, f) in sorted(self.lists.items())]
                return httpx.Response(200, json={"lists": items[offset : offset + limit], "count": len(items)})
            items = [{"id": i, "name": n} for i, n in sorted(self.folders.items())]
            return httpx.Response(200, json={"folders": items[offset : offset + limit], "count": len(items)})
        body = json.loads(request.content)
        if path == "/contacts/folders":
            self.folders[new := max(self.folders, default=0) + 1] = body["name"]
            return httpx.Response(201, json={"id": new})
        if self.also_created_by_another_run:
            self.lists[max(self.lists, default=0) + 1] = (body["name"], body["folderId"])
        self.lists[new := max(self.lists, default=0) + 1] = (body["name"], body["folderId"])
        return httpx.Response(201, json={"id": new})

    def client(self) -> BrevoClient:
        return BrevoClient("http://brevo.test/v3", "key", retry=FAST, transport=httpx.MockTransport(self.handle))

    def posts(self) -> list[str]:
        return [r for r in self.requests if r.startswith("POST")]


def resolve(account: Account, wanted: ListByName, *, may_create: bool = True):
    return resolve_list(account.client(), wanted, export_name="leads", may_create=may_create, log=LOG)


def test_a_name_is_found_beyond_the_first_page_of_lists():
    account = Account(lists={i: (f"List {i}", 1) for i in range(1, 121)})
    assert resolve(account, ListByName(name="List 117")).list_id == 117
    assert account.requests.count("GET /contacts/lists") == 3


def test_the_name_must_match_exactly_and_a_near_miss_in_case_is_pointed_out():
    account = Account(lists={4: ("newsletter", 1)})
    with pytest.raises(ListNameNotFound) as raised:
        resolve(account, ListByName(name="Newsletter"))
    message = str(raised.value)
    assert "export 'leads': no Brevo list named 'Newsletter'" in message
    assert "id 4 'newsletter' in folder 'Your first folder'" in message
    assert "exports.leads.list.create_if_missing: true" in message


def test_a_missing_list_names_its_folder_and_creates_nothing_without_create_if_missing():
    account = Account(folders={1: "Marketing"})
    with pytest.raises(ListNameNotFound, match="no Brevo list named 'Leads' in folder 'Marketing'"):
        resolve(account, ListByName(name="Leads", folder="Marketing"))
    assert account.posts() == []


def test_the_folder_picks_one_of_two_lists_of_the_same_name():
    account = Account(folders={1: "Marketing", 2: "Sales"}, lists={5: ("Leads", 1), 9: ("Leads", 2)})
    assert resolve(account, ListByName(name="Leads", folder="Sales")).list_id == 9


def test_an_ambiguous_name_lists_every_candidate_with_id_and_folder():
    account = Account(folders={1: "Marketing", 2: "Sales"}, lists={5: ("Leads", 1), 9: ("Leads", 2)})
    with pytest.raises(ListNameAmbiguous) as raised:
        resolve(account, ListByName(name="Leads"))
    message = str(raised.value)
    assert "2 Brevo lists are named 'Leads'" in message
    assert "id 5 'Leads' in folder 'Marketing'; id 9 'Leads' in folder 'Sales'" in message
    assert "exports.leads.list.folder" in message


def test_a_missing_list_is_created_with_its_missing_folder():
    account = Account()
    found = resolve(account, ListByName(name="Leads", folder="Campaign 7", create_if_missing=True))
    assert (found.created, found.folder_created) == (True, True)
    assert account.folders[2] == "Campaign 7"
    assert account.lists[found.list_id] == ("Leads", 2)
    assert account.posts() == ["POST /contacts/folders", "POST /contacts/lists"]


def test_a_list_is_created_in_the_existing_folder_and_a_second_run_finds_it_instead_of_creating_another():
    account = Account(folders={1: "Marketing"})
    wanted = ListByName(name="Leads", folder="Marketing", create_if_missing=True)
    first = resolve(account, wanted)
    second = resolve(account, wanted)
    assert account.posts() == ["POST /contacts/lists"]
    assert (second.list_id, second.created) == (first.list_id, False)
    assert len(account.lists) == 1


def test_a_dry_run_creates_nothing():
    account = Account(folders={1: "Marketing"})
    assert (
        resolve(account, ListByName(name="Leads", folder="Marketing", create_if_missing=True), may_create=False) is None
    )
    assert account.posts() == []


def test_a_list_created_twice_at_once_is_reported_instead_of_written_to_silently():
    account = Account(folders={1: "Marketing"}, also_created_by_another_run=True)
    with pytest.raises(ListNameAmbiguous, match="another run created the list at the same time") as raised:
        resolve(account, ListByName(name="Leads", folder="Marketing", create_if_missing=True))
    assert "id 1 'Leads' in folder 'Marketing'; id 2 'Leads' in folder 'Marketing'" in str(raised.value)


def test_two_folders_of_the_creation_folder_name_are_refused_before_creating():
    account = Account(folders={1: "Marketing", 2: "Marketing"})
    with pytest.raises(ListNameAmbiguous, match="2 folders named 'Marketing' \\(ids 1, 2\\)"):
        resolve(account, ListByName(name="Leads", folder="Marketing", create_if_missing=True))
    assert account.posts() == []
