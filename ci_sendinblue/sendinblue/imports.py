"""Packing contacts into as few ``POST /contacts/import`` bodies as Brevo's size limit allows.

Bodies use ``jsonBody``, never ``fileBody``: a CSV body would need ``;``, quotes and newlines in names escaped
the way Brevo's parser expects, while JSON carries any text intact. Packing is greedy: each body holds as many
contacts as fit under the byte limit, so no body is over the limit and every body but the last is full.

Text attributes are written as JSON strings; typed ones (``literal``: numbers, booleans, dates, arrays, see
``conversion``) arrive already as JSON literals and are written as they are, a value that could not be
converted (``conversion.UNCONVERTIBLE``) left out. Every body asks Brevo not to e-mail the account's owner
about the import (``disableNotification``) unless the export turns that mail back on.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ci_sendinblue.privacy import mask_email
from ci_sendinblue.sendinblue.contacts import EMAIL
from ci_sendinblue.sendinblue.conversion import UNCONVERTIBLE
from ci_sendinblue.sendinblue.errors import ContactTooLarge
from ci_sendinblue.text import arrow_text, value_offsets

ENCODE_ROWS = 50_000


@dataclass(frozen=True)
class ImportBody:
    body: bytes
    emails: pd.Series
    """The contacts' emails, labelled as in the frame the body was packed from: a run confirms the rows of a
    completed import by these labels, without searching a million emails."""


def import_bodies(
    contacts: pd.DataFrame,
    *,
    list_id: int,
    max_bytes: int,
    clear_empty_attributes: bool = False,
    literal: Collection[str] = (),
    notify: bool = False,
) -> Iterator[ImportBody]:
    """Yield ready request bodies; with ``clear_empty_attributes`` a missing value empties Brevo's;
    ``literal`` names the typed attributes; ``notify`` lets Brevo e-mail the account owner per import."""
    head = _head(list_id, clear_empty_attributes, notify)
    tail = _TAIL
    overhead = len(head) + len(tail)
    emails = contacts[EMAIL]
    # Contacts are encoded ENCODE_ROWS at a time, so the encoding's intermediate columns stay small whatever
    # the export's size; the body still open at the end of a chunk carries over to the next one, so bodies
    # are exactly those of packing every contact at once.
    carry: pa.LargeBinaryArray | None = None
    carry_row = 0
    for chunk_row in range(0, len(contacts), ENCODE_ROWS):
        items = _items(contacts.iloc[chunk_row : chunk_row + ENCODE_ROWS], clear_empty_attributes, literal)
        sizes = np.diff(value_offsets(items)) - 1
        too_large = np.flatnonzero(overhead + sizes > max_bytes)
        if len(too_large):
            row = chunk_row + int(too_large[0])
            raise ContactTooLarge(
                f"the contact {mask_email(str(emails.iloc[row]))} alone takes {sizes[too_large[0]]} bytes, "
                f"over the {max_bytes}-byte import limit: shorten its attributes"
            )
        first_row = chunk_row
        if carry is not None:
            items, first_row = pa.concat_arrays([carry, items]), carry_row
        last_chunk = chunk_row + ENCODE_ROWS >= len(contacts)
        offsets = value_offsets(items)
        data = items.buffers()[2]
        # Greedy, vectorised: a body [start, stop) weighs overhead + its items + one comma between each two.
        ends = offsets[1:] - offsets[0]
        start, carry = 0, None
        while start < len(items):
            stop = _body_end(ends, start, max_bytes - overhead)
            if stop == len(items) and not last_chunk:
                carry, carry_row = items.slice(start), first_row + start
                break
            body = data[int(offsets[start]) : int(offsets[stop]) - 1].to_pybytes()
            yield ImportBody(head + body + tail, emails.iloc[first_row + start : first_row + stop])
            start = stop


def count_import_bodies(
    contacts: pd.DataFrame,
    *,
    list_id: int,
    max_bytes: int,
    clear_empty_attributes: bool = False,
    literal: Collection[str] = (),
    notify: bool = False,
) -> int:
    """How many bodies :func:`import_bodies` yields for the same arguments, without encoding them: each
    contact's size follows from its values' JSON lengths (:func:`_json_lengths`), and the greedy packing
    from the sizes. A run announces "import 3 of 11" with it before the first body is packed."""
    if contacts.empty:
        return 0
    attributes = [c for c in contacts.columns if c != EMAIL]
    size = len('{"email":"","attributes":{}}') + _json_lengths(contacts[EMAIL])[0]
    present = np.zeros(len(contacts), dtype=np.int64)
    for attribute in attributes:
        if attribute in literal:
            lengths, given = _literal_lengths(contacts[attribute], clear_empty_attributes)
            size += np.where(given, len(json.dumps(attribute)) + len(":") + lengths, 0)
        else:
            lengths, given = _json_lengths(contacts[attribute])
            if clear_empty_attributes:
                given = np.ones(len(contacts), dtype=bool)  # a missing value is sent as ""
            size += np.where(given, len(json.dumps(attribute)) + len(':""') + lengths, 0)
        present += given
    size += np.maximum(present - 1, 0)  # the commas between a contact's attributes
    overhead = len(_head(list_id, clear_empty_attributes, notify)) + len(_TAIL)
    ends = np.cumsum(size + 1)  # each contact and the comma after it, as the packer's buffer holds them
    bodies, start = 0, 0
    while start < len(ends):
        start = _body_end(ends, start, max_bytes - overhead)
        bodies += 1
    return bodies


def _escape_growth() -> np.ndarray:
    """Bytes each byte value adds when ``json.dumps(ensure_ascii=False)`` writes it inside a string: a quote
    or backslash one (its backslash), a control character one (\\n) or five (\\u0001), anything else none
    (UTF-8's multi-byte sequences never hold a byte below 0x80)."""
    growth = np.zeros(256, dtype=np.uint8)
    growth[:0x20] = 5
    for short in b'"\\\b\t\n\f\r':
        growth[short] = 1
    return growth


_ESCAPE_GROWTH = _escape_growth()
_SCAN_BYTES = 1 << 22


def _needs_escaping(raw: np.ndarray) -> np.ndarray:
    return (raw < 0x20) | (raw == ord('"')) | (raw == ord("\\"))


def _json_lengths(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each value's length inside a JSON string literal (what :func:`_json_text` makes of it), and whether it
    is present, read from the text's bytes (three comparisons per byte), with no escaped copy of the column."""
    text = arrow_text(values)
    offsets = value_offsets(text)
    lengths = np.diff(offsets)
    data = text.buffers()[2]
    if data is not None and len(text):
        raw = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]]
        # Scanned a few MB at a time: the comparisons' temporaries would otherwise be several times the
        # column's size (an email column of a million contacts holds about 23 MB).
        where = np.concatenate(
            [
                np.flatnonzero(_needs_escaping(raw[start : start + _SCAN_BYTES])) + start
                for start in range(0, len(raw), _SCAN_BYTES)
            ]
            or [np.zeros(0, dtype=np.int64)]
        )
        if len(where):  # few values need escaping: add each one's growth to its value
            owner = np.searchsorted(offsets, where + offsets[0], side="right") - 1
            growth = _ESCAPE_GROWTH[raw[where]]
            lengths = lengths + np.bincount(owner, weights=growth, minlength=len(text)).astype(np.int64)
    return lengths, text.is_valid().to_numpy(zero_copy_only=False)


def _literal_lengths(values: pd.Series, clear_empty: bool) -> tuple[np.ndarray, np.ndarray]:
    """A typed column's JSON lengths (its literals are written as they are) and where one is written: an
    unconvertible value never, a missing one as "" when the export clears empty attributes."""
    text = arrow_text(values)
    lengths = np.diff(value_offsets(text))
    present = text.is_valid().to_numpy(zero_copy_only=False)
    written = present & (lengths > 0)
    if clear_empty:
        lengths = np.where(present, lengths, len('""'))
        written = ~present | written
    return lengths, written


def _body_end(ends: np.ndarray, start: int, room: int) -> int:
    """Greedy packing's one rule, shared by the packer and the count: the body starting at contact ``start``
    ends before the first contact that would take it past ``room`` bytes (``ends``: cumulative sizes, each
    contact with the comma after it; the body's last comma is dropped), and holds at least one contact."""
    before = ends[start - 1] if start else 0
    return max(int(np.searchsorted(ends, before + room + 1, side="right")), start + 1)


_TAIL = b"]}"


def _head(list_id: int, clear_empty_attributes: bool, notify: bool) -> bytes:
    """Everything a body holds before its first contact: the one place the import's options are written."""
    options = {
        "listIds": [list_id],
        "updateExistingContacts": True,
        "emptyContactsAttributes": clear_empty_attributes,
        "disableNotification": not notify,
    }
    return (json.dumps(options, separators=(",", ":"))[:-1] + ',"jsonBody":[').encode()


def _items(contacts: pd.DataFrame, clear_empty: bool, literal: Collection[str] = ()) -> pa.LargeBinaryArray:
    """Each contact's JSON object followed by a comma, in one contiguous Arrow buffer: a body is then one
    slice of that buffer (minus its last comma), with no Python object per contact."""
    return _joined(_encoded_contacts(contacts, clear_empty, literal), ",", "").cast(pa.large_binary())


def _encoded_contacts(contacts: pd.DataFrame, clear_empty: bool, literal: Collection[str] = ()) -> pa.LargeStringArray:
    """One JSON object per contact, ``{"email":...,"attributes":{...}}``, built column by column with
    Arrow's string kernels instead of a dict and a ``json.dumps`` per row; a missing attribute is left out
    (or sent as "" with ``clear_empty``). Each attribute is quoted and named in the same pass."""
    attributes = [c for c in contacts.columns if c != EMAIL]
    parts = []
    for attribute in attributes:
        if attribute in literal:
            parts.append(_joined(json.dumps(attribute) + ":", _literals(contacts[attribute], clear_empty), ""))
            continue
        values = _json_text(contacts[attribute])
        if clear_empty:
            values = pc.fill_null(values, "")
        parts.append(_joined(json.dumps(attribute) + ':"', values, '"', ""))
    if len(parts) > 1:
        joined = _joined(*parts, ",", null_handling="skip")
    else:  # Arrow's join of ONE array with "skip" drops its missing rows instead of joining nothing
        joined = pc.fill_null(parts[0], "") if parts else pa.repeat(_large(""), len(contacts))
    return _joined('{"email":"', _json_text(contacts[EMAIL]), '","attributes":{', joined, "}}", "")


def _literals(values: pd.Series, clear_empty: bool) -> pa.LargeStringArray:
    """A typed column's literals; null (left out) where a value was unconvertible, or missing and kept."""
    text = arrow_text(values)
    unconvertible = pc.fill_null(pc.equal(text, UNCONVERTIBLE), False)
    if clear_empty:
        text = pc.fill_null(text, '""')
    return pc.if_else(unconvertible, pa.scalar(None, pa.large_string()), text)


def _joined(*parts: str | pa.Array, null_handling: str = "emit_null") -> pa.LargeStringArray:
    """Arrow's element-wise join (the last part is the separator), text literals as large strings."""
    values = [_large(part) if isinstance(part, str) else part for part in parts]
    return pc.binary_join_element_wise(*values, null_handling=null_handling)


def _large(text: str) -> pa.Scalar:
    return pa.scalar(text, type=pa.large_string())


def _json_text(values: pd.Series) -> pa.LargeStringArray:
    """Each value as the inside of a JSON string literal (missing stays null), UTF-8 kept as is
    (``ensure_ascii=False``).

    Most columns hold nothing to escape, which one pass tells; otherwise backslashes and quotes are escaped
    by Arrow, and the rare value with a control character (a newline in a name) goes through
    ``json.dumps``, so every value is encoded exactly as the standard library would."""
    text = arrow_text(values)
    if not pc.any(pc.match_substring_regex(text, r'["\\\x00-\x1f]')).as_py():
        return text
    escaped = pc.replace_substring(pc.replace_substring(text, "\\", "\\\\"), '"', '\\"')
    control = pc.fill_null(pc.match_substring_regex(text, r"[\x00-\x1f]"), False)
    if not pc.any(control).as_py():
        return escaped
    literals = escaped.to_pylist()
    for row in np.flatnonzero(control.to_numpy(zero_copy_only=False)):
        literals[row] = json.dumps(text[row].as_py(), ensure_ascii=False)[1:-1]
    return pa.array(literals, type=pa.large_string())
