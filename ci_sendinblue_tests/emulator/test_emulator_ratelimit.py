"""Brevo-like rate limits: per second on /contacts..., per hour elsewhere, with x-sib-ratelimit-* headers."""

from __future__ import annotations

from .helpers import FakeClock, MakeClient


def test_responses_carry_rate_limit_headers(make_client: MakeClient) -> None:
    client = make_client(contacts_rate=10)
    headers = client.get("/v3/contacts/lists").headers
    assert (headers["x-sib-ratelimit-limit"], headers["x-sib-ratelimit-remaining"]) == ("10", "9")
    assert headers["x-sib-ratelimit-reset"] == "1"


def test_exceeding_the_per_second_budget_is_429_with_headers(make_client: MakeClient) -> None:
    client = make_client(contacts_rate=10)
    for _ in range(10):
        assert client.get("/v3/contacts/lists").status_code == 200
    response = client.get("/v3/contacts/lists")
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_requests"
    assert response.headers["x-sib-ratelimit-remaining"] == "0"
    assert int(response.headers["x-sib-ratelimit-reset"]) >= 1


def test_per_second_window_slides(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client(contacts_rate=2)
    client.get("/v3/contacts/lists")
    client.get("/v3/contacts/lists")
    clock.advance(1.01)
    assert client.get("/v3/contacts/lists").status_code == 200


def test_hourly_budget_applies_to_other_routes(make_client: MakeClient, clock: FakeClock) -> None:
    client = make_client(hourly_budget=3)
    assert [client.get("/v3/account").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert int(client.get("/v3/account").headers["x-sib-ratelimit-reset"]) == 3600
    clock.advance(3600)
    assert client.get("/v3/account").status_code == 200


def test_hourly_budget_does_not_touch_contacts_routes(make_client: MakeClient) -> None:
    client = make_client(hourly_budget=1, contacts_rate=None)
    assert [client.get("/v3/contacts/lists").status_code for _ in range(3)] == [200, 200, 200]


def test_disabled_limits_never_refuse(make_client: MakeClient) -> None:
    client = make_client(contacts_rate=None, hourly_budget=None)
    assert {client.get("/v3/contacts/lists").status_code for _ in range(30)} == {200}
