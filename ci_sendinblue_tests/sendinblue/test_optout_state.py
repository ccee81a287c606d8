"""The opt-outs kept per connection beside the sync state: a set by email and the cursor of the last read,
changed together in one transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from ci_sendinblue.sendinblue.optout_state import OPTOUTS_TABLE, OptOutStore
from ci_sendinblue.sendinblue.sync_state import SyncStateStore

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TUESDAY = MONDAY + timedelta(days=1)


def blocked(*rows: tuple[str, bool, bool, datetime]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["email", "email_blacklisted", "sms_blacklisted", "since"]).astype(
        {"since": "datetime64[us, UTC]"}
    )


def held(optouts: OptOutStore, connection: str = "brevo") -> list[tuple]:
    frame = optouts.load(connection)
    return [(e, b, s, t.to_pydatetime()) for e, b, s, t in frame.itertuples(index=False, name=None)]


@pytest.fixture
def optouts(store: SyncStateStore) -> OptOutStore:
    return OptOutStore(store)


def test_a_first_read_records_the_blocklisted_contacts_and_the_cursor(optouts):
    change = optouts.apply(
        "brevo", blocked(("ann@example.com", True, True, MONDAY)), [], modified_at=TUESDAY, read_at=TUESDAY
    )
    assert change.new == ["ann@example.com"] and change.lifted == 0
    assert held(optouts) == [("ann@example.com", True, True, MONDAY)]
    assert optouts.cursor("brevo") == TUESDAY
    assert optouts.cursor("other") is None and held(optouts, "other") == []


def test_a_contact_seen_blocklisted_again_keeps_the_moment_it_was_first_seen(optouts):
    optouts.apply("brevo", blocked(("ann@example.com", True, False, MONDAY)), [], modified_at=MONDAY, read_at=MONDAY)
    change = optouts.apply(
        "brevo", blocked(("ann@example.com", True, True, TUESDAY)), [], modified_at=TUESDAY, read_at=TUESDAY
    )
    assert change.new == []
    assert held(optouts) == [("ann@example.com", True, True, MONDAY)], "flags follow Brevo, since stays"


def test_a_contact_no_longer_blocklisted_leaves_the_set(optouts):
    optouts.apply(
        "brevo",
        blocked(("ann@example.com", True, False, MONDAY), ("bob@example.com", True, False, MONDAY)),
        [],
        modified_at=MONDAY,
        read_at=MONDAY,
    )
    change = optouts.apply(
        "brevo", blocked(), ["ann@example.com", "new@example.com"], modified_at=TUESDAY, read_at=TUESDAY
    )
    assert change.lifted == 1
    assert [row[0] for row in held(optouts)] == ["bob@example.com"]


def test_a_full_re_read_drops_what_it_did_not_see_and_keeps_since_of_the_rest(optouts):
    optouts.apply(
        "brevo",
        blocked(("ann@example.com", True, False, MONDAY), ("gone@example.com", True, False, MONDAY)),
        [],
        modified_at=MONDAY,
        read_at=MONDAY,
    )
    change = optouts.apply(
        "brevo",
        blocked(("ann@example.com", True, False, TUESDAY)),
        [],
        modified_at=TUESDAY,
        read_at=TUESDAY,
        replace=True,
    )
    assert change.lifted == 1
    assert held(optouts) == [("ann@example.com", True, False, MONDAY)]


def test_the_cursor_never_moves_back_and_stays_when_a_read_saw_nothing(optouts):
    optouts.apply("brevo", blocked(), [], modified_at=TUESDAY, read_at=TUESDAY)
    optouts.apply("brevo", blocked(), [], modified_at=MONDAY, read_at=TUESDAY)
    optouts.apply("brevo", blocked(), [], modified_at=None, read_at=TUESDAY)
    assert optouts.cursor("brevo") == TUESDAY


def test_a_read_that_fails_while_recording_leaves_set_and_cursor_as_they_were(optouts, store):
    optouts.apply("brevo", blocked(("ann@example.com", True, False, MONDAY)), [], modified_at=MONDAY, read_at=MONDAY)

    def fail_on_insert(conn, cursor, statement, parameters, context, executemany):
        if OPTOUTS_TABLE in statement and statement.lstrip().upper().startswith("INSERT"):
            raise RuntimeError("injected failure")

    sa.event.listen(store.engine, "before_cursor_execute", fail_on_insert)
    try:
        with pytest.raises(RuntimeError):
            optouts.apply(
                "brevo",
                blocked(("bob@example.com", True, False, TUESDAY)),
                ["ann@example.com"],
                modified_at=TUESDAY,
                read_at=TUESDAY,
            )
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", fail_on_insert)
    assert held(optouts) == [("ann@example.com", True, False, MONDAY)]
    assert optouts.cursor("brevo") == MONDAY


def test_a_store_opened_again_finds_the_set(optouts, open_store: Callable[..., SyncStateStore]):
    optouts.apply("brevo", blocked(("ann@example.com", True, False, MONDAY)), [], modified_at=MONDAY, read_at=MONDAY)
    again = OptOutStore(open_store())
    assert held(again) == [("ann@example.com", True, False, MONDAY)]
    assert again.cursor("brevo") == MONDAY
