"""The sync state keeps exactly what Brevo confirmed, per export, and a failed write changes nothing.

Every store test runs on SQLite and on PostgreSQL (see conftest.py for how PostgreSQL is found or skipped).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from ci_sendinblue.sendinblue.sync_state import STATE_TABLE, SyncStateStore

from .conftest import StateBackend

CONFIRMED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
LATER = CONFIRMED + timedelta(hours=1)


def rows(*pairs: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["email", "attributes_hash"], dtype=object)


def state_of(store: SyncStateStore, export_name: str) -> list[tuple[str, str]]:
    frame = store.load(export_name).sort_values("email")
    return list(frame.itertuples(index=False, name=None))


@pytest.fixture
def three_members(store: SyncStateStore) -> SyncStateStore:
    store.record_confirmed_upserts(
        "newsletter", rows(("a@example.com", "h1"), ("b@example.com", "h2"), ("c@example.com", "h3")), CONFIRMED
    )
    return store


@contextmanager
def failing_on_write_batch(store: SyncStateStore, batch: int) -> Iterator[None]:
    """Raises from inside the transaction just before the ``batch``-th INSERT/DELETE on the state table."""
    seen = 0

    def _before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        nonlocal seen
        if STATE_TABLE in statement and statement.lstrip().upper().startswith(("INSERT", "DELETE")):
            seen += 1
            if seen == batch:
                raise RuntimeError("injected failure")

    sa.event.listen(store.engine, "before_cursor_execute", _before)
    try:
        yield
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", _before)


# -- reading and writing --------------------------------------------------------------------------------------


def test_an_unknown_export_loads_as_an_empty_frame_with_the_state_columns(store: SyncStateStore) -> None:
    loaded = store.load("never-synced")
    assert loaded.empty
    assert list(loaded.columns) == ["email", "attributes_hash"]
    assert store.summary("never-synced") is None


def test_confirmed_upserts_are_loaded_back(three_members: SyncStateStore) -> None:
    assert state_of(three_members, "newsletter") == [
        ("a@example.com", "h1"),
        ("b@example.com", "h2"),
        ("c@example.com", "h3"),
    ]


def test_the_state_survives_reopening_the_database(three_members: SyncStateStore, state_backend: StateBackend) -> None:
    reopened = state_backend.open()
    try:
        assert state_of(reopened, "newsletter") == state_of(three_members, "newsletter")
    finally:
        reopened.dispose()


def test_an_upsert_overwrites_the_hash_of_a_known_member(three_members: SyncStateStore) -> None:
    three_members.record_confirmed_upserts("newsletter", rows(("b@example.com", "h2-new")), LATER)
    assert state_of(three_members, "newsletter") == [
        ("a@example.com", "h1"),
        ("b@example.com", "h2-new"),
        ("c@example.com", "h3"),
    ]


def test_an_upsert_moves_the_confirmation_time_forward(three_members: SyncStateStore) -> None:
    three_members.record_confirmed_upserts("newsletter", rows(("b@example.com", "h2-new")), LATER)
    query = sa.text(f"SELECT email, confirmed_at FROM {STATE_TABLE} ORDER BY email")
    schema = three_members.state.schema
    if schema:
        query = sa.text(f'SELECT email, confirmed_at FROM "{schema}".{STATE_TABLE} ORDER BY email')
    with three_members.engine.connect() as conn:
        times = {email: stamp for email, stamp in conn.execute(query)}
    assert times["b@example.com"] > times["a@example.com"]


def test_emails_are_stored_trimmed_and_lower_case(store: SyncStateStore) -> None:
    store.record_confirmed_upserts("newsletter", rows((" Ann@Example.COM ", "h1")), CONFIRMED)
    assert state_of(store, "newsletter") == [("ann@example.com", "h1")]


def test_only_email_hashes_and_timestamps_are_stored(three_members: SyncStateStore) -> None:
    assert [c.name for c in three_members.state.columns] == [
        "export_name",
        "email",
        "attributes_hash",
        "phone_key",
        "confirmed_at",
    ]


def test_other_columns_given_with_the_rows_are_not_stored(store: SyncStateStore) -> None:
    with_attributes = rows(("a@example.com", "h1")).assign(FIRSTNAME="Ann")
    store.record_confirmed_upserts("newsletter", with_attributes, CONFIRMED)
    assert list(store.load("newsletter").columns) == ["email", "attributes_hash"]


def test_confirmed_removals_delete_those_members_only(three_members: SyncStateStore) -> None:
    three_members.record_confirmed_removals("newsletter", ["a@example.com", "C@example.com "])
    assert state_of(three_members, "newsletter") == [("b@example.com", "h2")]


def test_removing_an_unknown_member_is_harmless(three_members: SyncStateStore) -> None:
    three_members.record_confirmed_removals("newsletter", ["nobody@example.com"])
    assert len(three_members.load("newsletter")) == 3


def test_replace_makes_the_given_rows_the_whole_state(three_members: SyncStateStore) -> None:
    three_members.replace("newsletter", rows(("b@example.com", "h2-new"), ("d@example.com", "h4")), LATER)
    assert state_of(three_members, "newsletter") == [("b@example.com", "h2-new"), ("d@example.com", "h4")]


def test_replace_with_nothing_empties_the_export(three_members: SyncStateStore) -> None:
    three_members.replace("newsletter", rows())
    assert len(three_members.load("newsletter")) == 0


def test_exports_are_isolated_from_each_other(three_members: SyncStateStore) -> None:
    three_members.record_confirmed_upserts("promo", rows(("a@example.com", "other")), LATER)
    three_members.record_confirmed_removals("promo", ["a@example.com"])
    three_members.replace("vip", rows(("z@example.com", "h9")))
    assert state_of(three_members, "newsletter") == [
        ("a@example.com", "h1"),
        ("b@example.com", "h2"),
        ("c@example.com", "h3"),
    ]
    assert three_members.load("promo").empty


def test_the_summary_counts_members_and_keeps_the_latest_confirmation(three_members: SyncStateStore) -> None:
    three_members.record_confirmed_upserts("newsletter", rows(("d@example.com", "h4")), LATER)
    three_members.record_confirmed_removals("newsletter", ["a@example.com"])
    summary = three_members.summary("newsletter")
    assert summary is not None
    assert summary.member_count == 3 == len(three_members.load("newsletter"))
    assert summary.last_confirmed_at == LATER


def test_a_completed_run_records_its_segment_counts(three_members: SyncStateStore) -> None:
    three_members.record_run("newsletter", {"seattle": 2, "platinum": 1}, LATER)
    summary = three_members.summary("newsletter")
    assert summary is not None
    assert (summary.segment_counts, summary.last_run_at, summary.member_count) == (
        {"platinum": 1, "seattle": 2},
        LATER,
        3,
    )


def test_confirmation_times_in_other_zones_are_kept_as_utc(store: SyncStateStore) -> None:
    paris = timezone(timedelta(hours=1))
    store.record_confirmed_upserts(
        "newsletter", rows(("a@example.com", "h1")), datetime(2025, 3, 1, 13, 0, tzinfo=paris)
    )
    summary = store.summary("newsletter")
    assert summary is not None
    assert summary.last_confirmed_at == CONFIRMED
    assert summary.last_confirmed_at.tzinfo == UTC


def test_writes_span_many_batches(open_store: Callable[..., SyncStateStore]) -> None:
    store = open_store(batch_size=7)
    many = rows(*[(f"person{i}@example.com", f"h{i}") for i in range(100)])
    store.record_confirmed_upserts("newsletter", many, CONFIRMED)
    store.record_confirmed_removals("newsletter", [f"person{i}@example.com" for i in range(0, 100, 2)])
    assert len(store.load("newsletter")) == 50


def test_a_state_larger_than_a_page_loads_back_exactly(open_store: Callable[..., SyncStateStore]) -> None:
    """Loads come back in pages of concatenated values and byte lengths: values with commas, non-ASCII text
    and missing phone keys on every page must come back as written, each with its own email."""
    store = open_store(load_page_rows=3)
    written = pd.DataFrame(
        {
            "email": [f"zoë.{i}@exämple.com" if i % 3 else f"p{i}@example.com" for i in range(20)],
            "attributes_hash": [f"h,{i}" if i % 4 else "ß" * i for i in range(1, 21)],
            "phone_key": [None if i % 2 else f"k{i}" for i in range(20)],
        }
    )
    store.record_confirmed_upserts("newsletter", written, CONFIRMED)
    store.record_confirmed_upserts("other", written.head(5), CONFIRMED)
    loaded = store.load("newsletter", phone_keys=True).sort_values("email", ignore_index=True)
    assert loaded.to_dict("records") == written.sort_values("email", ignore_index=True).to_dict("records")
    assert len(store.load("other")) == 5


# -- invalid input is refused before anything is written ------------------------------------------------------


def test_a_naive_confirmation_time_is_refused(three_members: SyncStateStore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        three_members.record_confirmed_upserts("newsletter", rows(("a@example.com", "x")), datetime(2025, 3, 1))
    assert state_of(three_members, "newsletter")[0] == ("a@example.com", "h1")


def test_duplicate_emails_are_refused_without_naming_them(three_members: SyncStateStore) -> None:
    duplicated = rows(("a@example.com", "x"), ("A@example.com", "y"))
    with pytest.raises(ValueError, match="1 duplicate") as raised:
        three_members.record_confirmed_upserts("newsletter", duplicated, LATER)
    assert "example.com" not in str(raised.value)
    assert state_of(three_members, "newsletter")[0] == ("a@example.com", "h1")


def test_a_missing_hash_is_refused(three_members: SyncStateStore) -> None:
    with pytest.raises(ValueError, match="missing or blank hash"):
        three_members.record_confirmed_upserts("newsletter", rows(("a@example.com", None)), LATER)  # type: ignore[arg-type]
    assert len(three_members.load("newsletter")) == 3


# -- a failed or killed write leaves the previous state intact -------------------------------------------------


def test_state_is_unchanged_when_an_upsert_fails_in_a_later_batch(open_store: Callable[..., SyncStateStore]) -> None:
    store = open_store(batch_size=2)
    before = rows(("a@example.com", "h1"), ("b@example.com", "h2"))
    store.record_confirmed_upserts("newsletter", before, CONFIRMED)
    update = rows(("a@example.com", "x1"), ("b@example.com", "x2"), ("c@example.com", "x3"), ("d@example.com", "x4"))

    with failing_on_write_batch(store, batch=2), pytest.raises(RuntimeError, match="injected"):
        store.record_confirmed_upserts("newsletter", update, LATER)

    assert state_of(store, "newsletter") == [("a@example.com", "h1"), ("b@example.com", "h2")]
    summary = store.summary("newsletter")
    assert summary is not None
    assert (summary.member_count, summary.last_confirmed_at) == (2, CONFIRMED)


def test_state_is_unchanged_when_a_removal_fails_in_a_later_batch(open_store: Callable[..., SyncStateStore]) -> None:
    store = open_store(batch_size=1)
    before = rows(("a@example.com", "h1"), ("b@example.com", "h2"))
    store.record_confirmed_upserts("newsletter", before, CONFIRMED)

    with failing_on_write_batch(store, batch=2), pytest.raises(RuntimeError, match="injected"):
        store.record_confirmed_removals("newsletter", ["a@example.com", "b@example.com"])

    assert state_of(store, "newsletter") == [("a@example.com", "h1"), ("b@example.com", "h2")]


def test_state_is_unchanged_when_a_replace_fails_after_deleting(three_members: SyncStateStore) -> None:
    with failing_on_write_batch(three_members, batch=2), pytest.raises(RuntimeError, match="injected"):
        three_members.replace("newsletter", rows(("z@example.com", "h9")))

    assert state_of(three_members, "newsletter") == [
        ("a@example.com", "h1"),
        ("b@example.com", "h2"),
        ("c@example.com", "h3"),
    ]


def test_state_is_unchanged_when_the_database_rejects_a_row_in_a_later_batch(
    open_store: Callable[..., SyncStateStore],
) -> None:
    store = open_store(batch_size=2)
    store.record_confirmed_upserts("newsletter", rows(("a@example.com", "h1")), CONFIRMED)
    # Validation passes (unique emails), but plain INSERT of an already stored member violates the primary key.
    clashing = rows(("b@example.com", "h2"), ("c@example.com", "h3"), ("a@example.com", "x"))
    validated = store._validated(clashing, LATER)

    with pytest.raises(sa.exc.IntegrityError), store._write() as conn:
        store._write_rows(conn, "newsletter", validated, LATER, upsert=False)

    assert state_of(store, "newsletter") == [("a@example.com", "h1")]


KILLED_WRITER = """
import os, sys
from datetime import UTC, datetime
import pandas as pd
import sqlalchemy as sa
from ci_sendinblue.sendinblue.sync_state import SyncStateStore

url, schema = sys.argv[1], sys.argv[2] or None
store = SyncStateStore(url, schema=schema, batch_size=2)
writes = 0

@sa.event.listens_for(store.engine, "after_cursor_execute")
def _die(conn, cursor, statement, parameters, context, executemany):
    global writes
    if statement.lstrip().upper().startswith("INSERT INTO") and "sync_state" in statement:
        writes += 1
        if writes == 2:
            os._exit(9)  # killed between two batches: no rollback, no commit, no cleanup

frame = pd.DataFrame({"email": [f"p{i}@example.com" for i in range(6)], "attributes_hash": ["new"] * 6})
store.record_confirmed_upserts("newsletter", frame, datetime.now(UTC))
"""


def test_state_is_unchanged_when_the_process_is_killed_mid_write(
    three_members: SyncStateStore, state_backend: StateBackend
) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, state_backend.url, state_backend.schema or ""],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert killed.returncode == 9, killed.stderr

    assert state_of(three_members, "newsletter") == [
        ("a@example.com", "h1"),
        ("b@example.com", "h2"),
        ("c@example.com", "h3"),
    ]
    three_members.record_confirmed_upserts("newsletter", rows(("d@example.com", "h4")), LATER)  # not left locked
    assert len(three_members.load("newsletter")) == 4


# -- where the state lives by default -------------------------------------------------------------------------


def test_sqlite_state_uses_write_ahead_logging(tmp_path: Path) -> None:
    with SyncStateStore(f"sqlite:///{tmp_path / 'state.db'}") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000


# -- phone keys, the members digest, and tables from an earlier version ---------------------------------------


def test_phone_keys_are_stored_with_the_hash_and_replaced_by_an_upsert(store: SyncStateStore) -> None:
    with_keys = rows(("a@example.com", "h1"), ("b@example.com", "h2")).assign(phone_key=["111", None])
    store.record_confirmed_upserts("newsletter", with_keys, CONFIRMED)
    store.record_confirmed_upserts("newsletter", rows(("b@example.com", "h3")).assign(phone_key=["222"]), LATER)
    loaded = store.load("newsletter", phone_keys=True).sort_values("email")
    assert list(loaded.itertuples(index=False, name=None)) == [
        ("a@example.com", "h1", "111"),
        ("b@example.com", "h3", "222"),
    ]


def test_a_run_s_members_digest_is_kept_until_the_state_is_written_again(three_members: SyncStateStore) -> None:
    three_members.record_run("newsletter", {"vip": 3}, members_digest="d1", facts={"invalid_phones": 2})
    summary = three_members.summary("newsletter")
    assert summary is not None
    assert (summary.members_digest, summary.run_facts) == ("d1", {"invalid_phones": 2})

    three_members.record_confirmed_removals("newsletter", ["a@example.com"])
    summary = three_members.summary("newsletter")
    assert summary is not None
    assert summary.members_digest is None, "a write after the run must withdraw the digest's promise"


@pytest.mark.parametrize("write", ["upsert", "replace"])
def test_every_state_write_withdraws_the_members_digest(three_members: SyncStateStore, write: str) -> None:
    three_members.record_run("newsletter", {"vip": 3}, members_digest="d1")
    if write == "upsert":
        three_members.record_confirmed_upserts("newsletter", rows(("z@example.com", "h9")), LATER)
    else:
        three_members.replace("newsletter", rows(("z@example.com", "h9")), LATER)
    summary = three_members.summary("newsletter")
    assert summary is not None
    assert summary.members_digest is None


def test_tables_of_an_earlier_version_gain_the_new_columns_and_keep_their_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE ci_sendinblue_sync_state (export_name VARCHAR(200) NOT NULL, email VARCHAR(320) NOT NULL, "
            "attributes_hash VARCHAR(64) NOT NULL, confirmed_at DATETIME NOT NULL, PRIMARY KEY (export_name, email))"
        )
        conn.exec_driver_sql(
            "INSERT INTO ci_sendinblue_sync_state VALUES ('newsletter', 'a@example.com', 'old', '2025-03-01 12:00:00')"
        )
    engine.dispose()
    with SyncStateStore(url) as store:
        loaded = store.load("newsletter", phone_keys=True)
        assert list(loaded[["email", "attributes_hash"]].itertuples(index=False, name=None)) == [
            ("a@example.com", "old")
        ]
        assert loaded["phone_key"].isna().all()
        store.record_confirmed_upserts("newsletter", rows(("b@example.com", "h2")).assign(phone_key=["7"]), LATER)
        assert len(store.load("newsletter")) == 2
