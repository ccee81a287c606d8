"""Opt-outs as Brevo keeps them, and the contact routes that read, update and delete one contact.

Brevo's rules: an import never lifts a blocklist (``emailBlacklist: false`` leaves it alone); the contact
update routes do lift it with ``emailBlacklisted: false``; deleting a contact forgets its opt-out.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from .helpers import FakeClock, complete, import_json, members


def blocklist(client: TestClient, emails: list[str], channel: str = "email") -> list[str]:
    response = client.post("/_emulator/contacts/blocklist", json={"emails": emails, "channel": channel})
    response.raise_for_status()
    return response.json()["blocklisted"]


def contact(client: TestClient, identifier: str | int, **params: Any) -> dict[str, Any]:
    response = client.get(f"/v3/contacts/{identifier}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def ann(client: TestClient) -> TestClient:
    """ann@example.com in list 12, not opted out."""
    import_json(client, [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann"}}], [12])
    complete(client)
    return client


def test_blocklisting_opts_out_and_touches_the_contact(ann: TestClient, clock: FakeClock) -> None:
    before = contact(ann, "ann@example.com")["modifiedAt"]
    assert blocklist(ann, ["Ann@Example.com"]) == ["ann@example.com"]
    after = contact(ann, "ann@example.com")
    assert after["emailBlacklisted"] is True and after["smsBlacklisted"] is False
    assert after["modifiedAt"] > before


def test_blocklisting_an_unknown_address_creates_an_opted_out_contact(client: TestClient) -> None:
    blocklist(client, ["zoe@example.com"], channel="sms")
    found = contact(client, "zoe@example.com")
    assert (found["emailBlacklisted"], found["smsBlacklisted"], found["listIds"]) == (False, True, [])


def test_blocklisting_refuses_a_bad_channel(client: TestClient) -> None:
    response = client.post("/_emulator/contacts/blocklist", json={"emails": ["a@example.com"], "channel": "fax"})
    assert response.status_code == 400
    assert "channel" in response.json()["message"]


def test_an_import_never_lifts_a_blocklist(ann: TestClient) -> None:
    blocklist(ann, ["ann@example.com"])
    blocklist(ann, ["ann@example.com"], channel="sms")
    import_json(ann, [{"email": "ann@example.com"}], [12], emailBlacklist=False, smsBlacklist=False)
    complete(ann)
    found = contact(ann, "ann@example.com")
    assert (found["emailBlacklisted"], found["smsBlacklisted"]) == (True, True)


def test_an_import_with_email_blacklist_true_sets_it(ann: TestClient) -> None:
    import_json(ann, [{"email": "ann@example.com"}], [12], emailBlacklist=True)
    complete(ann)
    assert contact(ann, "ann@example.com")["emailBlacklisted"] is True


def test_create_contact_with_email_blacklisted_false_lifts_it(ann: TestClient) -> None:
    blocklist(ann, ["ann@example.com"])
    body = {"email": "ann@example.com", "updateEnabled": True, "emailBlacklisted": False}
    assert ann.post("/v3/contacts", json=body).status_code == 204
    assert contact(ann, "ann@example.com")["emailBlacklisted"] is False


def test_update_contact_with_email_blacklisted_false_lifts_it(ann: TestClient) -> None:
    blocklist(ann, ["ann@example.com"])
    assert ann.put("/v3/contacts/ann%40example.com", json={"emailBlacklisted": False}).status_code == 204
    assert contact(ann, "ann@example.com")["emailBlacklisted"] is False


def test_update_contact_without_the_flag_keeps_the_opt_out(ann: TestClient) -> None:
    blocklist(ann, ["ann@example.com"])
    assert ann.put("/v3/contacts/ann@example.com", json={"attributes": {"FIRSTNAME": "Annie"}}).status_code == 204
    found = contact(ann, "ann@example.com")
    assert (found["emailBlacklisted"], found["attributes"]) == (True, {"FIRSTNAME": "Annie"})


def test_update_contact_by_id_links_and_unlinks_lists(ann: TestClient) -> None:
    ann.post("/v3/contacts/lists", json={"name": "Promos", "folderId": 1})
    ann_id = contact(ann, "ann@example.com")["id"]
    response = ann.put(f"/v3/contacts/{ann_id}", json={"listIds": [13], "unlinkListIds": [12]})
    assert response.status_code == 204
    assert contact(ann, ann_id)["listIds"] == [13]
    assert members(ann, 12) == []


def test_update_contact_stores_transactional_attributes_as_documented(make_client: Any) -> None:
    client = make_client(attributes=("FIRSTNAME", "transactional/ORDER_ID:id", "calculated/TOTAL:float"))
    client.post("/v3/contacts", json={"email": "ann@example.com", "attributes": {"ORDER_ID": "A-1"}})
    client.put("/v3/contacts/ann@example.com", json={"attributes": {"ORDER_ID": "A-2", "TOTAL": 3.0}})
    assert contact(client, "ann@example.com")["attributes"] == {"ORDER_ID": "A-2"}


def test_update_contact_renames_through_the_email_attribute(ann: TestClient) -> None:
    ann.put("/v3/contacts/ann@example.com", json={"attributes": {"EMAIL": "Anna@example.com"}})
    assert contact(ann, "anna@example.com")["attributes"] == {"FIRSTNAME": "Ann"}
    assert ann.get("/v3/contacts/ann@example.com").status_code == 404


def test_update_contact_refuses_bad_fields_and_unknown_lists(ann: TestClient) -> None:
    bad = ann.put("/v3/contacts/ann@example.com", json={"emailBlacklisted": "no"})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_parameter")
    assert "emailBlacklisted" in bad.json()["message"]
    assert ann.put("/v3/contacts/ann@example.com", json={"listIds": [99]}).status_code == 400


def test_update_unknown_contact_is_not_found(client: TestClient) -> None:
    response = client.put("/v3/contacts/nobody@example.com", json={"attributes": {}})
    assert (response.status_code, response.json()["code"]) == (404, "document_not_found")


def test_deleting_a_contact_forgets_its_opt_out(ann: TestClient) -> None:
    blocklist(ann, ["ann@example.com"])
    old_id = contact(ann, "ann@example.com")["id"]
    assert ann.delete("/v3/contacts/ann@example.com").status_code == 204
    assert ann.get("/v3/contacts/ann@example.com").status_code == 404
    assert ann.get(f"/v3/contacts/{old_id}").status_code == 404
    assert ann.get("/v3/contacts/lists/12").json()["uniqueSubscribers"] == 0
    import_json(ann, [{"email": "ann@example.com"}], [12])
    complete(ann)
    back = contact(ann, "ann@example.com")
    assert (back["emailBlacklisted"], back["attributes"], back["listIds"]) == (False, {}, [12])
    assert back["id"] != old_id


def test_deleted_contacts_are_not_listed(ann: TestClient) -> None:
    ann.post("/v3/contacts", json={"email": "bob@example.com"})
    ann.delete("/v3/contacts/ann@example.com")
    assert [c["email"] for c in ann.get("/v3/contacts").json()["contacts"]] == ["bob@example.com"]
    assert [c["email"] for c in ann.get("/_emulator/contacts").json()] == ["bob@example.com"]
    assert ann.get("/v3/contacts").json()["count"] == 1


def test_list_counts_follow_opt_outs(ann: TestClient) -> None:
    import_json(ann, [{"email": "bob@example.com"}], [12])
    complete(ann)
    blocklist(ann, ["bob@example.com"])
    counts = ann.get("/v3/contacts/lists/12").json()
    assert (counts["totalBlacklisted"], counts["totalSubscribers"], counts["uniqueSubscribers"]) == (1, 1, 2)


# -- reading contacts -----------------------------------------------------------------------------------------
def test_get_contact_by_email_id_or_identifier_type(ann: TestClient) -> None:
    by_email = contact(ann, "ANN%40example.com")
    assert by_email["email"] == "ann@example.com"
    assert contact(ann, by_email["id"]) == by_email
    assert contact(ann, str(by_email["id"]), identifierType="contact_id") == by_email
    assert contact(ann, "ann@example.com", identifierType="email_id") == by_email
    assert set(by_email) >= {"listIds", "emailBlacklisted", "smsBlacklisted", "createdAt", "modifiedAt", "statistics"}


def test_get_contact_with_an_unsupported_identifier_type_is_invalid(ann: TestClient) -> None:
    response = ann.get("/v3/contacts/x", params={"identifierType": "ext_id"})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_parameter")


def test_get_contacts_pages_by_creation_newest_first(client: TestClient) -> None:
    for name in ("a", "b", "c"):
        client.post("/v3/contacts", json={"email": f"{name}@example.com"})
    body = client.get("/v3/contacts", params={"limit": 2}).json()
    assert ([c["email"] for c in body["contacts"]], body["count"]) == (["c@example.com", "b@example.com"], 3)
    body = client.get("/v3/contacts", params={"limit": 2, "offset": 2, "sort": "asc"}).json()
    assert [c["email"] for c in body["contacts"]] == ["c@example.com"]


def test_get_contacts_filters_by_modified_and_created_since(ann: TestClient) -> None:
    time.sleep(0.002)
    since = datetime.now(UTC).isoformat()
    time.sleep(0.002)
    ann.post("/v3/contacts", json={"email": "bob@example.com"})
    modified = ann.get("/v3/contacts", params={"modifiedSince": since}).json()
    created = ann.get("/v3/contacts", params={"createdSince": since}).json()
    assert (
        [c["email"] for c in modified["contacts"]] == [c["email"] for c in created["contacts"]] == ["bob@example.com"]
    )
    blocklist(ann, ["ann@example.com"])
    modified = ann.get("/v3/contacts", params={"modifiedSince": since, "sort": "asc"}).json()
    assert [c["email"] for c in modified["contacts"]] == ["ann@example.com", "bob@example.com"]


@pytest.mark.parametrize("params", [{"limit": 1001}, {"modifiedSince": "yesterday"}, {"sort": "up"}])
def test_get_contacts_refuses_bad_parameters(client: TestClient, params: dict[str, Any]) -> None:
    response = client.get("/v3/contacts", params=params)
    assert (response.status_code, response.json()["code"]) == (400, "invalid_parameter")


def test_fixed_contact_routes_are_not_read_as_identifiers(client: TestClient) -> None:
    assert client.get("/v3/contacts/import").status_code == 405
    assert client.delete("/v3/contacts/lists").status_code == 405
