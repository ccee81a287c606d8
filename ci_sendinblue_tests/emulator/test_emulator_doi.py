"""Double opt-in: a contact asked to confirm stays out of the lists until the person clicks the link."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from .helpers import MakeClient, complete, import_json, members

URL = "https://example.com/thanks"


def request(client: TestClient, email: str = "ann@example.com", **overrides: Any) -> int:
    body = {"email": email, "includeListIds": [12], "templateId": 7, "redirectionUrl": URL, **overrides}
    return client.post("/v3/contacts/doubleOptinConfirmation", json=body).status_code


def confirm(client: TestClient, payload: dict[str, Any]) -> list[str]:
    response = client.post("/_emulator/doi/confirm", json=payload)
    response.raise_for_status()
    return response.json()["confirmed"]


def test_a_new_contact_is_pending_and_counted_nowhere(client: TestClient) -> None:
    assert request(client, attributes={"FIRSTNAME": "Ann"}) == 201
    assert members(client, 12) == []
    assert client.get("/v3/contacts/lists/12").json()["uniqueSubscribers"] == 0
    assert client.get("/v3/contacts/ann%40example.com").status_code == 404
    [pending] = client.get("/_emulator/doi").json()
    assert {k: pending[k] for k in ("email", "templateId", "includeListIds")} == {
        "email": "ann@example.com", "templateId": 7, "includeListIds": [12]
    }  # fmt: skip
    assert pending["requested_at"]


def test_confirmation_creates_the_contact_in_its_lists(client: TestClient) -> None:
    request(client, "Ann@example.com", attributes={"FIRSTNAME": "Ann"})
    assert confirm(client, {"emails": ["ann@example.com", "nobody@example.com"]}) == ["ann@example.com"]
    assert members(client, 12) == [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann"}}]
    assert client.get("/_emulator/doi").json() == []


def test_confirmation_applies_the_typed_attribute_rules(make_client: MakeClient) -> None:
    client = make_client(attributes=("SCORE:float", "VIP:boolean"))
    request(client, attributes={"SCORE": "12.5", "VIP": True})
    confirm(client, {"all": True})
    assert members(client, 12)[0]["attributes"] == {"VIP": True}


def test_confirmation_leaves_out_excluded_lists(make_client: MakeClient) -> None:
    client = make_client(lists={12: "Newsletter", 13: "Promos"})
    request(client, includeListIds=[12, 13], excludeListIds=[13])
    confirm(client, {"all": True})
    assert ([m["email"] for m in members(client, 12)], members(client, 13)) == (["ann@example.com"], [])


def test_an_existing_contact_is_updated_on_confirmation(client: TestClient) -> None:
    client.post("/v3/contacts", json={"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann"}})
    assert request(client, attributes={"LASTNAME": "Lee"}) == 204
    assert members(client, 12) == []
    confirm(client, {"all": True})
    assert members(client, 12) == [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann", "LASTNAME": "Lee"}}]


def test_a_repeated_request_replaces_the_pending_one(client: TestClient) -> None:
    assert request(client) == 201
    assert request(client, templateId=8) == 204
    assert [r["templateId"] for r in client.get("/_emulator/doi").json()] == [8]


def test_a_confirmed_contact_keeps_its_opt_out(client: TestClient) -> None:
    import_json(client, [{"email": "ann@example.com"}], [12], emailBlacklist=True)
    complete(client)
    request(client)
    confirm(client, {"all": True})
    assert client.get("/v3/contacts/ann%40example.com").json()["emailBlacklisted"] is True


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"includeListIds": None}, "missing_parameter", "includeListIds"),
        ({"templateId": None}, "missing_parameter", "templateId"),
        ({"redirectionUrl": None}, "missing_parameter", "redirectionUrl"),
        ({"redirectionUrl": "thanks"}, "invalid_parameter", "redirectionUrl"),
        ({"templateId": "7"}, "invalid_parameter", "templateId"),
        ({"includeListIds": []}, "invalid_parameter", "includeListIds"),
        ({"includeListIds": [99]}, "invalid_parameter", "99"),
        ({"email": "not-an-email"}, "invalid_parameter", "email"),
    ],
)
def test_a_bad_request_is_refused_naming_the_field(
    client: TestClient, overrides: dict[str, Any], code: str, field: str
) -> None:
    body = {"email": "ann@example.com", "includeListIds": [12], "templateId": 7, "redirectionUrl": URL, **overrides}
    response = client.post("/v3/contacts/doubleOptinConfirmation", json=body)
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert field in response.json()["message"]
    assert client.get("/_emulator/doi").json() == []


def test_doi_requests_draw_from_the_contacts_rate_limit(make_client: MakeClient) -> None:
    client = make_client(contacts_rate=2)
    assert [request(client, f"p{i}@example.com") for i in range(3)] == [201, 201, 429]
    assert client.get("/v3/contacts/lists").status_code == 429
