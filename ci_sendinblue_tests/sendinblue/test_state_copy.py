"""The local Arrow copy of the state: used while it equals the database, never once someone else wrote.

A stale copy would make a run skip members whose values changed, or re-send nothing to members Brevo lost;
so every case checks what a load returns against the database itself (a store without a copy).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from ci_sendinblue.sendinblue.sync_state import EXPORT_TABLE, STATE_TABLE, SyncStateStore

CONFIRMED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def rows(*triples: tuple[str, str, str | None]) -> pd.DataFrame:
    return pd.DataFrame(triples, columns=["email", "attributes_hash", "phone_key"], dtype=object)


def content(store: SyncStateStore) -> list[tuple[Any, ...]]:
    frame = store.load("newsletter", phone_keys=True).sort_values("email")
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False, name=None)]


@contextmanager
def state_reads(store: SyncStateStore) -> Iterator[list[str]]:
    """The statements that read the state table while the block runs."""
    seen: list[str] = []

    def _before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if STATE_TABLE in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", _before)
    try:
        yield seen
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", _before)


@pytest.fixture
def with_copy(open_store: Callable[..., SyncStateStore], tmp_path: Path) -> Callable[[], SyncStateStore]:
    """A new store with the copy in one folder, as each new run process opens one."""
    return lambda: open_store(cache_dir=tmp_path / "copies")


@pytest.fixture
def database(open_store: Callable[..., SyncStateStore]) -> SyncStateStore:
    """The database alone, no copy: the truth every load is compared with; also "another writer"."""
    return open_store()


def first_run(store: SyncStateStore) -> None:
    store.load("newsletter", phone_keys=True)
    store.record_confirmed_upserts(
        "newsletter", rows(("a@example.com", "h1", "k1"), ("b@example.com", "h2", None)), CONFIRMED
    )
    store.record_confirmed_upserts("newsletter", rows(("c@example.com", "h3", "k3")), CONFIRMED)
    store.record_run("newsletter", {"all": 3})


def test_the_next_run_loads_the_copy_a_run_left_without_reading_the_state_table(
    with_copy: Callable[[], SyncStateStore], database: SyncStateStore
) -> None:
    first_run(with_copy())
    next_run = with_copy()
    with state_reads(next_run) as reads:
        loaded = content(next_run)
    assert reads == []
    assert (
        loaded
        == content(database)
        == [
            ("a@example.com", "h1", "k1"),
            ("b@example.com", "h2", None),
            ("c@example.com", "h3", "k3"),
        ]
    )


def test_removals_updates_and_replacement_keep_the_copy_equal_to_the_database(
    with_copy: Callable[[], SyncStateStore], database: SyncStateStore
) -> None:
    first_run(with_copy())
    second = with_copy()
    second.load("newsletter")
    second.record_confirmed_upserts(
        "newsletter", rows(("b@example.com", "h2b", "k2"), ("d@example.com", "h4", None)), CONFIRMED
    )
    second.record_confirmed_removals("newsletter", ["A@example.com ", "x@example.com"])
    second.record_run("newsletter", {"all": 3})
    third = with_copy()
    with state_reads(third) as reads:
        assert content(third) == content(database)
    assert reads == []
    assert content(database) == [
        ("b@example.com", "h2b", "k2"),
        ("c@example.com", "h3", "k3"),
        ("d@example.com", "h4", None),
    ]

    third.replace("newsletter", rows(("z@example.com", "h9", None)), CONFIRMED)
    third.record_run("newsletter", {"all": 1})
    fourth = with_copy()
    with state_reads(fourth) as reads:
        assert content(fourth) == content(database) == [("z@example.com", "h9", None)]
    assert reads == []


def test_a_copy_rewritten_in_pieces_and_without_a_load_first_equals_the_database(
    with_copy: Callable[[], SyncStateStore], database: SyncStateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rewrites go a few rows at a time; a writer that did not load starts from the copy on disk."""
    monkeypatch.setattr("ci_sendinblue.sendinblue.state_cache._PIECE_ROWS", 2)
    first_run(with_copy())
    writer = with_copy()  # no load: the copy of the version it starts from is read from disk
    writer.record_confirmed_upserts(
        "newsletter", rows(("b@example.com", "h2b", None), ("e@example.com", "h5", "k5")), CONFIRMED
    )
    writer.record_confirmed_removals("newsletter", ["c@example.com"])
    reader = with_copy()
    with state_reads(reader) as reads:
        assert (
            content(reader)
            == content(database)
            == [
                ("a@example.com", "h1", "k1"),
                ("b@example.com", "h2b", None),
                ("e@example.com", "h5", "k5"),
            ]
        )
    assert reads == []


def test_a_copy_is_not_used_once_another_writer_changed_the_state(
    with_copy: Callable[[], SyncStateStore], database: SyncStateStore
) -> None:
    first_run(with_copy())
    database.record_confirmed_upserts("newsletter", rows(("a@example.com", "changed", "k1")), CONFIRMED)
    later = with_copy()
    with state_reads(later) as reads:
        assert content(later) == content(database)
    assert reads, "the copy was of an older version: the database must be read"
    assert ("a@example.com", "changed", "k1") in content(later)


def test_a_write_by_someone_else_between_a_run_s_load_and_its_write_leaves_no_wrong_copy(
    with_copy: Callable[[], SyncStateStore], database: SyncStateStore
) -> None:
    first_run(with_copy())
    run = with_copy()
    run.load("newsletter")  # knows version 1
    database.record_confirmed_upserts("newsletter", rows(("x@example.com", "hx", None)), CONFIRMED)  # version 2
    run.record_confirmed_upserts("newsletter", rows(("y@example.com", "hy", None)), CONFIRMED)  # version 3
    run.record_run("newsletter", {"all": 5})
    expected = content(database)
    assert ("x@example.com", "hx", None) in expected and ("y@example.com", "hy", None) in expected
    assert content(with_copy()) == expected


def test_an_unreadable_copy_is_ignored(
    with_copy: Callable[[], SyncStateStore], database: SyncStateStore, tmp_path: Path
) -> None:
    first_run(with_copy())
    (copy,) = (tmp_path / "copies").glob("*.arrow")
    copy.write_bytes(copy.read_bytes()[:100])
    assert content(with_copy()) == content(database)


def test_a_state_written_by_an_earlier_version_is_read_from_the_database_until_written_again(
    with_copy: Callable[[], SyncStateStore], database: SyncStateStore
) -> None:
    """Before versions existed the summary holds none: no copy can be trusted, none is written."""
    first_run(with_copy())
    with database.engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {_qualified(database, EXPORT_TABLE)} SET state_version = NULL"))
    run = with_copy()
    with state_reads(run) as reads:
        assert content(run) == content(database)
    assert reads
    run.record_confirmed_upserts("newsletter", rows(("e@example.com", "h5", None)), CONFIRMED)
    run.record_run("newsletter", {"all": 4})
    after = with_copy()
    with state_reads(after) as reads:
        assert content(after) == content(database)
    assert reads, "the write started from an unknown version: no copy may claim the result"
    again = with_copy()
    with state_reads(again) as reads:
        assert content(again) == content(database)
    assert reads == [], "the load that found no usable copy wrote one for the next run"


def test_members_without_a_summary_are_never_taken_for_an_empty_state(
    with_copy: Callable[[], SyncStateStore], database: SyncStateStore
) -> None:
    """Rows an earlier version wrote before it kept summaries: the first write cannot know the whole state."""
    database.record_confirmed_upserts("newsletter", rows(("a@example.com", "h1", None)), CONFIRMED)
    with database.engine.begin() as conn:
        conn.execute(sa.text(f"DELETE FROM {_qualified(database, EXPORT_TABLE)}"))
    run = with_copy()
    run.load("newsletter")
    run.record_confirmed_upserts("newsletter", rows(("b@example.com", "h2", None)), CONFIRMED)
    run.record_run("newsletter", {"all": 2})
    assert content(with_copy()) == content(database) == [("a@example.com", "h1", None), ("b@example.com", "h2", None)]


def _qualified(store: SyncStateStore, name: str) -> str:
    return f'"{store.exports.schema}"."{name}"' if store.exports.schema else name
