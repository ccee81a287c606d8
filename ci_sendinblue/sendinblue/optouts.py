"""Reading back who opted out in Brevo: the account's blocklisted contacts, read incrementally.

Brevo's contact listing (``GET /contacts``) tells for each contact whether its email and its SMS are
blocklisted, and when the contact was last modified (``modifiedAt``). It gives no time of the unsubscription
itself: ``since`` is the contact's ``modifiedAt`` the first time a read saw it blocklisted, an upper bound of
when the opt-out happened (it happened then or earlier).

Each read asks only for the contacts modified after the cursor (the latest ``modifiedAt`` seen so far), less
:data:`CURSOR_OVERLAP`: a contact modified in the same instant as the cursor, or recorded by Brevo a moment
late, is then read again rather than missed; reading one twice changes nothing. A contact no longer blocklisted
leaves the set. A contact deleted in Brevo is never listed by ``modifiedSince``, so it stays in the set until a
full re-read, which rebuilds the set from every contact Brevo still has: keeping a deleted contact's opt-out
upstream errs on the safe side. Contacts without an email (SMS-only contacts) are left out: the set is keyed by
email, as the segments are.

It knows the client and the store, and nothing of Dagster.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from ci_sendinblue.sendinblue.client import MAX_CONTACTS_PAGE, BrevoClient
from ci_sendinblue.sendinblue.optout_state import (
    EMAIL,
    EMAIL_BLACKLISTED,
    OPTOUT_COLUMNS,
    SINCE,
    SMS_BLACKLISTED,
    OptOutStore,
)

CURSOR_OVERLAP = timedelta(minutes=1)
"""How far before the cursor each read starts again (see the module docstring)."""


@dataclass(frozen=True)
class BlocklistChanges:
    """The contacts one read found, split by what they mean for the set."""

    blocked: pd.DataFrame
    """``email``, ``email_blacklisted``, ``sms_blacklisted`` and ``since`` (their ``modifiedAt``)."""
    cleared: list[str]
    """Emails of contacts read that are not blocklisted (any more)."""
    contacts_read: int
    latest: datetime | None
    """The latest ``modifiedAt`` read: the next cursor."""


@dataclass(frozen=True)
class OptOutsRead:
    """One refresh of a connection's opt-outs: the set now, and what this read changed."""

    optouts: pd.DataFrame
    """The whole set, by email (columns of ``optout_state.OPTOUT_COLUMNS``)."""
    new: list[str]
    """Emails blocklisted that the set did not hold before this read."""
    lifted: int
    contacts_read: int
    asked_since: datetime | None
    """The ``modifiedSince`` this read asked for (None: every contact)."""
    cursor: datetime | None
    full: bool


def read_blocklist_changes(
    client: BrevoClient, modified_since: datetime | None, *, progress: Callable[[str], None] | None = None
) -> BlocklistChanges:
    """Every contact modified after ``modified_since`` (every contact when None), 1,000 a request."""
    emails: list[str] = []
    email_flags: list[bool] = []
    sms_flags: list[bool] = []
    modified: list[datetime] = []
    latest: datetime | None = None
    offset = 0
    while True:
        page = client.contacts(modified_since=modified_since, limit=MAX_CONTACTS_PAGE, offset=offset)
        contacts = page.get("contacts") or []
        for contact in contacts:
            moment = _brevo_moment(contact.get("modifiedAt"))
            latest = moment if latest is None or moment > latest else latest
            email = str(contact.get("email") or "").strip().lower()
            if email:
                emails.append(email)
                email_flags.append(contact.get("emailBlacklisted") is True)
                sms_flags.append(contact.get("smsBlacklisted") is True)
                modified.append(moment)
        offset += len(contacts)
        total = int(page.get("count", 0) or 0)
        if not contacts or offset >= total:
            break
        if progress is not None:
            progress(f"reading Brevo's contacts for opt-outs: {offset:,} of {total:,}")
    read = pd.DataFrame(
        {
            EMAIL: pd.Series(emails, dtype="string[pyarrow]"),
            EMAIL_BLACKLISTED: pd.Series(email_flags, dtype=bool),
            SMS_BLACKLISTED: pd.Series(sms_flags, dtype=bool),
            SINCE: pd.Series(modified, dtype="datetime64[us, UTC]"),
        }
    ).drop_duplicates(EMAIL, keep="last")
    blocklisted = read[EMAIL_BLACKLISTED] | read[SMS_BLACKLISTED]
    return BlocklistChanges(
        blocked=read.loc[blocklisted, list(OPTOUT_COLUMNS)].reset_index(drop=True),
        cleared=read.loc[~blocklisted, EMAIL].tolist(),
        contacts_read=len(read),
        latest=latest,
    )


def refresh_optouts(
    client: BrevoClient,
    store: OptOutStore,
    connection: str,
    *,
    full: bool = False,
    progress: Callable[[str], None] | None = None,
) -> OptOutsRead:
    """Read what changed in Brevo since the last read of ``connection`` (everything when ``full`` or on the
    first read), record it with the new cursor in one transaction, and return the set. ``connection`` is what
    the store keys the connection by (``Names.optouts_state``: its name, behind the configuration's prefix)."""
    cursor = None if full else store.cursor(connection)
    asked = cursor - CURSOR_OVERLAP if cursor is not None else None
    changes = read_blocklist_changes(client, asked, progress=progress)
    change = store.apply(
        connection,
        changes.blocked,
        changes.cleared,
        modified_at=changes.latest,
        read_at=datetime.now(UTC),
        replace=full,
    )
    return OptOutsRead(
        optouts=store.load(connection),
        new=change.new,
        lifted=change.lifted,
        contacts_read=changes.contacts_read,
        asked_since=asked,
        cursor=store.cursor(connection),
        full=full,
    )


def _brevo_moment(value: Any) -> datetime:
    """``modifiedAt`` as Brevo writes it (``2017-05-01 17:05:03+00:00``, ``2026-03-01T09:00:05.123+01:00``,
    a trailing ``Z``), in UTC; a moment without offset is taken as UTC, as Brevo's documentation has it."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"Brevo listed a contact with modifiedAt {value!r}, not a date-time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
