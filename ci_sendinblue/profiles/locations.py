"""Where the profiles' files are: a path on this machine, or a location another system serves.

A remote location (``s3://bucket/profiles/``, ``abfss://container@account.dfs.core.windows.net/ci``) is kept as
its text, because ``pathlib`` would fold its ``//``; DuckDB's own extensions read it (``httpfs`` for s3, gs,
r2, http(s); ``azure`` for az, abfss) with the credentials DuckDB's secrets give. Both kinds answer the few
questions the configuration asks of a location: its name, its suffixes, whether it is a glob.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic_core import core_schema

REMOTE = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]+)://")
"""A URL's scheme (two letters at least, so that ``C:/data`` stays a Windows path)."""

GLOB_CHARACTERS = ("*", "?", "[")
DATA_SUFFIXES = {".csv": "csv", ".parquet": "parquet"}
"""The formats profiles may come in, by the file suffix that names them."""


class RemoteLocation(str):
    """A file, folder or glob another system serves, written as a URL (``s3://bucket/profiles/*.parquet``)."""

    @property
    def scheme(self) -> str:
        match = REMOTE.match(self)
        assert match is not None, "made by as_location"
        return match["scheme"].lower()

    @property
    def _path(self) -> PurePosixPath:
        return PurePosixPath(self[len(self.scheme) + 3 :] or "/")

    @property
    def name(self) -> str:
        return self._path.name

    @property
    def suffix(self) -> str:
        return self._path.suffix

    @property
    def suffixes(self) -> list[str]:
        return self._path.suffixes

    @property
    def is_folder(self) -> bool:
        """A URL ending in ``/`` names a folder: remote stores have no folders to ask about."""
        return self.endswith("/")

    def is_absolute(self) -> bool:
        return True

    def joinpath(self, *parts: str) -> RemoteLocation:
        return RemoteLocation("/".join([self.rstrip("/"), *(part.strip("/") for part in parts)]))

    def __truediv__(self, part: str) -> RemoteLocation:
        return self.joinpath(part)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(), serialization=core_schema.to_string_ser_schema()
        )


Location = Path | RemoteLocation


def as_location(value: Any) -> Any:
    """A setting's text as a location: a URL stays text (``RemoteLocation``), anything else is a ``Path``.
    What is neither text nor a path is left for the model to refuse with its usual message."""
    if isinstance(value, RemoteLocation | Path):
        return value
    if isinstance(value, str):
        return RemoteLocation(value) if REMOTE.match(value) else Path(value)
    return value


def is_remote(location: Location) -> bool:
    return isinstance(location, RemoteLocation)


def is_glob(location: Location) -> bool:
    return any(character in str(location) for character in GLOB_CHARACTERS)


def format_of(location: Location) -> str | None:
    """``csv`` or ``parquet`` from the name's suffixes (``profiles.parquet``, ``part-0.snappy.parquet``)."""
    for suffix in reversed(location.suffixes):
        known = DATA_SUFFIXES.get(suffix.lower())
        if known:
            return known
    return None


def glob_root(location: Location) -> Location:
    """The folder a glob searches from: its parts before the first one holding a wildcard."""
    text = str(location)
    first = min(text.index(c) for c in GLOB_CHARACTERS if c in text)
    root = text[: text.rfind("/", 0, first) + 1] if "/" in text[:first] else ""
    if isinstance(location, RemoteLocation):
        return RemoteLocation(root)
    return Path(root or ".")


def names_parts(location: Location) -> bool:
    """Whether ``location`` names a dataset of parts (a glob, a folder, a name without a .csv or .parquet
    suffix) rather than one file. A folder on this machine is asked; a remote one ends in ``/``."""
    if is_glob(location):
        return True
    if isinstance(location, RemoteLocation):
        return location.is_folder or format_of(location) is None
    return location.is_dir() or (not location.exists() and format_of(location) is None)
