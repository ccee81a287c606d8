"""Profiles in files: one CSV or Parquet file, or a dataset of parts (a folder, hive-partitioned or not, or a
glob), read by DuckDB in process.

A folder's parts are its files, recursively, of the format given or inferred from their suffixes; names
starting with ``.`` or ``_`` are bookkeeping (``_SUCCESS``, ``.crc``) and left out. Folders named
``key=value`` below the dataset's root are hive partitions: ``key`` becomes a text column holding ``value``
(folders above the root, such as ``/lake/env=prod/profiles/``, are not partitions of this dataset).

CSV parts are checked as a single profiles file always was (``sources.py``: UTF-8, no NUL byte, a header
without an empty or repeated name), and must all have the same header: DuckDB reads the columns by position,
so a part with its columns in another order would otherwise be read into the wrong columns without a word.
Parquet parts are matched by column name. Remote parts are read as they are (their headers are DuckDB's to
read), so these checks apply to files on this machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import duckdb
import ibis
import pyarrow as pa
import pyarrow.parquet as pq
from ibis.backends.duckdb import Backend as DuckDBBackend

from ci_sendinblue.profiles.duckdb_files import TEXT, csv_table, parquet_table, sniffed_csv_table
from ci_sendinblue.profiles.files import FileStat, list_files
from ci_sendinblue.profiles.locations import (
    Location,
    RemoteLocation,
    format_of,
    glob_root,
    is_glob,
    is_remote,
    names_parts,
)
from ci_sendinblue.profiles.source_errors import ColumnsKnownAtRun, ProfilesSourceError, ProfilesSourceUnavailable
from ci_sendinblue.profiles.sources import ProfilesFileError, read_profile_columns, unavailable_reason

SETTING = "profiles.path"
HIVE_FOLDER = re.compile(r"^(?P<key>[^=]+)=(?P<value>.*)$")
FORMAT_NAMES = {"csv": "CSV", "parquet": "Parquet"}


@dataclass(frozen=True)
class Dataset:
    """The files ``profiles.path`` names now: their format, each part's size and time, hive partition keys."""

    location: Location
    format: str
    parts: tuple[FileStat, ...]
    partition_keys: tuple[str, ...]
    single: bool
    """One file named by ``path`` itself (kind "file"), not a folder or a glob of parts (kind "dataset")."""

    @property
    def root(self) -> Location:
        """What hive partition folders are relative to: the folder, or where the glob starts searching."""
        if self.single:
            return self.location
        return glob_root(self.location) if is_glob(self.location) else self.location

    @property
    def part_names(self) -> list[str]:
        return [str(part.location) for part in self.parts]

    def describe(self) -> str:
        kind = FORMAT_NAMES[self.format]
        if self.single:
            return f"{kind} file {self.location}"
        keys = f", hive partitions {', '.join(self.partition_keys)}" if self.partition_keys else ""
        count = len(self.parts)
        return f"{kind} dataset {self.location} ({count} part{'s' if count != 1 else ''}{keys})"


def resolve_dataset(path: Location, format: str | None = None) -> Dataset:
    """The parts ``path`` names now (listed and stated); ``ProfilesSourceUnavailable`` when there are none
    yet, ``ProfilesSourceError`` when they cannot be one dataset."""
    single = not names_parts(path)
    if single and not is_remote(path):
        reason = unavailable_reason(Path(path))
        if reason:
            raise ProfilesSourceUnavailable(SETTING, reason)
    files = _listed(path, single)
    if single:
        chosen = format or format_of(path)
        if chosen is None:
            raise ProfilesSourceError(SETTING, f"{path} is not named .csv or .parquet: set profiles.format")
        return Dataset(path, chosen, tuple(files), (), single=True)
    parts, chosen = _parts_of_one_format(path, files, format)
    dataset = Dataset(path, chosen, tuple(parts), (), single=False)
    return Dataset(path, chosen, tuple(parts), _partition_keys(dataset), single=False)


def dataset_columns(dataset: Dataset) -> list[str]:
    """The columns, from the parts' headers or footers alone (cheap enough for definition load)."""
    if any(is_remote(part.location) for part in dataset.parts):
        raise ColumnsKnownAtRun(SETTING, f"the columns of remote {dataset.location} are read when a run opens it")
    if dataset.format == "csv":
        return [*_csv_header(dataset), *dataset.partition_keys]
    return [*_parquet_names(Path(dataset.parts[0].location)), *dataset.partition_keys]


def dataset_table(dataset: Dataset, con: DuckDBBackend) -> ibis.Table:
    """The dataset as a lazy DuckDB table: CSV columns as text, Parquet with its types, partition keys last."""
    parts = dataset.part_names
    hive = bool(dataset.partition_keys)
    remote = any(is_remote(part.location) for part in dataset.parts)
    if dataset.format == "csv":
        if remote:
            table = sniffed_csv_table(con, parts, hive_partitioning=hive)
        else:
            table = csv_table(con, parts, dict.fromkeys(_csv_header(dataset), TEXT), hive_partitioning=hive)
    else:
        if not remote:
            _parquet_names(Path(parts[0]))  # a clear error for a file that is no Parquet file
        table = parquet_table(con, parts, hive_partitioning=hive)
    outer = [key for key in _hive_keys(PurePosixPath(parts[0]).parent.parts) if key not in dataset.partition_keys]
    dropped = [key for key in outer if key in table.columns]
    return table.drop(*dropped) if hive and dropped else table


def _listed(path: Location, single: bool) -> list[FileStat]:
    noun = "profiles file" if single else "no file matches" if is_glob(path) else "profiles folder"
    try:
        files = list_files(path)
    except FileNotFoundError:
        raise ProfilesSourceUnavailable(SETTING, f"{noun} {path} does not exist") from None
    except OSError as error:
        raise ProfilesSourceUnavailable(SETTING, f"cannot list {path} ({error.strerror})") from None
    except duckdb.Error as error:
        raise ProfilesSourceUnavailable(SETTING, f"cannot list {path}: {_first_line(error)}") from None
    if not files:
        if single:
            raise ProfilesSourceUnavailable(SETTING, f"profiles file {path} does not exist")
        if is_glob(path):
            raise ProfilesSourceUnavailable(SETTING, f"no file matches {path}")
        if not isinstance(path, RemoteLocation) and not path.exists():
            raise ProfilesSourceUnavailable(SETTING, f"profiles folder {path} does not exist")
        raise ProfilesSourceUnavailable(SETTING, f"profiles folder {path} holds no file")
    return files


def _parts_of_one_format(path: Location, files: list[FileStat], format: str | None) -> tuple[list[FileStat], str]:
    """The data files among those listed: of the given format (files named another format left out), or of
    the one format their suffixes name."""
    if format is not None:
        parts = [f for f in files if format_of(f.location) in (format, None)]
        if not parts:
            raise ProfilesSourceUnavailable(SETTING, f"{path} holds no {format} file")
        return parts, format
    parts = [f for f in files if format_of(f.location) is not None]
    formats = sorted({format_of(f.location) for f in parts})
    if not parts:
        shown = ", ".join(sorted({Path(str(f.location)).name for f in files})[:5])
        raise ProfilesSourceUnavailable(
            SETTING, f"{path} holds no .csv or .parquet file ({shown}): set profiles.format for other names"
        )
    if len(formats) > 1:
        raise ProfilesSourceError(
            SETTING, f"{path} holds both .csv and .parquet files: keep one format, or set profiles.format to pick one"
        )
    return parts, str(formats[0])


def _partition_keys(dataset: Dataset) -> tuple[str, ...]:
    """The hive partition keys the parts' folders below the root name; every part must name the same ones."""
    root = str(dataset.root).rstrip("/")
    keys_by_part: dict[tuple[str, ...], str] = {}
    for part in dataset.part_names:
        relative = part[len(root) :].lstrip("/") if part.startswith(root) else PurePosixPath(part).name
        keys_by_part.setdefault(_hive_keys(PurePosixPath(relative).parent.parts), part)
    if len(keys_by_part) > 1:
        (first, one), (second, other) = list(keys_by_part.items())[:2]
        raise ProfilesSourceError(
            SETTING,
            f"the parts of {dataset.location} are partitioned differently: {one} by "
            f"{', '.join(first) or 'nothing'}, {other} by {', '.join(second) or 'nothing'}",
        )
    return next(iter(keys_by_part), ())


def _hive_keys(folders: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(match["key"] for folder in folders if (match := HIVE_FOLDER.match(folder)))


def _csv_header(dataset: Dataset) -> list[str]:
    """The header every CSV part has (each part checked as a profiles file is)."""
    first: tuple[str, list[str]] | None = None
    for name in dataset.part_names:
        try:
            header = read_profile_columns(Path(name))
        except ProfilesFileError as error:
            raise ProfilesSourceError(SETTING, str(error)) from None
        if first is None:
            first = (name, header)
        elif header != first[1]:
            raise ProfilesSourceError(
                SETTING,
                f"the CSV parts of {dataset.location} have different headers: {first[0]} has "
                f"{', '.join(first[1])}; {name} has {', '.join(header)} (the same columns in the same order)",
            )
    assert first is not None, "a dataset has parts"
    return first[1]


def _parquet_names(path: Path) -> list[str]:
    try:
        return list(pq.read_schema(path).names)
    except (pa.ArrowInvalid, OSError) as error:
        raise ProfilesSourceError(SETTING, f"{path} is not a Parquet file ({error})") from None


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
