"""Listing, stating and reading the small files of a source, on this machine or at a remote location.

Local files are listed and stated by Python; remote ones (``s3://``, ``abfss://``, ...) by DuckDB's file
system functions (``glob``, ``read_blob`` without its content, ``read_text``), which use DuckDB's
extensions and secrets: the same access the reading itself has. Names starting with ``.`` or ``_`` are never
parts (``_SUCCESS``, ``.part-0.parquet.crc``, Spark's ``_temporary/``).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import glob as globbing
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ci_sendinblue.profiles.locations import Location, RemoteLocation, is_glob


@dataclass(frozen=True)
class FileStat:
    """One file as change detection sees it."""

    location: Location
    size: int
    modified_ns: int

    @property
    def modified_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.modified_ns / 1e9, tz=dt.UTC)


def hidden(relative: str) -> bool:
    """Whether a path below a dataset's root passes through a name that is bookkeeping, not data."""
    return any(part.startswith((".", "_")) for part in relative.split("/") if part)


def list_files(location: Location) -> list[FileStat]:
    """Every file a glob matches, or every file below a folder (recursively), sorted by location; a single
    file is itself. Hidden names (see ``hidden``) below the searched folder are left out."""
    if isinstance(location, RemoteLocation):
        return _remote_files(location)
    if is_glob(location):
        paths = [Path(p) for p in globbing.glob(str(location), recursive=True)]
        return sorted((stat_file(p) for p in paths if p.is_file()), key=lambda f: str(f.location))
    if location.is_dir():
        found = []
        for folder, subfolders, names in os.walk(location):
            subfolders[:] = sorted(d for d in subfolders if not d.startswith((".", "_")))
            found.extend(Path(folder) / name for name in names if not name.startswith((".", "_")))
        return sorted((stat_file(p) for p in found), key=lambda f: str(f.location))
    return [stat_file(location)]


def stat_file(location: Location) -> FileStat:
    """Size and modification time; ``OSError`` (a local file) or ``duckdb.Error`` (a remote one) when the
    file cannot be stated."""
    if isinstance(location, RemoteLocation):
        found = _remote_files(location)
        if not found:
            raise FileNotFoundError(f"{location} does not exist")
        return found[0]
    stat = location.stat()
    return FileStat(location, stat.st_size, stat.st_mtime_ns)


def stat_files(locations: Iterable[Location]) -> list[FileStat]:
    return [stat_file(location) for location in locations]


def read_text(location: Location) -> str:
    """A small text file (CDM metadata) in UTF-8."""
    if isinstance(location, RemoteLocation):
        import duckdb  # remote files only: a local one needs no DuckDB

        with duckdb.connect() as con:
            row = con.execute("select content from read_text(?)", [str(location)]).fetchone()
        if row is None:
            raise FileNotFoundError(f"{location} does not exist")
        return row[0].removeprefix("\ufeff")
    return location.read_text(encoding="utf-8-sig")


def matching(root: Location, pattern: str, *, regular: bool) -> list[FileStat]:
    """Files below ``root`` whose path relative to it matches a CDM partition pattern: a regular expression
    (matched whole) or a glob (``*.csv``, ``**/*.csv``)."""
    base = str(root).rstrip("/") + "/"
    found = []
    for file in list_files(root if isinstance(root, Path) else RemoteLocation(base)):
        relative = str(file.location)[len(base) :] if str(file.location).startswith(base) else ""
        if isinstance(file.location, Path) and isinstance(root, Path):
            relative = file.location.relative_to(root).as_posix()
        if relative and (
            re.fullmatch(pattern, relative) if regular else fnmatch.fnmatchcase(relative, pattern.lstrip("/"))
        ):
            found.append(file)
    return found


def _remote_files(location: RemoteLocation) -> list[FileStat]:
    """Files at a remote location through DuckDB: a glob as it is, a folder (``.../``) recursively."""
    pattern = str(location) + "**" if location.is_folder else str(location)
    base = str(location) if location.is_folder else ""
    import duckdb  # remote files only: a local one needs no DuckDB

    with duckdb.connect() as con:
        rows = con.execute(
            "select filename, size, last_modified from read_blob(?) order by filename", [pattern]
        ).fetchall()
    return [
        FileStat(RemoteLocation(name), int(size), int(modified.timestamp() * 1e9))
        for name, size, modified in rows
        if not hidden(name[len(base) :] if base else name.rsplit("/", 1)[-1])
    ]
