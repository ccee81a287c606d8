"""Shaping segment members into Brevo contacts: union, de-duplication, attribute mapping.

Knows pandas and the export's mapping, nothing of HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ci_sendinblue.sendinblue.mapping import FieldMapping
from ci_sendinblue.sendinblue.phones import normalize_phones

SMS = "SMS"
EMAIL = "email"


@dataclass(frozen=True)
class ExportContacts:
    """The contacts an export sends, and what was set aside on the way."""

    contacts: pd.DataFrame
    """Column ``email`` (unique) and one column per Brevo attribute, text or missing."""
    members_per_segment: dict[str, int]
    duplicates: int
    """Rows dropped because an earlier row (segment order, then profile order) had the same email."""
    invalid_phones: pd.Series
    """Emails of contacts sent without SMS because their phone could not be made international."""
    shared_phones: pd.Series
    """Emails of contacts sent without SMS because an earlier contact has the same number: Brevo refuses a
    number already held by another contact."""


def build_export_contacts(
    segments: Mapping[str, pd.DataFrame],
    mapping: FieldMapping,
    *,
    phone_region: str = "US",
    phone_region_column: str | None = None,
) -> ExportContacts:
    """Union the segments in the order given (the export's) and keep the first row per email.

    The first row wins: the one from the segment listed first in the export, and within a segment the one
    that comes first in the profiles file. Emails arrive normalised (trimmed, lower-case) from the segments,
    so equal emails compare equal whatever their original case. National phone numbers are read in the
    region of ``phone_region_column`` where the profile has one, else in ``phone_region``.
    """
    columns = list(dict.fromkeys([*mapping.columns, *([phone_region_column] if phone_region_column else [])]))
    parts = [frame[columns] for frame in segments.values()]
    union = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    unique = union.drop_duplicates(subset=mapping.email, keep="first")
    contacts = pd.DataFrame({EMAIL: unique[mapping.email].astype("string")}, index=unique.index)
    for attribute, column in mapping.attributes.items():
        values = _as_text(unique[column]).str.strip()
        contacts[attribute] = values.mask(values == "")
    invalid_phones = shared_phones = pd.Series([], dtype="string")
    if SMS in contacts:
        regions: pd.Series | str = (
            unique[phone_region_column].fillna(phone_region) if phone_region_column else phone_region
        )
        contacts[SMS], invalid = normalize_phones(contacts[SMS], regions)
        invalid_phones = contacts.loc[invalid, EMAIL]
        shared = contacts[SMS].notna() & contacts[SMS].duplicated(keep="first")
        contacts[SMS] = contacts[SMS].mask(shared)
        shared_phones = contacts.loc[shared, EMAIL]
    return ExportContacts(
        contacts=contacts.reset_index(drop=True),
        members_per_segment={name: len(frame) for name, frame in segments.items()},
        duplicates=len(union) - len(unique),
        invalid_phones=invalid_phones.reset_index(drop=True),
        shared_phones=shared_phones.reset_index(drop=True),
    )


def _as_text(column: pd.Series) -> pd.Series:
    """A column as text; whole floats without ``.0``.

    A Parquet integer column with a gap arrives as floats (pandas has no missing integer in float64), so a
    phone 2065550142 would otherwise be sent as "2065550142.0" and refused.
    """
    if pd.api.types.is_float_dtype(column):
        whole = column.notna() & (column % 1 == 0) & (column.abs() < 2**63)
        text = column.astype("string")
        return text.mask(whole, column[whole].astype("int64").astype("string"))
    return column.astype("string")
