"""Sync-state stores on both backends: SQLite in a temporary folder, PostgreSQL in a fresh schema per test.

PostgreSQL cases need ``CI_SENDINBLUE_TEST_POSTGRES_URL`` (e.g.
``postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres``); without it, or when the server does not
answer, they are skipped with the reason shown by ``pytest -ra``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ci_sendinblue.sendinblue.sync_state import SyncStateStore

POSTGRES_URL_VARIABLE = "CI_SENDINBLUE_TEST_POSTGRES_URL"


@dataclass(frozen=True)
class StateBackend:
    """Where a test's state lives; ``open`` gives a new store on the same database (as another run would)."""

    name: str
    url: str
    schema: str | None

    def open(self, **options: Any) -> SyncStateStore:
        return SyncStateStore(self.url, schema=self.schema, **options)


def _postgres_backend() -> Iterator[StateBackend]:
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if not url:
        pytest.skip(f"PostgreSQL cases skipped: {POSTGRES_URL_VARIABLE} is not set")
    admin = sa.create_engine(url, connect_args={"connect_timeout": 3})
    schema = f"ci_sb_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        shown = sa.engine.make_url(url).render_as_string(hide_password=True)
        pytest.skip(f"PostgreSQL cases skipped: server at {shown} does not answer ({type(error.orig).__name__})")
    try:
        yield StateBackend("postgresql", url, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def state_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateBackend]:
    if request.param == "sqlite":
        yield StateBackend("sqlite", f"sqlite:///{tmp_path / 'sync_state.db'}", None)
    else:
        yield from _postgres_backend()


@pytest.fixture
def open_store(state_backend: StateBackend) -> Iterator[Callable[..., SyncStateStore]]:
    """Opens stores on the test's backend and disposes them all at the end."""
    opened: list[SyncStateStore] = []

    def _open(**options: Any) -> SyncStateStore:
        store = state_backend.open(**options)
        opened.append(store)
        return store

    yield _open
    for store in opened:
        store.dispose()


@pytest.fixture
def store(open_store: Callable[..., SyncStateStore]) -> SyncStateStore:
    return open_store()
