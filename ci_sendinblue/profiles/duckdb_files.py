"""Files read in process by DuckDB: one in-memory connection per opening, bounded so a big dataset spills.

DuckDB streams CSV and Parquet files, so profiles far larger than memory are filtered without being loaded;
what needs memory (a key's duplicates, a sort) is held under ``MEMORY_LIMIT`` and spills to a temporary
folder beyond it. The limits leave room on a small worker (2 cores, a few GiB) for Python, Dagster and the
Arrow batches a run takes back; DuckDB's own default would claim 80 % of the machine's memory.

CSV files are read as profiles files always have been (``sources.py``): comma-separated, ``"`` quoting with
doubled quotes inside, a header row, every column text, an empty field (quoted or not) missing. The header
is given to DuckDB rather than sniffed, so nothing is guessed: no other delimiter, no comment lines, no typed
columns.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import ibis
from ibis.backends.duckdb import Backend as DuckDBBackend

THREADS = max(1, min(os.cpu_count() or 1, 4))
"""Threads DuckDB scans with: every core of a small worker, at most 4 (the scans are I/O and parsing bound)."""
MEMORY_LIMIT = "1GiB"
"""What DuckDB holds before it spills: with Python, Dagster and a run's Arrow batches, a run on a 20-million-row
dataset stays well under 2 GiB."""
TEXT = "VARCHAR"


def duckdb_connection() -> DuckDBBackend:
    """A fresh in-memory DuckDB (through ibis), bounded by ``THREADS`` and ``MEMORY_LIMIT``."""
    spill = Path(tempfile.gettempdir()) / f"ci_sendinblue-duckdb-{os.getpid()}"
    return ibis.duckdb.connect(threads=THREADS, memory_limit=MEMORY_LIMIT, temp_directory=str(spill))


def csv_table(
    con: DuckDBBackend,
    parts: Sequence[str],
    columns: Mapping[str, str],
    *,
    header: bool = True,
    delimiter: str = ",",
    quote: str = '"',
    hive_partitioning: bool = False,
) -> ibis.Table:
    """CSV parts whose columns (names and DuckDB types, in file order) are known: no sniffing."""
    return con.read_csv(
        list(parts),
        columns=dict(columns),
        header=header,
        auto_detect=False,
        delim=delimiter,
        quote=quote,
        escape=quote,
        hive_partitioning=hive_partitioning,
        hive_types_autocast=False,
    )


def sniffed_csv_table(con: DuckDBBackend, parts: Sequence[str], *, hive_partitioning: bool = False) -> ibis.Table:
    """CSV parts whose header DuckDB reads itself (remote parts, whose headers are not read beforehand):
    every column text, parts matched by column name."""
    return con.read_csv(
        list(parts),
        header=True,
        all_varchar=True,
        delim=",",
        quote='"',
        escape='"',
        union_by_name=len(parts) > 1,
        hive_partitioning=hive_partitioning,
        hive_types_autocast=False,
    )


def parquet_table(con: DuckDBBackend, parts: Sequence[str], *, hive_partitioning: bool = False) -> ibis.Table:
    """Parquet parts with the types they declare; parts are matched by column name, so a column added in
    later parts is missing (null) in earlier ones instead of shifting the others."""
    return con.read_parquet(
        list(parts),
        hive_partitioning=hive_partitioning,
        hive_types_autocast=False,
        union_by_name=len(parts) > 1,
    )
