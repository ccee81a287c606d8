"""A local Arrow copy of each export's sync state, used only while it provably equals the database.

Loading 960,000 members from SQLite takes about a second; memory-mapping the same columns from an Arrow file
takes a few milliseconds. The database stays the only truth: every state write sets a new random
``state_version`` on the export's summary row in the same transaction, and a copy is used only when the
version written into it equals the database's, read in the same snapshot as the load would be. A process
writes a copy only for a version whose content it knows exactly: one it loaded from the database, or one it
reached from such a version by its own writes (each write checks, under the write lock, that nobody wrote in
between). A copy that is missing, unreadable, of another version or of another shape is ignored.

Each write rewrites the copy right after its commit (about 0.15 s for a million members) rather than keeping
the state in memory until the run ends: between writes the state lives on disk and is memory-mapped when
read, so a run never holds a second million-member table in its own memory.

The copy holds what the state holds (emails, hashes, phone-number hashes), beside the Dagster instance's
storage, which already keeps the profiles themselves.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

log = logging.getLogger(__name__)

VERSION_KEY = b"ci_sendinblue.state_version"
COLUMNS = ("email", "attributes_hash", "phone_key")
SCHEMA = pa.schema([(name, pa.large_string()) for name in COLUMNS])


_PIECE_ROWS = 65_536
"""Rows filtered and written at a time: a rewrite never holds a filtered copy of the whole state."""


def upserted(state: pa.Table, rows: pa.Table) -> Iterator[pa.Table]:
    """``state`` after inserting or updating ``rows`` (unique emails), in pieces."""
    if state.num_rows:  # a first export: no lookup table of a million emails (70 MB) to find nothing
        yield from _kept(state, rows["email"])
    yield rows.select(COLUMNS).cast(SCHEMA)


def without(state: pa.Table, emails: pa.Array) -> Iterator[pa.Table]:
    """``state`` after deleting the members ``emails``, in pieces."""
    yield from _kept(state, emails)


def _kept(state: pa.Table, emails: pa.Array | pa.ChunkedArray) -> Iterator[pa.Table]:
    keep = pc.invert(pc.is_in(state["email"], value_set=emails))
    for start in range(0, state.num_rows, _PIECE_ROWS):
        yield state.slice(start, _PIECE_ROWS).filter(keep.slice(start, _PIECE_ROWS))


class StateCache:
    """One Arrow IPC file per export in ``directory``, named by a hash of the database (``namespace``, never
    holding a password) and the export, so several state databases can share a directory."""

    def __init__(self, directory: Path, namespace: str) -> None:
        self.directory = Path(directory)
        self.namespace = namespace

    def path(self, export_name: str) -> Path:
        digest = hashlib.blake2b(f"{self.namespace}\0{export_name}".encode(), digest_size=16).hexdigest()
        return self.directory / f"{digest}.arrow"

    def read(self, export_name: str, version: str) -> pa.Table | None:
        """The copy of ``export_name`` at ``version``, memory-mapped, or None."""
        path = self.path(export_name)
        try:
            with pa.memory_map(str(path)) as source:
                reader = pa.ipc.open_file(source)
                metadata = reader.schema.metadata or {}
                if metadata.get(VERSION_KEY) != version.encode() or not reader.schema.remove_metadata().equals(SCHEMA):
                    return None
                table = reader.read_all()
            table.validate(full=False)
        except FileNotFoundError:
            return None
        except (OSError, pa.ArrowException) as error:
            log.warning("ignoring the sync state copy at %s (%s); loading from the database", path, error)
            return None
        return table.replace_schema_metadata(None)

    def write(self, export_name: str, version: str, pieces: pa.Table | Iterable[pa.Table]) -> bool:
        """Replace the copy with ``pieces`` (written in order) atomically: a reader sees the old file or the
        new one, never a partial one. A failure only costs the next run a database load, so it is logged and
        answered False, not raised."""
        path = self.path(export_name)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(descriptor, "wb") as sink:
                    schema = SCHEMA.with_metadata({VERSION_KEY: version.encode()})
                    with pa.ipc.new_file(sink, schema) as writer:
                        for piece in [pieces] if isinstance(pieces, pa.Table) else pieces:
                            writer.write_table(piece.cast(SCHEMA))
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except (OSError, pa.ArrowException) as error:
            log.warning("could not write the sync state copy at %s (%s); the next run loads the database", path, error)
            return False
        return True
