"""The Brevo client: clear errors that never hold the key, retries only where a retry can help."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from ci_sendinblue.sendinblue.client import BrevoClient
from ci_sendinblue.sendinblue.errors import (
    BrevoAuthError,
    BrevoPaymentRequired,
    BrevoPermissionError,
    BrevoRejected,
    BrevoRequestError,
    BrevoServerError,
    BrevoUnavailable,
    ListNotFound,
)
from ci_sendinblue.sendinblue.policies import RetryPolicy

KEY = "xkeysib-secret-0123456789abcdef"
FAST = RetryPolicy(attempts=4, timeout=5, wait_initial=0.001, wait_max=0.01, wait_jitter=0)


def client_for(handler: Callable[[httpx.Request], httpx.Response], retries: list[str] | None = None) -> BrevoClient:
    return BrevoClient(
        "http://brevo.test/v3",
        KEY,
        key_source="the environment variable SENDINBLUE_API_KEY",
        retry=FAST,
        transport=httpx.MockTransport(handler),
        on_retry=(retries.append if retries is not None else lambda _: None),
    )


def answering(*responses: httpx.Response) -> tuple[Callable[[httpx.Request], httpx.Response], list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler, seen


def test_the_key_goes_in_the_api_key_header():
    handler, seen = answering(httpx.Response(200, json={"attributes": []}))
    client_for(handler).attributes()
    assert seen[0].headers["api-key"] == KEY
    assert seen[0].url.path == "/v3/contacts/attributes"


def test_a_refused_key_says_where_it_came_from_and_never_shows_it():
    handler, seen = answering(httpx.Response(401, json={"code": "unauthorized", "message": "Key not found"}))
    with pytest.raises(BrevoAuthError) as raised:
        client_for(handler).attributes()
    assert "SENDINBLUE_API_KEY" in str(raised.value)
    assert KEY not in str(raised.value) and KEY not in repr(raised.value)
    assert len(seen) == 1


def test_a_missing_list_is_named():
    handler, _ = answering(
        httpx.Response(404, json={"code": "document_not_found", "message": "List ID does not exist"})
    )
    with pytest.raises(ListNotFound, match="Brevo list 99 does not exist"):
        client_for(handler).get_list(99)


def test_a_bad_request_passes_on_brevos_words_about_the_field_and_is_not_retried():
    body = {"code": "invalid_parameter", "message": "listIds should be an array of integers"}
    handler, seen = answering(httpx.Response(400, json=body))
    with pytest.raises(BrevoRequestError, match="listIds should be an array of integers"):
        client_for(handler).import_contacts(b"{}")
    assert len(seen) == 1


@pytest.mark.parametrize(("status", "error"), [(402, BrevoPaymentRequired), (403, BrevoPermissionError)])
def test_other_client_errors_fail_at_once(status, error):
    handler, seen = answering(httpx.Response(status, json={"code": "x", "message": "no"}))
    with pytest.raises(error):
        client_for(handler).attributes()
    assert len(seen) == 1


@pytest.mark.parametrize("status", [405, 409, 422])
def test_any_other_refusal_is_a_rejection_and_is_not_retried(status):
    handler, seen = answering(httpx.Response(status, json={"code": "x", "message": "no"}))
    with pytest.raises(BrevoRejected) as raised:
        client_for(handler).attributes()
    assert raised.value.status == status
    assert len(seen) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 524])
def test_server_errors_are_retried_and_logged(status):
    retries: list[str] = []
    handler, seen = answering(
        httpx.Response(status, text="<html>origin timeout</html>"), httpx.Response(202, json={"processId": 7})
    )
    assert client_for(handler, retries).import_contacts(b"{}") == 7
    assert len(seen) == 2
    assert any(str(status) in line for line in retries)


def test_rate_limits_are_retried_after_the_reset_brevo_gives():
    retries: list[str] = []
    limited = httpx.Response(
        429, json={"code": "too_many_requests", "message": "slow down"}, headers={"x-sib-ratelimit-reset": "0.01"}
    )
    handler, seen = answering(limited, httpx.Response(200, json={"attributes": []}))
    assert client_for(handler, retries).attributes() == []
    assert len(seen) == 2
    assert any("429" in line and "0.01" in line for line in retries)


def test_retries_stop_after_the_configured_attempts():
    handler, seen = answering(httpx.Response(503, json={"code": "unavailable", "message": "down"}))
    with pytest.raises(BrevoServerError):
        client_for(handler).attributes()
    assert len(seen) == FAST.attempts


def test_connection_failures_are_retried_then_reported_as_unavailable():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(BrevoUnavailable, match="could not be reached"):
        client_for(handler).attributes()
    assert len(calls) == FAST.attempts


def test_list_changes_accept_answers_with_or_without_the_contacts_wrapper():
    wrapped, _ = answering(httpx.Response(201, json={"contacts": {"success": ["a@example.com"], "failure": []}}))
    bare, _ = answering(httpx.Response(201, json={"success": ["a@example.com"], "failure": ["b@example.com"]}))
    assert client_for(wrapped).remove_from_list(1, ["a@example.com"]).success == ["a@example.com"]
    assert client_for(bare).remove_from_list(1, ["a@example.com", "b@example.com"]).failure == ["b@example.com"]


def test_more_than_150_emails_per_list_change_is_a_programming_error():
    handler, seen = answering(httpx.Response(201, json={}))
    with pytest.raises(ValueError, match="1 to 150"):
        client_for(handler).remove_from_list(1, [f"p{i}@example.com" for i in range(151)])
    assert seen == []


def test_the_client_repr_holds_no_key():
    handler, _ = answering(httpx.Response(200, json={}))
    assert KEY not in repr(client_for(handler))


def test_the_contacts_listing_asks_for_oldest_first_pages_modified_since_a_utc_moment():
    handler, seen = answering(httpx.Response(200, json={"contacts": [], "count": 0}))
    paris = timezone(timedelta(hours=1))
    client_for(handler).contacts(modified_since=datetime(2026, 3, 1, 10, 0, 5, 123456, tzinfo=paris), offset=2000)
    assert seen[0].url.path == "/v3/contacts"
    assert dict(seen[0].url.params) == {
        "limit": "1000",
        "offset": "2000",
        "sort": "asc",
        "modifiedSince": "2026-03-01T09:00:05.123Z",
    }


def test_the_client_has_no_way_to_update_delete_or_unblock_a_contact():
    """Opt-outs are never undone: a contact update can lift a blocklist and a deletion forgets it, so the
    client offers neither. A new endpoint here must keep to the routes that cannot (helpers.SAFE_ROUTES)."""
    public = {name for name in vars(BrevoClient) if not name.startswith("_")}
    assert public == {
        "attributes",
        "close",
        "contact",
        "contacts",
        "create_folder",
        "create_list",
        "folders",
        "get_list",
        "import_contacts",
        "limiter",
        "list_members",
        "lists",
        "process",
        "remove_from_list",
        "request_double_opt_in",
    }
