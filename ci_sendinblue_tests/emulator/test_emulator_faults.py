"""The fault schedule: each kind of misbehaviour, and the times/after counting."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from .helpers import MakeClient, complete, members

ROWS = {"jsonBody": [{"email": "ann@example.com"}], "listIds": [12]}


def _with_faults(make_client: MakeClient, *rules: dict[str, Any]) -> TestClient:
    client = make_client()
    client.put("/_emulator/faults", json=list(rules)).raise_for_status()
    return client


def test_status_fault_answers_without_applying_the_request(make_client: MakeClient) -> None:
    client = _with_faults(make_client, {"match": "POST /contacts/import", "kind": "status", "status": 503})
    response = client.post("/v3/contacts/import", json=ROWS)
    assert response.status_code == 503
    assert set(response.json()) == {"code", "message"}
    assert client.get("/_emulator/processes").json() == []


def test_status_fault_affects_only_times_matches_after_skipping_after(make_client: MakeClient) -> None:
    client = _with_faults(
        make_client, {"match": "GET /account", "kind": "status", "status": 500, "times": 2, "after": 1}
    )
    assert [client.get("/v3/account").status_code for _ in range(4)] == [200, 500, 500, 200]


def test_fault_can_match_a_route_template(make_client: MakeClient) -> None:
    client = _with_faults(make_client, {"match": "GET /contacts/lists/{listId}", "kind": "status", "status": 502})
    assert client.get("/v3/contacts/lists/12").status_code == 502


def test_fault_can_match_a_glob_on_the_concrete_path(make_client: MakeClient) -> None:
    client = _with_faults(make_client, {"match": "GET /contacts/lists/1*", "kind": "status", "status": 502})
    assert client.get("/v3/contacts/lists/12").status_code == 502


def test_429_fault_carries_rate_limit_headers(make_client: MakeClient) -> None:
    client = _with_faults(make_client, {"match": "POST /contacts/import", "kind": "status", "status": 429, "reset": 7})
    response = client.post("/v3/contacts/import", json=ROWS)
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_requests"
    assert response.headers["x-sib-ratelimit-remaining"] == "0"
    assert response.headers["x-sib-ratelimit-reset"] == "7"
    assert "x-sib-ratelimit-limit" in response.headers


def test_524_after_acceptance_leaves_the_import_applied(make_client: MakeClient) -> None:
    client = _with_faults(make_client, {"match": "POST /contacts/import", "kind": "accepted_then_status"})
    response = client.post("/v3/contacts/import", json=ROWS)
    assert response.status_code == 524
    assert response.headers["content-type"].startswith("text/html")
    complete(client)
    assert [m["email"] for m in members(client, 12)] == ["ann@example.com"]


def test_process_failed_fault_ends_the_process_failed_and_applies_nothing(make_client: MakeClient) -> None:
    client = _with_faults(make_client, {"match": "POST /contacts/import", "kind": "process_failed"})
    process_id = client.post("/v3/contacts/import", json=ROWS).json()["processId"]
    complete(client)
    assert client.get(f"/v3/processes/{process_id}").json()["status"] == "failed"
    assert members(client, 12) == []


def test_a_fault_can_target_only_requests_holding_some_text(make_client: MakeClient) -> None:
    rule = {"match": "POST /contacts/import", "kind": "process_failed", "times": None, "body_contains": "poison@"}
    client = _with_faults(make_client, rule)
    clean = client.post("/v3/contacts/import", json={"jsonBody": [{"email": "a@example.com"}], "listIds": [12]})
    poisoned = client.post("/v3/contacts/import", json={"jsonBody": [{"email": "poison@example.com"}], "listIds": [12]})
    complete(client)
    assert client.get(f"/v3/processes/{clean.json()['processId']}").json()["status"] == "completed"
    assert client.get(f"/v3/processes/{poisoned.json()['processId']}").json()["status"] == "failed"


def test_faults_are_reported_with_their_counters(make_client: MakeClient) -> None:
    client = _with_faults(make_client, {"match": "GET /account", "kind": "status", "status": 500})
    client.get("/v3/account")
    client.get("/v3/account")
    rule = client.get("/_emulator/faults").json()[0]
    assert (rule["seen"], rule["fired"]) == (2, 1)


def test_malformed_fault_rule_is_refused(make_client: MakeClient) -> None:
    client = make_client()
    assert client.put("/_emulator/faults", json=[{"match": "GET /account", "kind": "explode"}]).status_code == 400


def test_faults_at_start_come_from_settings(make_client: MakeClient) -> None:
    client = make_client(faults=[{"match": "GET /account", "kind": "status", "status": 503}])
    assert client.get("/v3/account").status_code == 503
