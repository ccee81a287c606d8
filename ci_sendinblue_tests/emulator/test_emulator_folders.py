"""Folders of lists: a fresh account's first folder, creating folders, and lists that need one."""

from __future__ import annotations

from starlette.testclient import TestClient

from .helpers import complete, import_json


def test_a_fresh_account_has_its_first_folder(client: TestClient) -> None:
    body = client.get("/v3/contacts/folders").json()
    assert body["count"] == 1
    assert body["folders"][0] == {
        "id": 1, "name": "Your first folder", "totalBlacklisted": 0, "totalSubscribers": 0, "uniqueSubscribers": 0
    }  # fmt: skip


def test_created_folders_are_listed_newest_first_and_paged(client: TestClient) -> None:
    assert client.post("/v3/contacts/folders", json={"name": "Marketing"}).json() == {"id": 2}
    client.post("/v3/contacts/folders", json={"name": "Sales"})
    names = [f["name"] for f in client.get("/v3/contacts/folders").json()["folders"]]
    assert names == ["Sales", "Marketing", "Your first folder"]
    page = client.get("/v3/contacts/folders", params={"limit": 1, "offset": 1, "sort": "asc"}).json()
    assert ([f["name"] for f in page["folders"]], page["count"]) == (["Marketing"], 3)


def test_folder_limit_over_50_is_invalid(client: TestClient) -> None:
    assert client.get("/v3/contacts/folders", params={"limit": 51}).status_code == 400


def test_create_folder_requires_a_name(client: TestClient) -> None:
    response = client.post("/v3/contacts/folders", json={})
    assert (response.status_code, response.json()["code"]) == (400, "missing_parameter")


def test_folder_counts_each_contact_of_its_lists_once(client: TestClient) -> None:
    client.post("/v3/contacts/lists", json={"name": "Promos", "folderId": 1})
    import_json(client, [{"email": "ann@example.com"}, {"email": "bob@example.com"}], [12, 13])
    complete(client)
    client.post("/_emulator/contacts/blocklist", json={"emails": ["bob@example.com"]})
    folder = client.get("/v3/contacts/folders").json()["folders"][0]
    assert (folder["uniqueSubscribers"], folder["totalSubscribers"], folder["totalBlacklisted"]) == (2, 1, 1)


def test_a_list_needs_an_existing_folder(client: TestClient) -> None:
    response = client.post("/v3/contacts/lists", json={"name": "Promos", "folderId": 7})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_parameter")
    assert "Folder ID 7" in response.json()["message"]
    folder_id = client.post("/v3/contacts/folders", json={"name": "Marketing"}).json()["id"]
    list_id = client.post("/v3/contacts/lists", json={"name": "Promos", "folderId": folder_id}).json()["id"]
    listed = {x["id"]: x["folderId"] for x in client.get("/v3/contacts/lists").json()["lists"]}
    assert listed == {12: 1, list_id: folder_id}


def test_an_import_into_a_new_list_needs_an_existing_folder(client: TestClient) -> None:
    body = {"jsonBody": [{"email": "a@example.com"}], "newList": {"listName": "Fresh", "folderId": 9}}
    assert client.post("/v3/contacts/import", json=body).status_code == 400


def test_two_lists_may_share_a_name(client: TestClient) -> None:
    first = client.post("/v3/contacts/lists", json={"name": "Newsletter", "folderId": 1})
    assert first.status_code == 201
    names = [x["name"] for x in client.get("/v3/contacts/lists").json()["lists"]]
    assert names.count("Newsletter") == 2


def test_folder_lists_are_the_folders_own(client: TestClient) -> None:
    folder_id = client.post("/v3/contacts/folders", json={"name": "Marketing"}).json()["id"]
    client.post("/v3/contacts/lists", json={"name": "Promos", "folderId": folder_id})
    client.post("/v3/contacts/lists", json={"name": "Leads", "folderId": folder_id})
    body = client.get(f"/v3/contacts/folders/{folder_id}/lists", params={"sort": "asc"}).json()
    assert ([x["name"] for x in body["lists"]], body["count"]) == (["Promos", "Leads"], 2)
    assert [x["id"] for x in client.get("/v3/contacts/folders/1/lists").json()["lists"]] == [12]


def test_lists_of_an_unknown_folder_are_not_found(client: TestClient) -> None:
    assert client.get("/v3/contacts/folders/9/lists").status_code == 404


def test_inspection_creates_folders_and_lists_in_them(client: TestClient) -> None:
    assert client.post("/_emulator/folders", json={"id": 5, "name": "Marketing"}).status_code == 201
    assert client.post("/_emulator/lists", json={"id": 40, "name": "Promos", "folderId": 5}).status_code == 201
    assert client.post("/_emulator/lists", json={"id": 41, "name": "X", "folderId": 6}).status_code == 400
    assert [x["id"] for x in client.get("/v3/contacts/folders/5/lists").json()["lists"]] == [40]


def test_a_reset_with_lists_leaves_only_the_first_folder(client: TestClient) -> None:
    client.post("/v3/contacts/folders", json={"name": "Marketing"})
    client.post("/_emulator/reset", json={"lists": {"12": "Newsletter"}}).raise_for_status()
    assert [f["id"] for f in client.get("/v3/contacts/folders").json()["folders"]] == [1]
