"""Shaping segment members into Brevo contacts: union, de-duplication, attribute mapping.

Two steps, so that a run can tell what changed before paying for the expensive one:
:func:`gather_members` unions the segments and maps the columns (cheap, vectorised, the raw text as the
profiles hold it); :func:`shape_contacts` turns raw rows into what Brevo receives (trimmed text, E.164 phones:
phone parsing is the costly part; typed attributes as their Brevo type, see ``conversion``). A run shapes
only its new and changed members; :func:`build_export_contacts` does both steps for every member. Knows
pandas and the export's mapping, nothing of HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ci_sendinblue.sendinblue.attributes import AttributeConversion
from ci_sendinblue.sendinblue.conversion import (
    LIST_ITEM_SEPARATOR,
    LIST_SOURCE,
    NUMBER_SOURCE,
    TEXT_SOURCE,
    convert_column,
)
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
    sources: Mapping[str, str] = field(default_factory=dict)
    """Attributes whose column was not text: ``number`` (read with "." whatever the profiles' separator) or
    ``list`` (items joined by ``LIST_ITEM_SEPARATOR``)."""
    conversions: Mapping[str, AttributeConversion] = field(default_factory=dict)
    """Each attribute's conversion to its Brevo type, once the run's pre-flight has read the types; without
    one an attribute is sent as trimmed text."""

    @property
    def attributes(self) -> list[str]:
        return [c for c in self.raw.columns if c != EMAIL]

    @property
    def typed(self) -> list[str]:
        """The attributes sent as JSON literals (numbers, booleans, dates, arrays) rather than text."""
        return [a for a, conversion in self.conversions.items() if conversion.typed]


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
    sources: dict[str, str] = {}
    for attribute, column in mapping.attributes.items():
        raw[attribute], source = _as_text(unique[column])
        if source:
            sources[attribute] = source
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
        sources=sources,
    )


def shape_contacts(
    raw: pd.DataFrame,
    regions: pd.Series | None,
    conversions: Mapping[str, AttributeConversion] | None = None,
    sources: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """What Brevo receives for ``raw`` rows: trimmed text (empty is missing), phones in E.164, typed
    attributes as the JSON literals of their ``conversions`` (``conversion.UNCONVERTIBLE`` where a value does
    not fit); and a mask of the rows whose phone could not be made international (sent without SMS). Keeps
    ``raw``'s index."""
    contacts = pd.DataFrame({EMAIL: raw[EMAIL]}, index=raw.index)
    for attribute in raw.columns:
        if attribute == EMAIL:
            continue
        conversion = (conversions or {}).get(attribute)
        if conversion is not None and conversion.typed:
            contacts[attribute] = convert_column(
                raw[attribute], conversion, source=(sources or {}).get(attribute) or TEXT_SOURCE
            )
        else:
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
    conversions: Mapping[str, AttributeConversion] | None = None,
) -> ExportContacts:
    """Every member shaped, with the shared-phone rule applied (see :class:`ExportContacts`)."""
    members = gather_members(segments, mapping, phone_region=phone_region, phone_region_column=phone_region_column)
    contacts, invalid = shape_contacts(members.raw, members.regions, conversions, members.sources)
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


def _as_text(column: pd.Series) -> tuple[pd.Series, str]:
    """A column as text, and what it held when not text (``number``, ``list``; "" for text and the rest):
    whole floats without ``.0``, a list's items joined by ``LIST_ITEM_SEPARATOR``.

    A Parquet integer column with a gap arrives as floats (pandas has no missing integer in float64), so a
    phone 2065550142 would otherwise be sent as "2065550142.0" and refused.
    """
    if pd.api.types.is_float_dtype(column):
        whole = column.notna() & (column % 1 == 0) & (column.abs() < 2**63)
        text = column.astype(TEXT)
        return text.mask(whole, column[whole].astype("int64").astype(TEXT)), NUMBER_SOURCE
    if pd.api.types.is_integer_dtype(column):
        return column.astype(TEXT), NUMBER_SOURCE
    if pd.api.types.is_object_dtype(column) or isinstance(column.dtype, pd.ArrowDtype):
        lists = _list_array(column)
        if lists is not None:
            items = pc.cast(lists, pa.large_list(pa.large_string()))
            joined = pc.binary_join(items, pa.scalar(LIST_ITEM_SEPARATOR, pa.large_string()))
            return pd.Series(pd.arrays.ArrowStringArray(joined), index=column.index, name=column.name), LIST_SOURCE
    return column.astype(TEXT), ""


def _list_array(column: pd.Series) -> pa.Array | None:
    """The column as an Arrow list array when it holds lists (a Parquet list column), else None."""
    if isinstance(column.dtype, pd.ArrowDtype):
        array = pa.chunked_array(column.array.__arrow_array__()).combine_chunks()
        return array if pa.types.is_list(array.type) or pa.types.is_large_list(array.type) else None
    if pd.api.types.infer_dtype(column, skipna=True) != "mixed":
        return None
    try:
        array = pa.array(column.to_numpy(dtype=object), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    return array if pa.types.is_list(array.type) or pa.types.is_large_list(array.type) else None
