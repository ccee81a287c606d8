"""Reading the account's blocklisted contacts back from Brevo's contact listing, a page at a time, and only
what changed since the last read (Brevo's side of it is the emulator's, tested in e2e/test_optouts.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from ci_sendinblue.sendinblue.client import BrevoClient
from ci_sendinblue.sendinblue.optout_state import OptOutStore
from ci_sendinblue.sendinblue.optouts import CURSOR_OVERLAP, read_blocklist_changes, refresh_optouts
from ci_sendinblue.sendinblue.policies import RetryPolicy

FAST = RetryPolicy(attempts=2, timeout=5, wait_initial=0.001, wait_max=0.01, wait_jitter=0)


def contact(email: str | None, modified: str, *, email_blocked: bool = False, sms_blocked: bool = False) -> dict:
    found = {"id": 1, "emailBlacklisted": email_blocked, "smsBlacklisted": sms_blocked, "modifiedAt": modified}
    return {**found, "email": email} if email is not None else found


class Listing:
    """Answers ``GET /contacts`` with the pages given, by offset, and notes each query."""

    def __init__(self, *contacts: dict, page: int = 2) -> None:
        self.contacts = list(contacts)
        self.page = page
        self.queries: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        query = dict(request.url.params)
        self.queries.append(query)
        offset = int(query["offset"])
        return httpx.Response(
            200, json={"contacts": self.contacts[offset : offset + self.page], "count": len(self.contacts)}
        )

    def client(self) -> BrevoClient:
        return BrevoClient("http://brevo.test/v3", "key", retry=FAST, transport=httpx.MockTransport(self))


def test_a_read_goes_through_every_page_and_splits_blocklisted_from_cleared_contacts():
    listing = Listing(
        contact(" Ann@Example.com", "2026-03-01 09:00:00+00:00", email_blocked=True),
        contact("bob@example.com", "2026-03-01T10:30:00.250+01:00"),
        contact("carl@example.net", "2026-03-02T08:00:00.000Z", sms_blocked=True),
        contact(None, "2026-03-03T08:00:00.000Z", sms_blocked=True),
    )
    changes = read_blocklist_changes(listing.client(), None)
    assert [int(q["offset"]) for q in listing.queries] == [0, 2]
    assert all(q["sort"] == "asc" and "modifiedSince" not in q for q in listing.queries)
    assert changes.blocked.to_dict("records") == [
        {
            "email": "ann@example.com",
            "email_blacklisted": True,
            "sms_blacklisted": False,
            "since": datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        },
        {
            "email": "carl@example.net",
            "email_blacklisted": False,
            "sms_blacklisted": True,
            "since": datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        },
    ]
    assert changes.cleared == ["bob@example.com"]
    assert changes.contacts_read == 3, "the SMS-only contact has no email to key it by"
    assert changes.latest == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


def test_an_unreadable_modification_time_names_the_value():
    listing = Listing(contact("ann@example.com", "yesterday", email_blocked=True))
    with pytest.raises(ValueError, match="modifiedAt 'yesterday'"):
        read_blocklist_changes(listing.client(), None)


@pytest.fixture
def optouts(store) -> OptOutStore:
    return OptOutStore(store)


def test_the_next_read_asks_only_for_contacts_modified_since_the_cursor_less_the_overlap(optouts):
    first = Listing(contact("ann@example.com", "2026-03-01T09:00:00.000Z", email_blocked=True))
    read = refresh_optouts(first.client(), optouts, "brevo")
    assert read.new == ["ann@example.com"] and read.cursor == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    second = Listing(
        contact("ann@example.com", "2026-03-01T09:00:00.000Z", email_blocked=True),
        contact("bob@example.com", "2026-03-04T09:00:00.000Z", email_blocked=True),
    )
    again = refresh_optouts(second.client(), optouts, "brevo")
    asked = datetime(2026, 3, 1, 9, 0, tzinfo=UTC) - CURSOR_OVERLAP
    assert second.queries[0]["modifiedSince"] == asked.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert again.new == ["bob@example.com"], "read again in the overlap, ann is not new"
    assert again.optouts["email"].tolist() == ["ann@example.com", "bob@example.com"]
    assert again.cursor == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


def test_a_full_re_read_asks_for_every_contact_and_forgets_those_brevo_no_longer_has(optouts):
    refresh_optouts(
        Listing(
            contact("ann@example.com", "2026-03-01T09:00:00.000Z", email_blocked=True),
            contact("gone@example.com", "2026-03-01T09:00:00.000Z", email_blocked=True),
        ).client(),
        optouts,
        "brevo",
    )
    listing = Listing(contact("ann@example.com", "2026-03-01T09:00:00.000Z", email_blocked=True))
    read = refresh_optouts(listing.client(), optouts, "brevo", full=True)
    assert "modifiedSince" not in listing.queries[0]
    assert (read.lifted, read.optouts["email"].tolist()) == (1, ["ann@example.com"])
