"""Reading unified customer profiles from CSV or Parquet files.

CSV columns are read as text: identifiers, phone numbers and postcodes keep their leading zeros and ``+``, and
a last name such as "Null" stays a name; only an empty field is missing. Segment rules convert a column to
numbers or dates only where a rule compares it with a number or a date.

A CSV file is read by Arrow's multi-threaded parser straight into Arrow-backed text columns (a million
profiles in about a second, against five with pandas' parser and Python strings). Any file Arrow's parser
does not take as it is (a short row, bad UTF-8, a header cell left empty or repeated) is read again by
pandas' parser, whose errors say what is wrong and where, so the fast path never changes what is accepted.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ci_sendinblue.text import frame_from_arrow


class ProfilesFileError(Exception):
    """The profiles file is missing, empty, or not what its extension says."""


class ProfilesUnavailable(ProfilesFileError):
    """The profiles file cannot be opened (not there yet, no permission, a share that is down): nothing is
    known of its content, so the code location still loads and the run that needs the file fails."""


def unavailable_reason(path: Path) -> str | None:
    """Why the profiles file cannot be opened now, or None when it can."""
    try:
        _require_file(path)
    except ProfilesUnavailable as error:
        return str(error)
    return None


def read_profile_columns(path: Path) -> list[str]:
    """The column names alone, cheap enough to check the configuration against at definition load."""
    _require_file(path)
    if path.suffix.lower() == ".parquet":
        try:
            return list(pq.read_schema(path).names)
        except (pa.ArrowInvalid, OSError) as error:
            raise ProfilesFileError(f"{path} is not a Parquet file ({error})") from error
    return list(_read_csv(path, nrows=0).columns)


def read_profiles(path: Path) -> pd.DataFrame:
    _require_file(path)
    if path.suffix.lower() == ".parquet":
        try:
            return frame_from_arrow(pq.read_table(path))
        except (pa.ArrowInvalid, OSError) as error:
            raise ProfilesFileError(f"{path} is not a Parquet file ({error})") from error
    return _read_csv(path)


def _read_csv(path: Path, nrows: int | None = None) -> pd.DataFrame:
    _refuse_nul_bytes(path, whole=nrows is None)
    if nrows is None:
        fast = _read_csv_with_arrow(path)
        if fast is not None:
            return fast
    try:
        header = pd.read_csv(path, dtype=str, header=None, nrows=1, keep_default_na=False, encoding="utf-8")
        frame = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            nrows=nrows,
            encoding="utf-8",
        )
    except pd.errors.EmptyDataError as error:
        raise ProfilesFileError(f"{path} is empty: it needs at least a header row") from error
    except UnicodeDecodeError as error:
        raise ProfilesFileError(
            f'{path} is not a UTF-8 CSV file (byte {error.start} cannot be decoded): save it as "CSV UTF-8", '
            "or is it a Parquet or spreadsheet file with a .csv name?"
        ) from error
    except pd.errors.ParserError as error:
        raise ProfilesFileError(f"{path} is not a well-formed CSV file: {error}") from error
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed: ")]
    if unnamed:
        raise ProfilesFileError(f"{path} has a header cell left empty (column {unnamed[0].split(': ')[1]})")
    names = [str(name) for name in header.iloc[0]] if len(header) else []
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        # pandas would silently rename the second one "Name.1", and a mapping would pick either without a word.
        raise ProfilesFileError(f"{path} has more than one column named {', '.join(map(repr, repeated))}")
    return frame


def _read_csv_with_arrow(path: Path) -> pd.DataFrame | None:
    """Every column as Arrow-backed text, empty fields missing; None when the file needs pandas' reading."""
    try:
        names = pa_csv.open_csv(path, read_options=pa_csv.ReadOptions(block_size=1 << 16)).schema.names
        if any(name == "" for name in names) or len(set(names)) != len(names):
            return None
        table = pa_csv.read_csv(
            path,
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                # Large strings straight from the parser: the frame's text type, with no cast copying
                # every column's offsets (about 0.1 s and 100 MB per million profiles of a dozen columns).
                column_types=dict.fromkeys(names, pa.large_string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
        return None
    return frame_from_arrow(table)


def _refuse_nul_bytes(path: Path, *, whole: bool, chunk: int = 1 << 20) -> None:
    """A NUL byte makes pandas' CSV parser cut the field short without a word; refuse the file instead.

    NUL bytes in a "CSV" mean a UTF-16 export or a binary file. Only the first chunk is checked when reading
    the header alone (at definition load); the whole file when reading the profiles.
    """
    with path.open("rb") as handle:
        offset = 0
        while block := handle.read(chunk):
            at = block.find(b"\x00")
            if at >= 0:
                raise ProfilesFileError(
                    f"{path} contains a NUL byte (byte {offset + at}): a CSV file has none; is it saved as "
                    'UTF-16 (save it as "CSV UTF-8") or is it a binary file with a .csv name?'
                )
            offset += len(block)
            if not whole:
                return


def _require_file(path: Path) -> None:
    try:
        if path.is_file():
            with path.open("rb"):
                return
    except OSError as error:
        raise ProfilesUnavailable(f"profiles file {path} cannot be opened ({error.strerror})") from error
    if path.exists():
        raise ProfilesUnavailable(f"profiles file {path} is not a file")
    raise ProfilesUnavailable(f"profiles file {path} does not exist")
