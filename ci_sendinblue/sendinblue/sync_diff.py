"""What changed in an export since Brevo last confirmed it: new, changed, unchanged and departed members.

Each export keeps, per member email, a hash of what Brevo last confirmed (see ``sync_state``). A run hashes
what it would send now (:func:`attributes_hash`), compares with the stored hashes (:func:`diff_members`) and
sends only the new and changed members; in "mirror" mode the members who left are unlinked from the list.

Hashing is vectorised: each column is hashed whole with pandas' SipHash (``pandas.util.hash_array``, keyed by
the column's name) and the columns are mixed with a 64-bit finaliser in numpy, so no Python runs per row.
Measured on the 2-core benchmark machine: about 0.2 s per text column of 1,000,000 rows.
:func:`diff_members` on 1,000,000 current against 1,000,000 stored members takes about 1 s.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ci_sendinblue.sendinblue.contacts import EMAIL
from ci_sendinblue.text import TEXT, arrow_text, count_blank

ATTRIBUTES_HASH = "attributes_hash"

# Part of every column key: bump it when the canonical text below changes. Every member then differs once and
# is re-sent, which is the correct (if costly) outcome, instead of silently comparing incompatible hashes.
# (v1 was a per-row BLAKE2b in hex; its hashes never equal a v2 one, which is decimal text.)
_HASH_VERSION = b"ci-sb-attrs-v2"


def normalize_email_keys(emails: pd.Series) -> pd.Series:
    """The matching key of an email: trimmed and lower-cased (the rule the segments apply); missing stays NA.

    :func:`diff_members` expects keys already in this form (the segments normalise them); the state store
    applies it to everything it writes.
    """
    return emails.astype(TEXT).str.strip().str.lower().astype(object).where(emails.notna(), None)


def row_hashes(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """A stable 64-bit hash per row of ``frame`` over ``columns`` (``uint64``, in ``frame``'s row order).

    Why it is built this way:

    * The hash is stored and compared with the one computed by a *later run in another process*, so it never
      uses Python's ``hash()`` (salted per process for strings); it is SipHash-2-4 with fixed keys
      (``pandas.util.hash_array``, the algorithm behind ``hash_pandas_object``), pinned by a test so that a
      library upgrade that changed it would be noticed.
    * Columns are taken in sorted name order and each column is hashed with a key derived from its name, so
      the order in which a caller lists them does not matter, values cannot shift from one column to
      another, and renaming, adding or dropping an attribute changes every hash (the attribute set Brevo
      holds changed, so members must be re-sent).
    * A missing value (None, NaN, NaT, pd.NA) hashes to a per-column constant, so None differs from "".
    * Values are canonicalised per column dtype, vectorised: booleans as ``true``/``false``, integral floats
      as integers (so a column turning float because it gained a NaN does not change other rows' hashes),
      other floats by ``repr``, everything else by ``str``.
    """
    names = sorted(columns)
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise KeyError(f"attributes_hash: columns not in frame: {missing}")
    combined = np.full(len(frame), _name_constant(b"row", ",".join(names)), dtype=np.uint64)
    for name in names:
        combined = _mix(combined ^ _column_hashes(frame[name], name))
    return combined


def _column_hashes(column: pd.Series, name: str) -> np.ndarray:
    """SipHash of each value's canonical text, each distinct value hashed once (names, regions and tiers
    repeat a lot; Arrow factorizes text without a Python object per row)."""
    codes, distinct = pd.factorize(column, use_na_sentinel=True)
    text = _canonical_text(pd.Series(distinct)).to_numpy(dtype=object)
    hashed = pd.util.hash_array(text, hash_key=_column_key(name), categorize=False)
    missing = _name_constant(b"missing", name)
    return np.where(codes >= 0, hashed[np.maximum(codes, 0)] if len(hashed) else missing, missing).astype(np.uint64)


def attributes_hash(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """:func:`row_hashes` as text (the form the sync state stores), keeping ``frame``'s index."""
    return hash_text(row_hashes(frame, columns), frame.index)


def hash_text(hashes: np.ndarray, index: pd.Index | None = None, *, present: np.ndarray | None = None) -> pd.Series:
    """64-bit hashes as decimal text (missing where ``present`` is False), vectorised (pyarrow's cast), kept
    in Arrow: a million hashes as Python strings would take about 65 MB, in Arrow about 20."""
    text = pa.array(hashes, type=pa.uint64(), mask=None if present is None else ~present).cast(pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(text), index=index, name=ATTRIBUTES_HASH)


def flag_hashes(hashes: np.ndarray, flags: np.ndarray, what: str) -> np.ndarray:
    """``hashes`` changed where ``flags`` is set, by a constant named ``what``: a decision taken across rows
    (e.g. "this contact's SMS is withheld") becomes part of what a row's hash says was sent."""
    return np.where(flags, _mix(hashes ^ _name_constant(b"flag", what)), hashes)


def _mix(values: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: every input bit affects every output bit (``uint64`` arithmetic wraps)."""
    with np.errstate(over="ignore"):
        values = values ^ (values >> np.uint64(30))
        values = values * np.uint64(0xBF58476D1CE4E5B9)
        values = values ^ (values >> np.uint64(27))
        values = values * np.uint64(0x94D049BB133111EB)
        return values ^ (values >> np.uint64(31))


def _column_key(name: str) -> str:
    """A 16-character SipHash key per column name (``hash_array`` wants exactly 16 bytes)."""
    return hashlib.blake2b(name.encode("utf-8"), digest_size=8, person=_HASH_VERSION[:16]).hexdigest()


def _name_constant(kind: bytes, name: str) -> np.uint64:
    digest = hashlib.blake2b(kind + b"\0" + name.encode("utf-8"), digest_size=8, person=_HASH_VERSION[:16])
    return np.uint64(int.from_bytes(digest.digest(), "little"))


def _canonical_text(column: pd.Series) -> pd.Series:
    """Text of each value; missing values become "" here (their hash is replaced by the missing constant)."""
    missing = column.isna()
    if pd.api.types.is_string_dtype(column.dtype) and not pd.api.types.is_object_dtype(column.dtype):
        return column.fillna("")
    if pd.api.types.is_bool_dtype(column.dtype):
        text = column.map({True: "true", False: "false"})
    elif pd.api.types.is_integer_dtype(column.dtype):
        text = column.astype(str)  # missing (pd.NA in nullable dtypes) is masked below
    elif pd.api.types.is_float_dtype(column.dtype):
        values = column.astype("float64").to_numpy(na_value=np.nan)
        text = pd.Series([repr(v) for v in values.tolist()], index=column.index, dtype=object)
        with np.errstate(invalid="ignore"):
            integral = np.isfinite(values) & (np.floor(values) == values) & (np.abs(values) < 2**53)
        if integral.any():
            text[integral] = values[integral].astype("int64").astype(str)
    elif pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        text = column.astype(object)
    else:
        text = column.map(_canonical_scalar, na_action="ignore")
    return text.astype(object).where(~missing, "").astype(str)


def _canonical_scalar(value: Any) -> str:
    """Canonical text of one value in a column of mixed types (the slow path)."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating) and float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    if isinstance(value, float | np.floating):
        return repr(float(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class SyncDiff:
    """How the current members of an export differ from the state Brevo last confirmed.

    ``new``, ``changed`` and ``unchanged`` are row subsets of the *current* frame, with all its columns, its
    index and its order (so the caller can import them directly); ``left`` holds the stored emails that are
    no longer members (to unlink in mirror mode).
    """

    new: pd.DataFrame
    changed: pd.DataFrame
    unchanged: pd.DataFrame
    left: pd.Index
    left_unloaded: int = 0
    """Departed members counted from the state's summary without loading them (a run that found nothing
    changed in "upsert" mode, where they stay in the list)."""

    @property
    def new_count(self) -> int:
        return len(self.new)

    @property
    def changed_count(self) -> int:
        return len(self.changed)

    @property
    def unchanged_count(self) -> int:
        return len(self.unchanged)

    @property
    def left_count(self) -> int:
        return len(self.left) + self.left_unloaded

    @property
    def to_import(self) -> pd.DataFrame:
        """New then changed members: what a run must send."""
        return pd.concat([self.new, self.changed]) if self.changed_count else self.new

    def counts(self) -> dict[str, int]:
        """Counts only (no emails), e.g. for logs and Dagster metadata."""
        return {
            "new": self.new_count,
            "changed": self.changed_count,
            "unchanged": self.unchanged_count,
            "left": self.left_count,
        }


def diff_members(current: pd.DataFrame, previous: pd.DataFrame) -> SyncDiff:
    """Classify ``current`` members against the ``previous`` (confirmed) state.

    ``current`` needs columns ``email`` and ``attributes_hash`` (others are carried along untouched);
    ``previous`` needs ``email`` and ``attributes_hash`` (as returned by ``SyncStateStore.load``). Emails are
    compared exactly, so both sides must already be normalised (:func:`normalize_email_keys`: trimmed,
    lower-case), as the segments and the store guarantee; each side must be unique and without blanks, else
    ``ValueError`` (the message gives counts, never addresses). A member is *changed* when its hash differs
    from the stored one.

    Vectorised: one hash-table lookup of the current emails in the stored ones (Arrow's ``index_in``, no
    Python string per email) and boolean masks; no per-row Python. This is equivalent to an outer merge with
    ``indicator=True`` but keeps ``current``'s index and order and copies less.
    """
    _require_columns(current, "current")
    _require_columns(previous, "previous")
    return classify(current, previous, email_positions(current[EMAIL], previous[EMAIL]))


def classify(current: pd.DataFrame, previous: pd.DataFrame, position: np.ndarray) -> SyncDiff:
    """:func:`diff_members` with the lookup ``position`` (:func:`email_positions`) already made: hashing a
    million emails is most of the cost, so it is done once."""
    known = position >= 0
    previous_hashes = previous[ATTRIBUTES_HASH].to_numpy(dtype=object)
    current_hashes = current[ATTRIBUTES_HASH].to_numpy(dtype=object)
    same_hash = np.zeros(len(current), dtype=bool)
    if known.any():
        same_hash[known] = current_hashes[known] == previous_hashes[position[known]]

    return SyncDiff(
        new=current.loc[~known],
        changed=current.loc[known & ~same_hash],
        unchanged=current.loc[known & same_hash],
        left=departed(previous[EMAIL], position),
    )


def email_positions(current: pd.Series, previous: pd.Series, *, checked: bool = True) -> np.ndarray:
    """Each current email's row in ``previous`` (-1 where it is not there). Arrow's ``index_in`` builds one
    C++ hash table of the stored emails; a pandas Index would first make a Python string of every email.

    ``checked``: both sides are first refused if not unique or with blanks (``ValueError`` with counts, never
    addresses), which costs two more hash tables; a caller whose sides are unique by construction (members
    de-duplicated by email, a state keyed by email) passes ``False``."""
    wanted = _unique_emails(current, "current") if checked else arrow_text(current)
    stored = _unique_emails(previous, "previous") if checked else arrow_text(previous)
    if len(stored) == 0 or len(wanted) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    return np.asarray(pc.index_in(wanted, value_set=stored).fill_null(-1), dtype=np.int64)


def departed(previous_emails: pd.Series, position: np.ndarray) -> pd.Index:
    """The stored emails no current member was looked up to (``position``: each current member's place in
    ``previous_emails``, -1 if new); both sides are unique, so no second hash table is needed."""
    still_member = np.zeros(len(previous_emails), dtype=bool)
    still_member[position[position >= 0]] = True
    if still_member.all():
        return pd.Index([], dtype=object, name=EMAIL)
    return pd.Index(previous_emails[~still_member].to_numpy(dtype=object), dtype=object, name=EMAIL)


def _require_columns(frame: pd.DataFrame, label: str) -> None:
    missing = [c for c in (EMAIL, ATTRIBUTES_HASH) if c not in frame.columns]
    if missing:
        raise KeyError(f"diff_members: {label} frame lacks columns {missing}")


def _unique_emails(emails: pd.Series, label: str) -> pa.Array:
    """The emails as one Arrow string array; blanks and duplicates are refused with counts only."""
    text = arrow_text(emails)
    blank = count_blank(text)
    if blank:
        raise ValueError(f"diff_members: {label} has {blank} missing or blank email(s)")
    duplicated = len(text) - pc.count_distinct(text).as_py()
    if duplicated:
        raise ValueError(f"diff_members: {label} has {duplicated} duplicate email(s)")
    return text
