"""POST /contacts/import and GET /processes/{id}: Brevo's upsert semantics, applied when the process ends."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from .helpers import FakeClock, MakeClient, complete, import_json, members


def test_import_is_applied_only_when_its_process_completes(client: TestClient, clock: FakeClock) -> None:
    import_json(client, [{"email": "ann@example.com"}], [12])
    assert members(client, 12) == []
    clock.advance(10)
    assert members(client, 12) == [{"email": "ann@example.com", "attributes": {}}]


def test_process_goes_queued_then_in_process_then_completed(client: TestClient, clock: FakeClock) -> None:
    process_id = import_json(client, [{"email": "ann@example.com"}], [12])
    statuses = []
    for _ in range(3):
        statuses.append(client.get(f"/v3/processes/{process_id}").json()["status"])
        clock.advance(5)
    assert statuses == ["queued", "in_process", "completed"]


def test_completed_process_reports_import_counters(client: TestClient) -> None:
    import_json(client, [{"email": "ann@example.com"}], [12])
    complete(client)
    process_id = import_json(client, [{"email": "ann@example.com"}, {"email": "bob@example.com"}], [12])
    complete(client)
    body = client.get(f"/v3/processes/{process_id}").json()
    assert body["name"] == "IMPORTUSER"
    assert body["info"]["import"] == {
        "invalid_emails": 0,
        "duplicate_email_id": 0,
        "duplicate_phone_id": 0,
        "new_contacts": 1,
        "updated_contacts": 1,
    }


def test_unknown_process_is_document_not_found(client: TestClient) -> None:
    response = client.get("/v3/processes/999")
    assert response.status_code == 404
    assert response.json()["code"] == "document_not_found"


def test_csv_file_body_is_semicolon_separated_with_quoted_fields(client: TestClient) -> None:
    csv_body = 'EMAIL;FIRSTNAME;LASTNAME\nann@example.com;"Ann; Jr";Lee\n'
    response = client.post("/v3/contacts/import", json={"fileBody": csv_body, "listIds": [12]})
    assert response.status_code == 202
    complete(client)
    assert members(client, 12) == [
        {"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann; Jr", "LASTNAME": "Lee"}}
    ]


def test_emails_are_case_insensitive_and_stored_lower_case(client: TestClient) -> None:
    import_json(client, [{"email": "Ann@Example.COM", "attributes": {"FIRSTNAME": "A"}}], [12])
    import_json(client, [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "B"}}], [12])
    complete(client)
    assert members(client, 12) == [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "B"}}]


def test_attributes_unknown_to_the_account_are_ignored(client: TestClient) -> None:
    import_json(client, [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann", "SHOE": 42}}], [12])
    complete(client)
    assert members(client, 12)[0]["attributes"] == {"FIRSTNAME": "Ann"}


def test_invalid_emails_are_counted_and_not_imported(client: TestClient) -> None:
    rows = [{"email": "not-an-email"}, {"email": ""}, {"attributes": {}}, {"email": "ann@example.com"}]
    process_id = import_json(client, rows, [12])
    complete(client)
    assert client.get(f"/v3/processes/{process_id}").json()["info"]["import"]["invalid_emails"] == 3
    assert [m["email"] for m in members(client, 12)] == ["ann@example.com"]


def test_duplicate_emails_are_counted_and_the_last_one_wins(client: TestClient) -> None:
    rows = [
        {"email": "ann@example.com", "attributes": {"FIRSTNAME": "First"}},
        {"email": "ANN@example.com", "attributes": {"FIRSTNAME": "Last"}},
    ]
    process_id = import_json(client, rows, [12])
    complete(client)
    info = client.get(f"/v3/processes/{process_id}").json()["info"]["import"]
    assert (info["duplicate_email_id"], info["new_contacts"]) == (1, 1)
    assert members(client, 12)[0]["attributes"] == {"FIRSTNAME": "Last"}


def test_update_existing_false_keeps_attributes_but_adds_to_lists(make_client: MakeClient) -> None:
    client = make_client(lists={12: "Newsletter", 13: "Promos"})
    import_json(client, [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann"}}], [12])
    import_json(
        client,
        [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "Changed"}}],
        [13],
        updateExistingContacts=False,
    )
    complete(client)
    assert members(client, 13) == [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann"}}]


def test_empty_values_are_ignored_by_default(client: TestClient) -> None:
    import_json(client, [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann"}}], [12])
    import_json(client, [{"email": "ann@example.com", "attributes": {"FIRSTNAME": ""}}], [12])
    complete(client)
    assert members(client, 12)[0]["attributes"] == {"FIRSTNAME": "Ann"}


def test_empty_values_clear_attributes_with_empty_contacts_attributes(client: TestClient) -> None:
    import_json(client, [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann", "SMS": "+33600000000"}}], [12])
    import_json(
        client,
        [{"email": "ann@example.com", "attributes": {"FIRSTNAME": ""}}],
        [12],
        emptyContactsAttributes=True,
    )
    complete(client)
    assert members(client, 12)[0]["attributes"] == {"SMS": "+33600000000"}


def test_membership_is_kept_per_list(make_client: MakeClient) -> None:
    client = make_client(lists={12: "Newsletter", 13: "Promos"})
    import_json(client, [{"email": "ann@example.com"}], [12])
    import_json(client, [{"email": "bob@example.com"}], [13])
    complete(client)
    assert [m["email"] for m in members(client, 12)] == ["ann@example.com"]
    assert [m["email"] for m in members(client, 13)] == ["bob@example.com"]


def test_imports_apply_in_creation_order(client: TestClient, clock: FakeClock) -> None:
    import_json(client, [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "Old"}}], [12])
    import_json(client, [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "New"}}], [12])
    clock.advance(10)
    assert members(client, 12)[0]["attributes"] == {"FIRSTNAME": "New"}


def test_french_account_attributes_are_the_ones_kept(make_client: MakeClient) -> None:
    client = make_client(attributes=("PRENOM", "NOM", "SMS"))
    import_json(client, [{"email": "ann@example.com", "attributes": {"PRENOM": "Anne", "FIRSTNAME": "x"}}], [12])
    complete(client)
    assert members(client, 12)[0]["attributes"] == {"PRENOM": "Anne"}


def test_body_over_10_mib_is_refused_with_400(client: TestClient) -> None:
    padding = "x" * (10 * 1024 * 1024)
    response = client.post("/v3/contacts/import", json={"fileBody": "EMAIL\n" + padding, "listIds": [12]})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"
    assert client.get("/_emulator/processes").json() == []


def test_import_without_lists_is_missing_parameter(client: TestClient) -> None:
    response = client.post("/v3/contacts/import", json={"jsonBody": [{"email": "ann@example.com"}]})
    assert response.status_code == 400
    assert response.json()["code"] == "missing_parameter"


def test_import_into_unknown_list_is_refused(client: TestClient) -> None:
    response = client.post("/v3/contacts/import", json={"jsonBody": [{"email": "a@example.com"}], "listIds": [99]})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"


def test_rows_without_attributes_import_as_contacts_without_attributes(client: TestClient) -> None:
    rows = [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann"}}, {"email": "bob@example.com"}]
    import_json(client, rows, [12])
    complete(client)
    assert members(client, 12) == [
        {"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann"}},
        {"email": "bob@example.com", "attributes": {}},
    ]


def test_the_first_malformed_row_names_the_error(client: TestClient) -> None:
    bad_attributes = {"email": "ann@example.com", "attributes": "Ann"}
    for rows, message in (
        ([bad_attributes, "not an object"], "jsonBody[].attributes must be an object"),
        (["not an object", bad_attributes], "jsonBody items must be objects"),
    ):
        response = client.post("/v3/contacts/import", json={"jsonBody": rows, "listIds": [12]})
        assert (response.status_code, response.json()["message"]) == (400, message)
    assert client.get("/_emulator/processes").json() == []


def test_attribute_names_match_in_any_case_and_blank_values_are_not_set(client: TestClient) -> None:
    rows = [{"email": "ann@example.com", "attributes": {"firstname": "Ann", "LastName": "Lee", "SMS": "  "}}]
    import_json(client, rows, [12])
    complete(client)
    assert members(client, 12) == [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann", "LASTNAME": "Lee"}}]


def test_an_import_of_new_and_known_contacts_counts_each_and_joins_every_list(make_client: MakeClient) -> None:
    client = make_client(lists={12: "Newsletter", 13: "Promos"})
    import_json(client, [{"email": "bob@example.com", "attributes": {"FIRSTNAME": "Bob"}}], [13])
    complete(client)
    rows = [
        {"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann"}},
        {"email": "Bob@example.com", "attributes": {"LASTNAME": "Lee"}},
        {"email": "cid@example.com", "attributes": {"FIRSTNAME": "Cid"}},
    ]
    process_id = import_json(client, rows, [12, 13])
    complete(client)
    info = client.get(f"/v3/processes/{process_id}").json()["info"]["import"]
    assert (info["new_contacts"], info["updated_contacts"]) == (2, 1)
    listed = client.get("/v3/contacts/lists/13/contacts", params={"sort": "asc"}).json()["contacts"]
    assert [(c["id"], c["email"], c["listIds"]) for c in listed] == [
        (1, "bob@example.com", [12, 13]),
        (2, "ann@example.com", [12, 13]),
        (3, "cid@example.com", [12, 13]),
    ]
    assert listed[0]["attributes"] == {"FIRSTNAME": "Bob", "LASTNAME": "Lee"}


def test_email_blacklist_option_blacklists_new_and_known_contacts(client: TestClient) -> None:
    import_json(client, [{"email": "ann@example.com"}], [12])
    complete(client)
    import_json(client, [{"email": "ann@example.com"}, {"email": "bob@example.com"}], [12], emailBlacklist=True)
    complete(client)
    contacts = client.get("/v3/contacts/lists/12/contacts").json()["contacts"]
    assert [(c["emailBlacklisted"], c["smsBlacklisted"]) for c in contacts] == [(True, False), (True, False)]
    counts = client.get("/v3/contacts/lists/12").json()
    assert (counts["totalBlacklisted"], counts["totalSubscribers"], counts["uniqueSubscribers"]) == (2, 0, 2)


def test_an_import_marks_the_contacts_it_touches_as_modified(client: TestClient) -> None:
    import_json(client, [{"email": "ann@example.com"}, {"email": "bob@example.com"}], [12])
    complete(client)
    before = {c["email"]: c["modifiedAt"] for c in client.get("/_emulator/contacts").json()}
    time.sleep(0.002)  # modifiedAt has millisecond precision
    import_json(client, [{"email": "bob@example.com", "attributes": {"FIRSTNAME": "Bob"}}], [12])
    complete(client)
    after = {c["email"]: c["modifiedAt"] for c in client.get("/_emulator/contacts").json()}
    assert after["ann@example.com"] == before["ann@example.com"]
    assert after["bob@example.com"] > before["bob@example.com"]
