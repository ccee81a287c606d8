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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ci_sendinblue.sendinblue.contacts import EMAIL, SMS, ExportMembers, shape_contacts
from ci_sendinblue.sendinblue.sync_diff import (
    ATTRIBUTES_HASH,
    SyncDiff,
    attributes_hash,
    classify,
    flag_hashes,
    hash_text,
    row_hashes,
    unique_email_index,
)
from ci_sendinblue.sendinblue.sync_state import PHONE_KEY
from ci_sendinblue.text import TEXT

REGION = "SMS region"
"""The phone region's place in the raw-value hash (a name no Brevo attribute can have: they are upper case)."""
_WITHHELD = "SMS withheld"


@dataclass(frozen=True)
class SyncPlan:
    diff: SyncDiff
    """Rows of ``current`` (email, attributes_hash, phone_key) classified against the state."""
    to_import: pd.DataFrame
    """New then changed members as Brevo receives them, with ``attributes_hash`` and ``phone_key`` to record."""
    invalid_phones: pd.Series
    """Emails of members sent without SMS because their phone is not valid."""
    shared_phones: pd.Series
    """Emails of members sent without SMS because an earlier member has the same number."""
    state: pd.DataFrame
    """What the state becomes once Brevo confirmed every import (reconcile writes it before importing)."""


def raw_value_hashes(members: ExportMembers) -> np.ndarray:
    """Per member, the hash of everything that decides what it is sent (before the shared-SMS rule)."""
    frame = members.raw
    columns = members.attributes
    if members.regions is not None:
        frame = frame.assign(**{REGION: members.regions})
        columns = [*columns, REGION]
    return row_hashes(frame, columns)


def members_digest(members: ExportMembers, raw_hashes: np.ndarray, *, context: str) -> str:
    """One value for the whole ordered member list and ``context`` (the settings that decide what a run
    does with it): equal digests mean a run would send nothing and unlink nobody, given an untouched state.

    Order counts (the shared-SMS rule keeps the first holder of a number), so each row is mixed with its
    position; ``uint64`` sums wrap, which is what a digest wants."""
    everywhere = np.ones(len(raw_hashes), dtype=bool)
    rows = flag_hashes(raw_hashes ^ row_hashes(members.raw, [EMAIL]), everywhere, "member")
    positions = flag_hashes(np.arange(len(rows), dtype=np.uint64), everywhere, "position")
    total = np.array([(rows ^ positions).sum(dtype=np.uint64)], dtype=np.uint64)
    return f"{len(rows)}:{int(flag_hashes(total, np.array([True]), context)[0]):016x}"


def plan_sync(
    members: ExportMembers, raw_hashes: np.ndarray, previous: pd.DataFrame, *, by_value: bool = False
) -> SyncPlan:
    """Classify the members against ``previous`` (``email``, ``attributes_hash``, ``phone_key``) and shape
    the ones to send. ``by_value``: ``previous`` holds hashes of Brevo's values (reconcile)."""
    raw = members.raw
    emails = unique_email_index(raw[EMAIL], "current")
    stored = unique_email_index(previous[EMAIL], "previous")
    position = stored.get_indexer(emails)
    known = position >= 0
    stored_hash = _at(previous[ATTRIBUTES_HASH], position)
    plain = hash_text(raw_hashes).to_numpy()
    same_raw = known & (stored_hash == plain)

    e164 = pd.Series(pd.NA, index=raw.index, dtype=TEXT)
    parsed = np.zeros(len(raw), dtype=bool)
    has_phone = _has_phone(members)
    invalid = withheld = np.zeros(len(raw), dtype=bool)
    phone_key = np.full(len(raw), None, dtype=object)
    if SMS in raw:
        flagged = hash_text(flag_hashes(raw_hashes, np.ones(len(raw), dtype=bool), _WITHHELD)).to_numpy()
        same_raw |= known & (stored_hash == flagged)
        if by_value:
            same_raw[:] = False
        if PHONE_KEY in previous:
            phone_key[same_raw] = _at(previous[PHONE_KEY], position)[same_raw]
        parsed = has_phone & ~same_raw
        e164 = _phones(members, parsed, e164)
        phone_key[parsed] = _phone_keys(e164[parsed])
        present = pd.notna(phone_key)
        invalid = has_phone & ~present
        withheld = present & pd.Series(phone_key).duplicated(keep="first").to_numpy()

    sent = hash_text(flag_hashes(raw_hashes, withheld, _WITHHELD), raw.index)
    current = pd.DataFrame({EMAIL: raw[EMAIL], ATTRIBUTES_HASH: sent, PHONE_KEY: phone_key}, index=raw.index)
    if by_value:
        contacts = _shape(members, raw.index, e164, withheld)
        by_values = current.assign(**{ATTRIBUTES_HASH: attributes_hash(contacts, members.attributes)})
        diff = classify(by_values, previous, emails, stored, position)
        diff = SyncDiff(*(current.loc[part.index] for part in (diff.new, diff.changed, diff.unchanged)), diff.left)
    else:
        diff = classify(current, previous, emails, stored, position)

    sending = diff.to_import.index
    e164 = _phones(members, has_phone & ~parsed & raw.index.isin(sending), e164)
    to_import = _shape(members, sending, e164, withheld).assign(
        **{ATTRIBUTES_HASH: current.loc[sending, ATTRIBUTES_HASH], PHONE_KEY: current.loc[sending, PHONE_KEY]}
    )
    return SyncPlan(
        diff=diff,
        to_import=to_import,
        invalid_phones=raw.loc[invalid, EMAIL].reset_index(drop=True),
        shared_phones=raw.loc[withheld, EMAIL].reset_index(drop=True),
        state=current,
    )


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


def _phone_keys(e164: pd.Series) -> np.ndarray:
    keys = hash_text(row_hashes(pd.DataFrame({SMS: e164}), [SMS])).to_numpy()
    return np.where(e164.notna().to_numpy(dtype=bool), keys, None)


def _shape(members: ExportMembers, rows: pd.Index, e164: pd.Series, withheld: np.ndarray) -> pd.DataFrame:
    """The contacts of ``rows`` as Brevo receives them (phones already parsed into ``e164``)."""
    raw = members.raw.loc[rows]
    text = raw.drop(columns=[SMS]) if SMS in raw else raw
    contacts, _ = shape_contacts(text, None)
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
