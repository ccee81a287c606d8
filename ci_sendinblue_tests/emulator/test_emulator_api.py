"""Auth, account, lists, attributes, list contacts, add/remove and createContact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

from .helpers import MakeClient, complete, import_json, members


def test_missing_api_key_is_unauthorized(client: TestClient) -> None:
    response = client.get("/v3/account", headers={"api-key": ""})
    assert response.status_code == 401
    assert response.json() == {"code": "unauthorized", "message": "Key not found"}


def test_wrong_api_key_is_unauthorized(client: TestClient) -> None:
    assert client.get("/v3/contacts/lists", headers={"api-key": "other"}).status_code == 401


def test_account_answers(client: TestClient) -> None:
    response = client.get("/v3/account")
    assert response.status_code == 200
    assert "email" in response.json()


def test_lists_are_listed_with_count(make_client: MakeClient) -> None:
    client = make_client(lists={12: "Newsletter", 13: "Promos"})
    body = client.get("/v3/contacts/lists", params={"sort": "asc"}).json()
    assert [(x["id"], x["name"]) for x in body["lists"]] == [(12, "Newsletter"), (13, "Promos")]
    assert body["count"] == 2


def test_lists_limit_over_50_is_invalid(client: TestClient) -> None:
    response = client.get("/v3/contacts/lists", params={"limit": 51})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"


def test_created_list_gets_a_new_id(client: TestClient) -> None:
    response = client.post("/v3/contacts/lists", json={"name": "Promos", "folderId": 1})
    assert response.status_code == 201
    assert client.get(f"/v3/contacts/lists/{response.json()['id']}").json()["name"] == "Promos"


def test_create_list_without_folder_is_missing_parameter(client: TestClient) -> None:
    response = client.post("/v3/contacts/lists", json={"name": "Promos"})
    assert response.json()["code"] == "missing_parameter"


def test_unknown_list_is_document_not_found(client: TestClient) -> None:
    response = client.get("/v3/contacts/lists/99")
    assert response.status_code == 404
    assert response.json() == {"code": "document_not_found", "message": "List ID does not exist"}


def test_list_counts_its_subscribers(client: TestClient) -> None:
    import_json(client, [{"email": "ann@example.com"}, {"email": "bob@example.com"}], [12])
    complete(client)
    body = client.get("/v3/contacts/lists/12").json()
    assert (body["uniqueSubscribers"], body["totalSubscribers"], body["totalBlacklisted"]) == (2, 2, 0)


def test_default_attributes_are_firstname_lastname_sms(client: TestClient) -> None:
    assert client.get("/v3/contacts/attributes").json() == {
        "attributes": [
            {"name": "FIRSTNAME", "category": "normal", "type": "text"},
            {"name": "LASTNAME", "category": "normal", "type": "text"},
            {"name": "SMS", "category": "normal", "type": "text"},
        ]
    }


def test_attributes_follow_the_account_language(make_client: MakeClient) -> None:
    client = make_client(attributes=("PRENOM", "NOM", "SMS"))
    names = [a["name"] for a in client.get("/v3/contacts/attributes").json()["attributes"]]
    assert names == ["PRENOM", "NOM", "SMS"]


def test_list_contacts_are_paged_with_total_count(client: TestClient) -> None:
    import_json(client, [{"email": f"c{i}@example.com"} for i in range(5)], [12])
    complete(client)
    body = client.get("/v3/contacts/lists/12/contacts", params={"limit": 2, "offset": 1, "sort": "asc"}).json()
    assert [c["email"] for c in body["contacts"]] == ["c1@example.com", "c2@example.com"]
    assert body["count"] == 5


def test_list_contacts_carry_brevo_contact_fields(client: TestClient) -> None:
    import_json(client, [{"email": "ann@example.com", "attributes": {"LASTNAME": "Lee"}}], [12])
    complete(client)
    contact = client.get("/v3/contacts/lists/12/contacts").json()["contacts"][0]
    assert set(contact) == {
        "email", "id", "emailBlacklisted", "smsBlacklisted", "createdAt", "modifiedAt", "listIds", "attributes"
    }  # fmt: skip
    assert (contact["listIds"], contact["attributes"]) == ([12], {"LASTNAME": "Lee"})


def test_list_contacts_limit_over_500_is_invalid(client: TestClient) -> None:
    assert client.get("/v3/contacts/lists/12/contacts", params={"limit": 501}).status_code == 400


def test_list_contacts_filter_on_modified_since(client: TestClient) -> None:
    import_json(client, [{"email": "ann@example.com"}], [12])
    complete(client)
    future = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    assert client.get("/v3/contacts/lists/12/contacts", params={"modifiedSince": future}).json()["count"] == 0
    assert client.get("/v3/contacts/lists/12/contacts", params={"modifiedSince": past}).json()["count"] == 1


def test_add_only_works_for_existing_contacts(make_client: MakeClient) -> None:
    client = make_client(lists={12: "Newsletter", 13: "Promos"})
    import_json(client, [{"email": "ann@example.com"}], [12])
    complete(client)
    response = client.post("/v3/contacts/lists/13/contacts/add", json={"emails": ["ann@example.com", "x@example.com"]})
    assert response.status_code == 201
    assert response.json() == {"contacts": {"success": ["ann@example.com"], "failure": ["x@example.com"]}}
    assert [m["email"] for m in members(client, 13)] == ["ann@example.com"]


def test_add_by_id_works_only_for_ids_of_existing_contacts(make_client: MakeClient) -> None:
    client = make_client(lists={12: "Newsletter", 13: "Promos"})
    import_json(client, [{"email": "ann@example.com"}, {"email": "bob@example.com"}], [12])
    complete(client)
    response = client.post("/v3/contacts/lists/13/contacts/add", json={"ids": [2, 0, -1, 3]})
    assert response.json() == {"contacts": {"success": [2], "failure": [0, -1, 3]}}
    assert [m["email"] for m in members(client, 13)] == ["bob@example.com"]


def test_remove_all_leaves_the_contacts_in_their_other_lists(make_client: MakeClient) -> None:
    client = make_client(lists={12: "Newsletter", 13: "Promos"})
    import_json(client, [{"email": "ann@example.com"}], [12, 13])
    client.post("/v3/contacts/lists/12/contacts/remove", json={"all": True})
    complete(client)
    assert [(c["email"], c["listIds"]) for c in client.get("/_emulator/contacts").json()] == [("ann@example.com", [13])]
    assert client.get("/v3/contacts/lists/12").json()["uniqueSubscribers"] == 0


def test_add_more_than_150_emails_is_invalid(client: TestClient) -> None:
    emails = [f"c{i}@example.com" for i in range(151)]
    response = client.post("/v3/contacts/lists/12/contacts/add", json={"emails": emails})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"


def test_add_no_emails_is_invalid(client: TestClient) -> None:
    assert client.post("/v3/contacts/lists/12/contacts/add", json={"emails": []}).status_code == 400


def test_add_to_unknown_list_is_not_found(client: TestClient) -> None:
    response = client.post("/v3/contacts/lists/99/contacts/add", json={"emails": ["a@example.com"]})
    assert response.status_code == 404


def test_remove_takes_contacts_out_of_the_list(client: TestClient) -> None:
    import_json(client, [{"email": "ann@example.com"}, {"email": "bob@example.com"}], [12])
    complete(client)
    response = client.post("/v3/contacts/lists/12/contacts/remove", json={"emails": ["ANN@example.com"]})
    assert response.json() == {"contacts": {"success": ["ANN@example.com"], "failure": []}}
    assert [m["email"] for m in members(client, 12)] == ["bob@example.com"]


def test_remove_all_empties_the_list_through_a_process(client: TestClient) -> None:
    import_json(client, [{"email": "ann@example.com"}, {"email": "bob@example.com"}], [12])
    complete(client)
    response = client.post("/v3/contacts/lists/12/contacts/remove", json={"all": True})
    assert response.status_code == 201
    assert response.json()["contacts"]["total"] == 2
    complete(client)
    assert members(client, 12) == []


def test_create_contact_answers_its_id(client: TestClient) -> None:
    response = client.post(
        "/v3/contacts", json={"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann"}, "listIds": [12]}
    )
    assert response.status_code == 201
    assert isinstance(response.json()["id"], int)
    assert members(client, 12) == [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann"}}]


def test_create_existing_contact_is_duplicate_parameter(client: TestClient) -> None:
    client.post("/v3/contacts", json={"email": "ann@example.com"})
    response = client.post("/v3/contacts", json={"email": "Ann@example.com"})
    assert response.status_code == 400
    assert response.json()["code"] == "duplicate_parameter"


def test_create_existing_contact_with_update_enabled_updates_it(client: TestClient) -> None:
    client.post("/v3/contacts", json={"email": "ann@example.com"})
    response = client.post(
        "/v3/contacts",
        json={"email": "ann@example.com", "attributes": {"LASTNAME": "Lee"}, "listIds": [12], "updateEnabled": True},
    )
    assert response.status_code == 204
    assert members(client, 12) == [{"email": "ann@example.com", "attributes": {"LASTNAME": "Lee"}}]


def test_unknown_route_is_not_found_and_wrong_method_not_allowed(client: TestClient) -> None:
    assert client.get("/v3/nope").status_code == 404
    response = client.delete("/v3/contacts/import")
    assert (response.status_code, response.json()["code"]) == (405, "method_not_allowed")


def test_requests_are_counted_per_route_template(client: TestClient) -> None:
    client.get("/v3/contacts/lists/12")
    client.get("/v3/contacts/lists/99")
    assert client.get("/_emulator/requests").json() == {"GET /contacts/lists/{listId}": 2}


def test_reset_clears_contacts_and_can_replace_lists(client: TestClient) -> None:
    import_json(client, [{"email": "ann@example.com"}], [12])
    complete(client)
    client.post("/_emulator/reset", json={"lists": {"7": "Fresh"}}).raise_for_status()
    assert client.get("/_emulator/contacts").json() == []
    assert [x["id"] for x in client.get("/v3/contacts/lists").json()["lists"]] == [7]
