"""One SMS number, one contact: Brevo refuses a number another contact holds, and imports count such rows."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from .helpers import complete, import_json, members

ANN = "+33612345678"


def imported(client: TestClient, rows: list[dict[str, Any]], **options: Any) -> dict[str, int]:
    process_id = import_json(client, rows, [12], **options)
    complete(client)
    return client.get(f"/v3/processes/{process_id}").json()["info"]["import"]


def row(email: str, phone: str | None = None, **attributes: Any) -> dict[str, Any]:
    return {"email": email, "attributes": {**attributes, **({"SMS": phone} if phone else {})}}


def stored(client: TestClient) -> dict[str, dict[str, Any]]:
    return {m["email"]: m["attributes"] for m in members(client, 12)}


def test_a_number_held_by_another_contact_leaves_the_row_out(client: TestClient) -> None:
    imported(client, [row("ann@example.com", ANN)])
    counters = imported(client, [row("bob@example.com", ANN, FIRSTNAME="Bob"), row("cat@example.com")])
    assert (counters["duplicate_phone_id"], counters["new_contacts"]) == (1, 1)
    assert stored(client) == {"ann@example.com": {"SMS": ANN}, "cat@example.com": {}}


def test_the_first_row_of_an_import_gets_a_free_number(client: TestClient) -> None:
    counters = imported(client, [row("ann@example.com", ANN), row("bob@example.com", ANN), row("cat@example.com", ANN)])
    assert counters["duplicate_phone_id"] == 2
    assert stored(client) == {"ann@example.com": {"SMS": ANN}}


def test_a_contact_may_be_imported_again_with_its_own_number(client: TestClient) -> None:
    imported(client, [row("ann@example.com", ANN)])
    counters = imported(client, [row("ann@example.com", ANN, FIRSTNAME="Ann")])
    assert (counters["duplicate_phone_id"], counters["updated_contacts"]) == (0, 1)
    assert stored(client) == {"ann@example.com": {"SMS": ANN, "FIRSTNAME": "Ann"}}


def test_a_number_given_up_is_free_for_another_contact(client: TestClient) -> None:
    imported(client, [row("ann@example.com", ANN)])
    imported(client, [row("ann@example.com", "+33600000000")])
    assert imported(client, [row("bob@example.com", ANN)])["duplicate_phone_id"] == 0
    assert stored(client)["bob@example.com"] == {"SMS": ANN}


def test_a_number_cleared_by_an_empty_value_is_free_again(client: TestClient) -> None:
    imported(client, [row("ann@example.com", ANN)])
    imported(client, [{"email": "ann@example.com", "attributes": {"SMS": ""}}], emptyContactsAttributes=True)
    assert imported(client, [row("bob@example.com", ANN)])["duplicate_phone_id"] == 0


def test_a_deleted_contacts_number_is_free_again(client: TestClient) -> None:
    imported(client, [row("ann@example.com", ANN)])
    client.delete("/v3/contacts/ann%40example.com")
    assert imported(client, [row("bob@example.com", ANN)])["duplicate_phone_id"] == 0


def test_existing_contacts_not_updated_claim_no_number(client: TestClient) -> None:
    imported(client, [row("ann@example.com", ANN), row("bob@example.com")])
    counters = imported(client, [row("bob@example.com", ANN)], updateExistingContacts=False)
    assert counters["duplicate_phone_id"] == 0
    assert stored(client)["bob@example.com"] == {}


def test_a_lower_case_sms_name_in_an_import_is_checked_too(client: TestClient) -> None:
    imported(client, [row("ann@example.com", ANN)])
    counters = imported(client, [{"email": "bob@example.com", "attributes": {"sms": ANN, "FIRSTNAME": 3}}])
    assert counters["duplicate_phone_id"] == 1


def test_create_contact_refuses_a_number_held_by_another(client: TestClient) -> None:
    imported(client, [row("ann@example.com", ANN)])
    response = client.post("/v3/contacts", json=row("bob@example.com", ANN))
    assert (response.status_code, response.json()["code"]) == (400, "duplicate_parameter")
    assert "SMS" in response.json()["message"]
    assert client.get("/v3/contacts/bob%40example.com").status_code == 404


def test_update_contact_refuses_a_number_held_by_another(client: TestClient) -> None:
    imported(client, [row("ann@example.com", ANN), row("bob@example.com", FIRSTNAME="Bob")])
    response = client.put("/v3/contacts/bob%40example.com", json={"attributes": {"SMS": ANN, "FIRSTNAME": "B"}})
    assert (response.status_code, response.json()["code"]) == (400, "duplicate_parameter")
    assert stored(client)["bob@example.com"] == {"FIRSTNAME": "Bob"}


def test_a_contact_is_found_by_its_number(client: TestClient) -> None:
    imported(client, [row("ann@example.com", ANN)])
    assert client.get(f"/v3/contacts/{ANN}").json()["email"] == "ann@example.com"
    assert client.get("/v3/contacts/33612345678", params={"identifierType": "phone_id"}).json()["email"] == (
        "ann@example.com"
    )


def test_disable_notification_is_recorded_on_the_import(client: TestClient) -> None:
    import_json(client, [{"email": "ann@example.com"}], [12], disableNotification=True)
    import_json(client, [{"email": "bob@example.com"}], [12])
    options = [p["options"]["disableNotification"] for p in client.get("/_emulator/processes").json()]
    assert options == [True, False]


def test_disable_notification_must_be_a_boolean(client: TestClient) -> None:
    response = client.post("/v3/contacts/import", json={"jsonBody": [], "listIds": [12], "disableNotification": "yes"})
    assert response.status_code == 400
    assert "disableNotification" in response.json()["message"]


def test_a_number_freed_earlier_in_the_same_import_may_be_taken(client: TestClient) -> None:
    imported(client, [row("ann@example.com", ANN), row("bob@example.com")])
    counters = imported(client, [row("ann@example.com", "+33600000000"), row("bob@example.com", ANN)])
    assert counters["duplicate_phone_id"] == 0
    assert stored(client) == {"ann@example.com": {"SMS": "+33600000000"}, "bob@example.com": {"SMS": ANN}}


def test_a_number_freed_later_in_the_import_is_still_held_when_the_row_is_read(client: TestClient) -> None:
    imported(client, [row("ann@example.com", ANN), row("bob@example.com")])
    counters = imported(client, [row("bob@example.com", ANN), row("ann@example.com", "+33600000000")])
    assert counters["duplicate_phone_id"] == 1
    assert stored(client) == {"ann@example.com": {"SMS": "+33600000000"}, "bob@example.com": {}}
