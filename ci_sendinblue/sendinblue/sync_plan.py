"""What a run sends, found while paying only for what changed.

A member's row in the sync state holds a hash of its mapped values *as the profiles hold them* (with the
region its phone is read in, and whether its SMS was withheld), not of the values after normalisation. A run
therefore compares raw values first and normalises (trims text, parses phones: the costly part) only the new
and changed members. Normalisation is deterministic, so equal raw values mean equal values sent.

One rule looks across rows: Brevo refuses an SMS number another contact already holds, so the first member
(export order) with a number keeps it and the others are sent without SMS. To apply it without parsing every
phone, the state also keeps a hash of each member's E.164 number (``phone_key``, never the number itself);
unchanged members reuse theirs. A member whose SMS is withheld or given back by the rule is a changed member.

Reconcile compares with the list as Brevo holds it, hashed from Brevo's (normalised) values: there every
member is normalised and compared by value, and the state is then rewritten in the raw-value form.

A typed attribute (a float, a date, ...) is hashed under its name *and* its conversion's signature (type,
separators, format, enumeration): a change of its Brevo type or of how its text is read resends every
contact, as a renamed attribute does; a text attribute hashes as it always did. A member with a value that
could not be converted is recorded with a flagged hash, so the next run converts, reports and resends it
again until the profiles are fixed: a mistyped value is never silently forgotten.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ci_sendinblue.sendinblue.contacts import EMAIL, SMS, ExportMembers, shape_contacts
from ci_sendinblue.sendinblue.conversion import UNCONVERTIBLE, unconvertible_rows
from ci_sendinblue.sendinblue.sync_diff import (
    ATTRIBUTES_HASH,
    SyncDiff,
    attributes_hash,
    classify,
    departed,
    email_positions,
    flag_hashes,
    hash_text,
    row_hashes,
)
from ci_sendinblue.sendinblue.sync_state import PHONE_KEY
from ci_sendinblue.text import TEXT, arrow_text, value_offsets

REGION = "SMS region"
"""The phone region's place in the raw-value hash (a name no Brevo attribute can have: they are upper case)."""
# Part of every members digest: a digest of another form never equals one of this form (the first run after
# an upgrade compares member by member once, as it should).
_DIGEST_VERSION = b"ci-sb-members-v2"
_WITHHELD = "SMS withheld"
_UNCONVERTIBLE = "values left out as unconvertible"


@dataclass(frozen=True)
class SyncPlan:
    diff: SyncDiff
    """Rows of ``current`` (email, attributes_hash, phone_key) classified against the state."""
    to_import: pd.DataFrame
    """New then changed members as Brevo receives them, with ``attributes_hash`` and ``phone_key`` to record."""
    invalid_phones: pd.Series
    """Emails of members sent without SMS because their phone is not valid, labelled as their members' rows
    (the number a masked sample shows)."""
    shared_phones: pd.Series
    """Emails of members sent without SMS because an earlier member has the same number."""
    invalid_phones_sent: int
    """Of ``invalid_phones``, those in ``to_import``: what this run sends without SMS."""
    state: pd.DataFrame | None
    """Reconcile only: every member in the state's terms (``email``, ``attributes_hash``, ``phone_key``)."""


def raw_value_hashes(members: ExportMembers) -> np.ndarray:
    """Per member, the hash of everything that decides what it is sent (before the shared-SMS rule)."""
    frame = members.raw
    columns = members.attributes
    keys = hash_keys(members)
    if any(key != attribute for attribute, key in keys.items()):
        frame = pd.DataFrame({keys.get(c, c): frame[c] for c in frame.columns}, index=frame.index, copy=False)
        columns = [keys[a] for a in columns]
    if members.regions is not None:
        frame = frame.assign(**{REGION: members.regions})
        columns = [*columns, REGION]
    return row_hashes(frame, columns)


def hash_keys(members: ExportMembers) -> dict[str, str]:
    """Each attribute's name in the raw-value hash: its own for text, with its conversion's signature and its
    column's kind for a typed one (see the module's docstring)."""
    keys = {}
    for attribute in members.attributes:
        conversion = members.conversions.get(attribute)
        signature = conversion.signature if conversion is not None else ""
        if signature:
            signature += f" | from {members.sources.get(attribute) or 'text'}"
        keys[attribute] = f"{attribute} as {signature}" if signature else attribute
    return keys


def members_digest(members: ExportMembers, raw_hashes: np.ndarray, *, context: str) -> str:
    """One value for the whole ordered member list and ``context`` (the settings that decide what a run
    does with it): equal digests mean a run would send nothing and unlink nobody, given an untouched state.

    Order counts (the shared-SMS rule keeps the first holder of a number). BLAKE2b over the emails' Arrow
    buffers (lengths and bytes, in order), the raw-value hashes in order and the context: exact, and without
    a Python string per member (hashing the emails as Python strings took ~0.7 s of every run at 1M)."""
    emails = arrow_text(members.raw[EMAIL])
    offsets = value_offsets(emails)
    digest = hashlib.blake2b(digest_size=16, person=_DIGEST_VERSION)
    for part in (context.encode("utf-8"), len(emails).to_bytes(8, "little"), (offsets - offsets[0]).tobytes()):
        digest.update(part)
    if len(emails):
        digest.update(memoryview(emails.buffers()[2])[int(offsets[0]) : int(offsets[-1])])
    if emails.null_count:
        digest.update(np.packbits(emails.is_valid().to_numpy(zero_copy_only=False)).tobytes())
    digest.update(np.ascontiguousarray(raw_hashes, dtype=np.uint64).tobytes())
    return f"{len(emails)}:{digest.hexdigest()}"


def plan_sync(
    members: ExportMembers, raw_hashes: np.ndarray, previous: pd.DataFrame, *, by_value: bool = False
) -> SyncPlan:
    """Classify the members against ``previous`` (``email``, ``attributes_hash``, ``phone_key``) and shape
    the ones to send. ``by_value``: ``previous`` holds hashes of Brevo's values (reconcile).

    Hashes are compared as 64-bit integers (the stored text parsed once, vectorised); text is made only for
    the rows a run records."""
    raw = members.raw
    # Unique by construction: gather_members keeps one row per email; the state and Brevo's list (reconcile)
    # are keyed by email.
    position = email_positions(raw[EMAIL], previous[EMAIL], checked=False)
    known = position >= 0
    stored_hash, stored_valid = _hashes_at(previous[ATTRIBUTES_HASH], position)
    same_raw = stored_valid & (stored_hash == raw_hashes)

    e164 = pd.Series(pd.NA, index=raw.index, dtype=TEXT)
    parsed = np.zeros(len(raw), dtype=bool)
    has_phone = _has_phone(members)
    withheld = np.zeros(len(raw), dtype=bool)
    phone_key = np.zeros(len(raw), dtype=np.uint64)
    key_present = np.zeros(len(raw), dtype=bool)
    if SMS in raw:
        flagged = flag_hashes(raw_hashes, np.ones(len(raw), dtype=bool), _WITHHELD)
        same_raw |= stored_valid & (stored_hash == flagged)
        if by_value:
            same_raw[:] = False
        if PHONE_KEY in previous:
            keys, keys_valid = _hashes_at(previous[PHONE_KEY], position)
            phone_key[same_raw], key_present[same_raw] = keys[same_raw], keys_valid[same_raw]
        parsed = has_phone & ~same_raw
        e164 = _phones(members, parsed, e164)
        phone_key[parsed], key_present[parsed] = _phone_keys(e164[parsed])
        duplicated = pd.Series(phone_key[key_present]).duplicated(keep="first").to_numpy()
        withheld[np.flatnonzero(key_present)[duplicated]] = True
    invalid = has_phone & ~key_present
    sent = flag_hashes(raw_hashes, withheld, _WITHHELD)

    state = None
    if by_value:
        state = pd.DataFrame(
            {
                EMAIL: raw[EMAIL],
                ATTRIBUTES_HASH: hash_text(sent, raw.index),
                PHONE_KEY: hash_text(phone_key, raw.index, present=key_present),
            },
            index=raw.index,
        )
        contacts = _shape(members, raw.index, e164, withheld)
        left_out = unconvertible_rows(contacts, members.typed)
        if left_out.any():
            sent = flag_hashes(sent, left_out, _UNCONVERTIBLE)
            state[ATTRIBUTES_HASH] = hash_text(sent, raw.index)
        # Brevo keeps its own value where ours was left out: compare as if we sent none.
        for attribute in members.typed:
            contacts[attribute] = contacts[attribute].mask(contacts[attribute] == UNCONVERTIBLE)
        by_values = state.assign(**{ATTRIBUTES_HASH: attributes_hash(contacts, members.attributes)})
        diff = classify(by_values, previous, position)
        diff = SyncDiff(*(state.loc[part.index] for part in (diff.new, diff.changed, diff.unchanged)), diff.left)
    else:
        unchanged = stored_valid & (stored_hash == sent)
        current = raw[[EMAIL]]
        diff = SyncDiff(
            new=current.loc[~known],
            changed=current.loc[known & ~unchanged],
            unchanged=current.loc[unchanged],
            left=departed(previous[EMAIL], position),
        )

    sending = diff.to_import.index
    rows = raw.index.get_indexer(sending)
    in_sending = raw.index.isin(sending)
    e164 = _phones(members, has_phone & ~parsed & in_sending, e164)
    shaped = _shape(members, sending, e164, withheld)
    sent_hashes = sent[rows]
    if not by_value:  # (reconcile flagged every member's hash above)
        sent_hashes = flag_hashes(sent_hashes, unconvertible_rows(shaped, members.typed), _UNCONVERTIBLE)
    to_import = shaped.assign(
        **{
            ATTRIBUTES_HASH: hash_text(sent_hashes, sending),
            PHONE_KEY: hash_text(phone_key[rows], sending, present=key_present[rows]),
        }
    )
    return SyncPlan(
        diff=diff,
        to_import=to_import,
        invalid_phones=raw.loc[invalid, EMAIL],
        shared_phones=raw.loc[withheld, EMAIL],
        invalid_phones_sent=int(np.count_nonzero(invalid & in_sending)),
        state=state,
    )


def _hashes_at(column: pd.Series, position: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The stored hash text at ``position`` as ``uint64``, and where there is one that a run could have made
    (decimal text of a 64-bit value: older forms, Brevo-derived text and gaps never match)."""
    text = pa.array(column, type=pa.string(), from_pandas=True)
    length = pc.utf8_length(text)
    digits = pc.and_(pc.utf8_is_digit(text), pc.less_equal(length, 20))
    fits = pc.or_(pc.less(length, 20), pc.less_equal(text, "18446744073709551615"))
    valid = pc.fill_null(pc.and_(digits, fits), False)
    values = pc.cast(pc.if_else(valid, text, "0"), pa.uint64()).to_numpy(zero_copy_only=False)
    valid = valid.to_numpy(zero_copy_only=False)
    found = position >= 0
    at = np.zeros(len(position), dtype=np.uint64)
    ok = np.zeros(len(position), dtype=bool)
    at[found] = values[position[found]]
    ok[found] = valid[position[found]]
    return at, ok


def _has_phone(members: ExportMembers) -> np.ndarray:
    if SMS not in members.raw:
        return np.zeros(len(members.raw), dtype=bool)
    return (members.raw[SMS].str.strip().fillna("") != "").to_numpy(dtype=bool)


def _phones(members: ExportMembers, rows: np.ndarray, e164: pd.Series) -> pd.Series:
    """``e164`` with the phones of ``rows`` parsed (the costly step, done once per row at most)."""
    if not rows.any():
        return e164
    chosen = members.raw.loc[rows, [EMAIL, SMS]]
    shaped, _ = shape_contacts(chosen, members.regions)
    e164 = e164.copy()
    e164.loc[chosen.index] = shaped[SMS].astype(TEXT)
    return e164


def _phone_keys(e164: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A hash of each E.164 number (``uint64``) and where there is a number."""
    return row_hashes(pd.DataFrame({SMS: e164}), [SMS]), e164.notna().to_numpy(dtype=bool)


def _shape(members: ExportMembers, rows: pd.Index, e164: pd.Series, withheld: np.ndarray) -> pd.DataFrame:
    """The contacts of ``rows`` as Brevo receives them (phones already parsed into ``e164``)."""
    everyone = len(rows) == len(members.raw) and rows.equals(members.raw.index)
    raw = members.raw if everyone else members.raw.loc[rows]  # a full export shares the members' columns
    text = raw.drop(columns=[SMS]) if SMS in raw else raw
    contacts, _ = shape_contacts(text, None, members.conversions, members.sources)
    if SMS in raw:
        kept = e164.loc[rows].mask(pd.Series(withheld, index=members.raw.index).loc[rows])
        contacts.insert(list(raw.columns).index(SMS), SMS, kept)
    return contacts


def _at(column: pd.Series, position: np.ndarray) -> np.ndarray:
    """``column``'s values at ``position`` (None where the position is -1)."""
    values = column.to_numpy(dtype=object)
    picked = np.full(len(position), None, dtype=object)
    found = position >= 0
    picked[found] = values[position[found]]
    return picked
