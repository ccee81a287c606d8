"""Shaping segment members into Brevo contacts: union, de-duplication, attribute mapping.

Two steps, so that a run can tell what changed before paying for the expensive one:
:func:`gather_members` unions the segments and maps the columns (cheap, vectorised, the raw text as the
profiles hold it); :func:`shape_contacts` turns raw rows into what Brevo receives (trimmed text, E.164 phones:
phone parsing is the costly part). A run shapes only its new and changed members;
:func:`build_export_contacts` does both steps for every member. Knows pandas and the export's mapping,
nothing of HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ci_sendinblue.sendinblue.mapping import FieldMapping
from ci_sendinblue.sendinblue.phones import normalize_phones
from ci_sendinblue.text import TEXT, rows_where

SMS = "SMS"
EMAIL = "email"


@dataclass(frozen=True)
class ExportMembers:
    """Every member of an export, once, in export order, with its mapped values as the profiles hold them."""

    raw: pd.DataFrame
    """Column ``email`` (unique, normalised by the segments) and one text column per Brevo attribute."""
    regions: pd.Series | None
    """The region each member's national phone number is read in (only when the export maps ``SMS``)."""
    members_per_segment: dict[str, int]
    duplicates: int
    """Rows dropped because an earlier row (segment order, then profile order) had the same email."""

    @property
    def attributes(self) -> list[str]:
        return [c for c in self.raw.columns if c != EMAIL]


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


def gather_members(
    segments: Mapping[str, pd.DataFrame],
    mapping: FieldMapping,
    *,
    phone_region: str = "US",
    phone_region_column: str | None = None,
) -> ExportMembers:
    """Union the segments in the order given (the export's) and keep the first row per email.

    The first row wins: the one from the segment listed first in the export, and within a segment the one
    that comes first in the profiles file. Emails arrive normalised (trimmed, lower-case) from the segments,
    so equal emails compare equal whatever their original case. National phone numbers are read in the
    region of ``phone_region_column`` where the profile has one, else in ``phone_region``.
    """
    columns = list(dict.fromkeys([*mapping.columns, *([phone_region_column] if phone_region_column else [])]))
    parts = [frame[columns] for frame in segments.values()]
    if len(parts) == 1:
        union = parts[0].reset_index(drop=True)  # shares the segment's columns (memory-mapped): no copy
    else:
        union = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    repeated = union[mapping.email].duplicated(keep="first").to_numpy(dtype=bool)
    # Without repeats (one segment, or segments that do not overlap) the union is kept as it is: filtering
    # would copy every mapped column, ~130 MB for a million members.
    unique = rows_where(union, ~repeated).reset_index(drop=True) if repeated.any() else union
    raw = pd.DataFrame({EMAIL: unique[mapping.email].astype(TEXT)}, index=unique.index)
    for attribute, column in mapping.attributes.items():
        raw[attribute] = _as_text(unique[column])
    regions = None
    if SMS in raw:
        regions = pd.Series(phone_region, index=unique.index, dtype=TEXT)
        if phone_region_column:
            own = unique[phone_region_column].astype(TEXT).str.strip()
            regions = own.mask(own == "").fillna(regions)
        regions = regions.str.strip().str.upper()
    return ExportMembers(
        raw=raw,
        regions=regions,
        members_per_segment={name: len(frame) for name, frame in segments.items()},
        duplicates=len(union) - len(unique),
    )


def shape_contacts(raw: pd.DataFrame, regions: pd.Series | None) -> tuple[pd.DataFrame, pd.Series]:
    """What Brevo receives for ``raw`` rows: trimmed text (empty is missing), phones in E.164; and a mask of
    the rows whose phone could not be made international (sent without SMS). Keeps ``raw``'s index."""
    contacts = pd.DataFrame({EMAIL: raw[EMAIL]}, index=raw.index)
    for attribute in raw.columns:
        if attribute == EMAIL:
            continue
        contacts[attribute] = _trimmed(raw[attribute])
    invalid = pd.Series(False, index=raw.index)
    if SMS in contacts:
        if regions is None:
            raise ValueError("shape_contacts: the export maps SMS, so each row needs a phone region")
        contacts[SMS], invalid = normalize_phones(contacts[SMS], regions.loc[raw.index])
    return contacts, invalid


def build_export_contacts(
    segments: Mapping[str, pd.DataFrame],
    mapping: FieldMapping,
    *,
    phone_region: str = "US",
    phone_region_column: str | None = None,
) -> ExportContacts:
    """Every member shaped, with the shared-phone rule applied (see :class:`ExportContacts`)."""
    members = gather_members(segments, mapping, phone_region=phone_region, phone_region_column=phone_region_column)
    contacts, invalid = shape_contacts(members.raw, members.regions)
    shared = pd.Series(False, index=contacts.index)
    if SMS in contacts:
        shared = contacts[SMS].notna() & contacts[SMS].duplicated(keep="first")
        contacts[SMS] = contacts[SMS].mask(shared)
    return ExportContacts(
        contacts=contacts,
        members_per_segment=members.members_per_segment,
        duplicates=members.duplicates,
        invalid_phones=contacts.loc[invalid, EMAIL].reset_index(drop=True),
        shared_phones=contacts.loc[shared, EMAIL].reset_index(drop=True),
    )


def _trimmed(values: pd.Series) -> pd.Series:
    """Trimmed text, empty as missing; the column itself (no copy) when nothing needs either: the common
    case, and a million names copied for nothing are ~30 MB more at the run's peak."""
    stripped = values.str.strip()
    if bool((stripped.str.len() == values.str.len()).all()) and not bool((stripped == "").any()):
        return values
    return stripped.mask(stripped == "")


def _as_text(column: pd.Series) -> pd.Series:
    """A column as text; whole floats without ``.0``.

    A Parquet integer column with a gap arrives as floats (pandas has no missing integer in float64), so a
    phone 2065550142 would otherwise be sent as "2065550142.0" and refused.
    """
    if pd.api.types.is_float_dtype(column):
        whole = column.notna() & (column % 1 == 0) & (column.abs() < 2**63)
        text = column.astype(TEXT)
        return text.mask(whole, column[whole].astype("int64").astype(TEXT))
    return column.astype(TEXT)
