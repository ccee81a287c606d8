"""Setting aside profiles whose key is missing or shared, wherever the profiles come from.

The sync keys nothing by the profile key, but a member must trace back to one profile, and the segment's
contract refuses a repeated key: so the profiles file's asset and every segment reading a user's asset leave
out the same rows, and report them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg
import pandas as pd

from ci_sendinblue.segments.rules import arrow_values, read_as_text
from ci_sendinblue.text import duplicated_values, rows_where


@dataclass(frozen=True)
class KeyedProfiles:
    kept: pd.DataFrame
    """The profiles with a present, unique key; the key column as trimmed text."""
    keys: pd.Series
    """Every row's key as trimmed text."""
    missing: pd.Series
    duplicated: pd.Series

    @property
    def refused(self) -> pd.Series:
        return self.missing | self.duplicated

    @property
    def missing_count(self) -> int:
        return int(self.missing.sum())

    @property
    def duplicated_count(self) -> int:
        return int(self.duplicated.sum())

    def metadata(self) -> dict[str, dg.MetadataValue | int | str]:
        """What the UI shows of the refused rows: counts, row numbers of keyless rows, the shared keys."""
        return {
            "missing_key": self.missing_count,
            "duplicate_key": self.duplicated_count,
            "missing_key_rows": row_numbers(self.missing),
            "duplicate_keys": dg.MetadataValue.json(sorted(set(self.keys[self.duplicated].astype(str)))[:20]),
        }

    def check_reasons(self) -> dict[str, int]:
        return {"missing key": self.missing_count, "shared key": self.duplicated_count}


def keyed_profiles(frame: pd.DataFrame, key: str) -> KeyedProfiles:
    """``frame`` without rows whose ``key`` is missing, blank or shared (every occurrence of a shared key).

    A key is the column read as a rule reads text (``segments/reading.py``: whole numbers as their digits, so
    a float column of whole numbers keys as an integer one; booleans as true/false, dates as YYYY-MM-DD; other
    types have none), without the white space around it: as ``table_keys.py`` reads it in a database."""
    text = read_as_text(arrow_values(frame[key]))
    keys = pd.Series(pd.arrays.ArrowStringArray(text), index=frame.index, name=key).str.strip()
    missing = keys.isna() | (keys == "")
    duplicated = pd.Series(duplicated_values(keys), index=keys.index) & ~missing
    refused = missing | duplicated
    kept = rows_where(frame, ~refused) if refused.any() else frame.copy(deep=False)
    kept[key] = keys[~refused]
    return KeyedProfiles(kept=kept, keys=keys, missing=missing, duplicated=duplicated)


def row_numbers(mask: pd.Series, limit: int = 20) -> str:
    """Data row numbers (1 = the first row after the header) of the first rows in ``mask``."""
    rows = [str(i + 1) for i in mask[mask].index[:limit]]
    more = int(mask.sum()) - len(rows)
    return ", ".join(rows) + (f" and {more} more" if more > 0 else "") if rows else "none"
