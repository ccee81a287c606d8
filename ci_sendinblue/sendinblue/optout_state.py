"""The opt-outs read back from each Brevo account, kept beside the sync state (same database, same rules).

Brevo's contact listing can only be asked for contacts modified since a moment, so the set of blocklisted
contacts is kept here with the moment the last read reached: each run then reads only what changed. Set and
cursor change in ONE transaction, so a failed or killed read leaves both as they were and the next run reads
the same changes again.

Tables (SQLAlchemy Core, created if missing, columns added since by ``ALTER TABLE``, as ``sync_state``)::

    ci_sendinblue_optouts(
        connection        VARCHAR(200) NOT NULL,
        email             VARCHAR(320) NOT NULL,   -- as Brevo keys the contact (lower-case)
        email_blacklisted BOOLEAN      NOT NULL,
        sms_blacklisted   BOOLEAN      NOT NULL,
        since             TIMESTAMP    NOT NULL,   -- UTC: the contact's modifiedAt when first seen blocklisted
        PRIMARY KEY (connection, email))
    ci_sendinblue_optout_cursor(
        connection   VARCHAR(200) PRIMARY KEY,
        modified_at  TIMESTAMP NULL,               -- UTC: the latest modifiedAt a read has seen
        read_at      TIMESTAMP NOT NULL)           -- UTC: when that read completed

Only the email and the two flags are kept: what an upstream system needs to suppress a person, no attribute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ci_sendinblue.sendinblue.sync_state import SyncStateStore, UTCDateTime

OPTOUTS_TABLE = "ci_sendinblue_optouts"
CURSOR_TABLE = "ci_sendinblue_optout_cursor"
EMAIL = "email"
EMAIL_BLACKLISTED = "email_blacklisted"
SMS_BLACKLISTED = "sms_blacklisted"
SINCE = "since"
OPTOUT_COLUMNS = (EMAIL, EMAIL_BLACKLISTED, SMS_BLACKLISTED, SINCE)
_BATCH = 1_000


@dataclass(frozen=True)
class OptOutChange:
    """What one read changed in the set."""

    new: list[str]
    """Emails blocklisted that the set did not hold."""
    lifted: int
    """Contacts the set held that Brevo no longer blocklists (or, after a full re-read, no longer has)."""


class OptOutStore:
    """The blocklisted contacts of each connection and the cursor of its last read, in the sync state's
    database (SQLite or PostgreSQL, same schema)."""

    def __init__(self, state: SyncStateStore) -> None:
        self._state = state
        self._is_sqlite = state.engine.dialect.name == "sqlite"
        metadata = sa.MetaData(schema=state.schema)
        self.optouts = sa.Table(
            OPTOUTS_TABLE,
            metadata,
            sa.Column("connection", sa.String(200), primary_key=True),
            sa.Column(EMAIL, sa.String(320), primary_key=True),
            sa.Column(EMAIL_BLACKLISTED, sa.Boolean(), nullable=False),
            sa.Column(SMS_BLACKLISTED, sa.Boolean(), nullable=False),
            sa.Column(SINCE, UTCDateTime(), nullable=False),
        )
        self.cursors = sa.Table(
            CURSOR_TABLE,
            metadata,
            sa.Column("connection", sa.String(200), primary_key=True),
            sa.Column("modified_at", UTCDateTime(), nullable=True),
            sa.Column("read_at", UTCDateTime(), nullable=False),
        )
        state.ensure_tables(metadata)

    def cursor(self, connection: str) -> datetime | None:
        """The latest ``modifiedAt`` the last completed read of ``connection`` saw; None before the first."""
        query = sa.select(self.cursors.c.modified_at).where(self.cursors.c.connection == connection)
        with self._state.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    def load(self, connection: str) -> pd.DataFrame:
        """The set, by email: ``email`` (text), ``email_blacklisted``, ``sms_blacklisted`` (bool), ``since``
        (UTC)."""
        query = (
            sa.select(*(self.optouts.c[name] for name in OPTOUT_COLUMNS))
            .where(self.optouts.c.connection == connection)
            .order_by(self.optouts.c[EMAIL])
        )
        with self._state.engine.connect() as conn:
            rows = conn.execute(query).all()
        frame = pd.DataFrame(rows, columns=list(OPTOUT_COLUMNS))
        return frame.astype(
            {EMAIL: "string[pyarrow]", EMAIL_BLACKLISTED: bool, SMS_BLACKLISTED: bool, SINCE: "datetime64[us, UTC]"}
        )

    def apply(
        self,
        connection: str,
        blocked: pd.DataFrame,
        cleared: Sequence[str],
        *,
        modified_at: datetime | None,
        read_at: datetime,
        replace: bool = False,
    ) -> OptOutChange:
        """Record one read in one transaction: ``blocked`` (columns ``email``, the two flags and ``since``) are
        in the set, keeping the ``since`` of those it held; ``cleared`` emails leave it; with ``replace`` (a
        full re-read) every email not in ``blocked`` leaves it too. The cursor moves to ``modified_at`` when
        given."""
        table = self.optouts
        emails = blocked[EMAIL].tolist()
        with self._state.transaction() as conn:
            held = set(conn.execute(sa.select(table.c[EMAIL]).where(table.c.connection == connection)).scalars().all())
            leaving = (held - set(emails)) if replace else held.intersection(cleared)
            for chunk in _chunks(sorted(leaving)):
                conn.execute(sa.delete(table).where(table.c.connection == connection, table.c[EMAIL].in_(chunk)))
            rows = [
                {"connection": connection, EMAIL: e, EMAIL_BLACKLISTED: bool(b), SMS_BLACKLISTED: bool(s), SINCE: t}
                for e, b, s, t in zip(
                    emails,
                    blocked[EMAIL_BLACKLISTED],
                    blocked[SMS_BLACKLISTED],
                    [moment.to_pydatetime() for moment in blocked[SINCE]],
                    strict=True,
                )
            ]
            insert = (sqlite.insert if self._is_sqlite else postgresql.insert)(table)
            upsert = insert.on_conflict_do_update(  # a contact already held keeps the moment it was first seen
                index_elements=[table.c.connection, table.c[EMAIL]],
                set_={name: insert.excluded[name] for name in (EMAIL_BLACKLISTED, SMS_BLACKLISTED)},
            )
            for start in range(0, len(rows), _BATCH):
                conn.execute(upsert, rows[start : start + _BATCH])
            self._move_cursor(conn, connection, modified_at, read_at)
        return OptOutChange(new=[e for e in emails if e not in held], lifted=len(leaving))

    def _move_cursor(
        self, conn: sa.Connection, connection: str, modified_at: datetime | None, read_at: datetime
    ) -> None:
        cursors = self.cursors
        previous = conn.execute(
            sa.select(cursors.c.modified_at).where(cursors.c.connection == connection)
        ).one_or_none()
        values: dict[str, object] = {"connection": connection, "read_at": read_at}
        if modified_at is not None:  # never backwards: the next read would only repeat what this one saw
            values["modified_at"] = max(modified_at, previous[0]) if previous and previous[0] else modified_at
        if previous is None:
            conn.execute(sa.insert(cursors), values)
        else:
            conn.execute(sa.update(cursors).where(cursors.c.connection == connection), values)


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[start : start + _BATCH] for start in range(0, len(values), _BATCH)]
