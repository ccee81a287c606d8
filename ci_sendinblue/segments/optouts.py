"""Leaving out of a segment the people who opted out in Brevo (a segment's ``exclude_optouts``).

Only an e-mail opt-out excludes: a contact who refused SMS still takes e-mail, and the exports leave out a
phone Brevo will not text anyway. Emails are compared as both sides key them: trimmed and lower-case.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ci_sendinblue.text import rows_where


def without_optouts(
    members: pd.DataFrame, email_column: str, optouts: Iterable[pd.DataFrame]
) -> tuple[pd.DataFrame, int]:
    """``members`` without those whose email one of ``optouts`` (opt-outs assets' frames) blocklists for
    e-mail, and how many left. One Arrow membership test over the column, whatever the number of members."""
    blocked = [frame.loc[frame["email_blacklisted"].astype(bool), "email"] for frame in optouts]
    if not blocked:
        return members, 0
    emails = pd.concat(blocked, ignore_index=True).astype("string[pyarrow]").str.strip().str.lower()
    excluded = members[email_column].isin(emails.dropna().unique()).to_numpy(dtype=bool)
    count = int(excluded.sum())
    return (rows_where(members, ~excluded) if count else members), count
