"""A small synchronous client for the part of Brevo's API v3 that list exports need.

It knows HTTP and Brevo's rules (auth header, error bodies, rate-limit headers, which failures are worth a
retry) and nothing of pandas or Dagster. Retries go through ``stamina``: only 429, 5xx, time-outs and
connection errors are retried, with exponential back-off and jitter, bounded in attempts and total time;
every other 4xx fails at once with an error that says what to do.

Opt-outs are never undone: the client has no method that updates or deletes a contact, none that sends
``emailBlacklisted``/``smsBlacklisted`` (``false`` there lifts Brevo's blocklist), and imports never ask for a
blocklist change (see ``imports``). Removing from a list unlinks only; the contact and its opt-out stay.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
import stamina

from ci_sendinblue.sendinblue.errors import (
    BrevoAuthError,
    BrevoError,
    BrevoNotFound,
    BrevoPaymentRequired,
    BrevoPermissionError,
    BrevoRateLimited,
    BrevoRejected,
    BrevoRequestError,
    BrevoServerError,
    BrevoTransientError,
    BrevoUnavailable,
    ListNotFound,
    ProcessNotFound,
)
from ci_sendinblue.sendinblue.policies import DEFAULT_REQUEST_TIMEOUT, DEFAULT_RETRY, RetryPolicy
from ci_sendinblue.sendinblue.progress import Heartbeat
from ci_sendinblue.sendinblue.ratelimit import RateLimiter

log = logging.getLogger(__name__)

MAX_LIST_MEMBERS_PAGE = 500
MAX_EMAILS_PER_LIST_CHANGE = 150
MAX_CONTACTS_PAGE = 1000
MAX_LISTS_PAGE = 50
"""``GET /contacts/lists`` and ``GET /contacts/folders`` give at most 50 per page."""


@dataclass(frozen=True)
class ProcessStatus:
    process_id: int
    status: str
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed", "cancelled")

    @property
    def succeeded(self) -> bool:
        return self.status == "completed"

    @property
    def import_counters(self) -> dict[str, int]:
        counters = self.info.get("import", {}) if isinstance(self.info, dict) else {}
        return {k: int(v) for k, v in counters.items() if isinstance(v, int | float)}


@dataclass(frozen=True)
class ListChange:
    success: list[str]
    failure: list[str]


class BrevoClient:
    """One Brevo account, reached at ``api_url`` with ``api_key``."""

    def __init__(
        self,
        api_url: str,
        api_key: str,
        *,
        key_source: str = "the configured API key",
        timeout: float = DEFAULT_REQUEST_TIMEOUT,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
        on_retry: Callable[[str], None] | None = None,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        if not api_key:
            raise BrevoAuthError(f"No Brevo API key: set {key_source}.")
        self._key_source = key_source
        self._retry = retry or DEFAULT_RETRY
        self._limiter = limiter or RateLimiter.unlimited()
        self._on_retry = on_retry or log.warning
        self._heartbeat = heartbeat
        self._http = httpx.Client(
            base_url=api_url.rstrip("/") + "/",
            headers={"api-key": api_key, "accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BrevoClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"BrevoClient(api_url={str(self._http.base_url)!r})"

    @property
    def limiter(self) -> RateLimiter:
        """The rate limiter every request waits on; clients of one connection share it."""
        return self._limiter

    # --- endpoints --------------------------------------------------------------------------------------------

    def get_list(self, list_id: int) -> dict[str, Any]:
        try:
            return self._request("GET", f"contacts/lists/{list_id}").json()
        except BrevoNotFound as error:
            raise ListNotFound(
                f"Brevo list {list_id} does not exist in this account: create it in Brevo "
                "(Contacts > Lists) or correct the export's list_id.",
                status=404,
                code=error.code,
            ) from None

    def lists(self, *, limit: int = MAX_LISTS_PAGE, offset: int = 0) -> dict[str, Any]:
        """One page of the account's lists (``lists``: id, name, folderId; ``count``), oldest first so that
        a list created while paging cannot shift the pages."""
        params = {"limit": limit, "offset": offset, "sort": "asc"}
        return self._request("GET", "contacts/lists", params=params).json()

    def folders(self, *, limit: int = MAX_LISTS_PAGE, offset: int = 0) -> dict[str, Any]:
        """One page of the account's folders (``folders``: id, name; ``count``), oldest first."""
        params = {"limit": limit, "offset": offset, "sort": "asc"}
        return self._request("GET", "contacts/folders", params=params).json()

    def create_folder(self, name: str) -> int:
        return int(self._request("POST", "contacts/folders", json={"name": name}).json()["id"])

    def create_list(self, name: str, folder_id: int) -> int:
        return int(self._request("POST", "contacts/lists", json={"name": name, "folderId": folder_id}).json()["id"])

    def contact(self, email: str) -> dict[str, Any] | None:
        """The contact Brevo holds for ``email`` (with its ``listIds``), or None when there is none."""
        try:
            return self._request("GET", f"contacts/{quote(email, safe='')}").json()
        except BrevoNotFound:
            return None

    def request_double_opt_in(
        self, email: str, attributes: dict[str, Any], *, list_id: int, template_id: int, redirection_url: str
    ) -> None:
        """Ask Brevo to mail ``email`` its double opt-in confirmation; the contact joins ``list_id`` only once
        it clicks the link."""
        body = {
            "email": email,
            "attributes": attributes,
            "includeListIds": [list_id],
            "templateId": template_id,
            "redirectionUrl": redirection_url,
        }
        self._request("POST", "contacts/doubleOptinConfirmation", json=body)

    def attributes(self) -> list[dict[str, Any]]:
        return self._request("GET", "contacts/attributes").json().get("attributes", [])

    def import_contacts(self, body: bytes) -> int:
        """Start an import; ``body`` is a ready JSON request (see ``ci_sendinblue.sendinblue.imports``)."""
        response = self._request("POST", "contacts/import", content=body, headers={"content-type": "application/json"})
        return int(response.json()["processId"])

    def process(self, process_id: int) -> ProcessStatus:
        try:
            payload = self._request("GET", f"processes/{process_id}").json()
        except BrevoNotFound as error:
            raise ProcessNotFound(
                f"Brevo does not know import process {process_id}.", status=404, code=error.code
            ) from None
        return ProcessStatus(
            process_id=process_id,
            status=str(payload.get("status", "")).lower(),
            info=payload.get("info") or {},
        )

    def remove_from_list(self, list_id: int, emails: Sequence[str]) -> ListChange:
        return self._change_list(list_id, "remove", emails)

    def list_members(self, list_id: int, *, limit: int = MAX_LIST_MEMBERS_PAGE, offset: int = 0) -> dict[str, Any]:
        try:
            return self._request(
                "GET", f"contacts/lists/{list_id}/contacts", params={"limit": limit, "offset": offset}
            ).json()
        except BrevoNotFound as error:
            raise ListNotFound(f"Brevo list {list_id} does not exist.", status=404, code=error.code) from None

    def contacts(
        self, *, modified_since: datetime | None = None, limit: int = MAX_CONTACTS_PAGE, offset: int = 0
    ) -> dict[str, Any]:
        """One page of the account's contacts (``{"contacts": [...], "count": n}``), modified after
        ``modified_since`` when given. Oldest created first: contacts created while the pages are read then
        land on later pages instead of shifting the ones not yet read."""
        params: dict[str, Any] = {"limit": limit, "offset": offset, "sort": "asc"}
        if modified_since is not None:
            params["modifiedSince"] = brevo_time(modified_since)
        return self._request("GET", "contacts", params=params).json()

    def _change_list(self, list_id: int, action: str, emails: Sequence[str]) -> ListChange:
        if not 1 <= len(emails) <= MAX_EMAILS_PER_LIST_CHANGE:
            raise ValueError(f"Brevo takes 1 to {MAX_EMAILS_PER_LIST_CHANGE} emails per call, not {len(emails)}")
        try:
            response = self._request("POST", f"contacts/lists/{list_id}/contacts/{action}", json={"emails": emails})
        except BrevoNotFound as error:
            raise ListNotFound(f"Brevo list {list_id} does not exist.", status=404, code=error.code) from None
        payload = response.json() if response.content else {}
        contacts = payload.get("contacts", payload)
        return ListChange(success=list(contacts.get("success", [])), failure=list(contacts.get("failure", [])))

    # --- transport, errors and retries ------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        endpoint = f"{method} /{path.split('?')[0]}"
        policy = self._retry
        for attempt in stamina.retry_context(
            on=self._backoff_for,
            attempts=policy.attempts,
            timeout=policy.timeout,
            wait_initial=policy.wait_initial,
            wait_max=policy.wait_max,
            wait_jitter=policy.wait_jitter,
        ):
            with attempt:
                if attempt.num > 1:
                    self._on_retry(f"Brevo {endpoint}: attempt {attempt.num} of {policy.attempts}")
                self._limiter.acquire(path, sleep=self._rate_limit_sleep(endpoint))
                try:
                    response = self._http.request(method, path, **kwargs)
                except httpx.TimeoutException as error:
                    raise BrevoUnavailable(f"Brevo {endpoint} timed out ({type(error).__name__}).") from None
                except httpx.TransportError as error:
                    raise BrevoUnavailable(f"Brevo {endpoint} could not be reached ({type(error).__name__}).") from None
                if response.is_success:
                    return response
                raise self._error_for(endpoint, response)
        raise AssertionError("unreachable: stamina re-raises the last error")  # pragma: no cover

    def _rate_limit_sleep(self, endpoint: str) -> Callable[[float], None] | None:
        """A wait for the rate limiter that says so at least every heartbeat (the hourly budget of ``/processes``
        can hold a run for many minutes)."""
        heartbeat = self._heartbeat
        if heartbeat is None:
            return None
        started = heartbeat.clock()

        def sleep(seconds: float) -> None:
            heartbeat.sleep(
                seconds,
                lambda: (
                    f"waiting on Brevo's rate limit before {endpoint} ({heartbeat.clock() - started:.0f} s so far, "
                    f"{seconds - (heartbeat.clock() - started):.0f} s to go)"
                ),
            )

        return sleep

    def _backoff_for(self, error: Exception) -> bool | float:
        """stamina's hook: whether to retry, and how long to wait when Brevo said (429's reset time)."""
        if not isinstance(error, BrevoTransientError):
            return False
        wait = error.retry_after
        if wait is None:
            self._on_retry(f"{error} Retrying with back-off.")
            return True
        self._on_retry(f"{error} Waiting {wait} s before retrying.")
        return min(max(wait, 0.05), self._retry.timeout)

    def _error_for(self, endpoint: str, response: httpx.Response) -> BrevoError:
        status = response.status_code
        code, message = _error_body(response)
        said = f"Brevo answered {status}{f' {code}' if code else ''} to {endpoint}: {message}"
        if status == 400:
            return BrevoRequestError(f"{said}. Correct the value Brevo names.", status=status, code=code)
        if status == 401:
            return BrevoAuthError(
                f"{said}. Brevo refused the API key from {self._key_source}: check that it is a v3 API key "
                "of the right account (Brevo > SMTP & API > API keys) and, if the account restricts IP "
                "addresses, that this machine's is allowed.",
                status=status,
                code=code,
            )
        if status == 402:
            return BrevoPaymentRequired(f"{said}. The account lacks credits or plan features.", status=status)
        if status == 403:
            return BrevoPermissionError(f"{said}. This API key may not do this.", status=status, code=code)
        if status == 404:
            return BrevoNotFound(said, status=status, code=code)
        if status == 429:
            return BrevoRateLimited(f"{said}.", reset_after=_reset_after(response), code=code)
        if status >= 500:
            return BrevoServerError(f"{said}.", status=status, code=code)
        return BrevoRejected(f"{said}.", status=status, code=code)


def brevo_time(moment: datetime) -> str:
    """A date-time as Brevo's query parameters take it: UTC, ``YYYY-MM-DDTHH:mm:ss.SSSZ``."""
    if moment.tzinfo is None:
        raise ValueError("a date-time sent to Brevo must be timezone-aware")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _error_body(response: httpx.Response) -> tuple[str | None, str]:
    try:
        payload = response.json()
    except ValueError:
        text = " ".join(response.text.split())[:200]
        return None, text or response.reason_phrase or "no message"
    if isinstance(payload, dict):
        return payload.get("code"), str(payload.get("message") or response.reason_phrase or "no message")
    return None, str(payload)[:200]


def _reset_after(response: httpx.Response) -> float | None:
    for header in ("x-sib-ratelimit-reset", "retry-after"):
        value = response.headers.get(header)
        if value is not None:
            try:
                return float(value)
            except ValueError:
                continue
    return None
