"""Reading what a Brevo list really holds, in the sync state's own terms (email, attributes hash).

The sync state is what Brevo confirmed to this project; someone may since have removed contacts from the list
by hand, or edited their attributes in Brevo. Reconciling replaces the state with the list as Brevo has it,
hashed like the contacts a run would send, so the diff then repairs exactly the drift.
"""

from __future__ import annotations

import pandas as pd

from ci_sendinblue.sendinblue.contacts import EMAIL
from ci_sendinblue.sendinblue.list_writer import ListWriter
from ci_sendinblue.sendinblue.sync_diff import ATTRIBUTES_HASH, attributes_hash
from ci_sendinblue.text import TEXT


def list_as_state(writer: ListWriter, attributes: list[str]) -> pd.DataFrame:
    """Columns ``email`` and ``attributes_hash`` of every contact in the writer's list."""
    members = pd.DataFrame(
        [{EMAIL: m["email"].strip().lower(), **(m.get("attributes") or {})} for m in writer.members()],
        columns=[EMAIL, *attributes],
    )
    members[attributes] = members[attributes].astype(TEXT).apply(lambda c: c.str.strip()).replace("", pd.NA)
    members[ATTRIBUTES_HASH] = attributes_hash(members, attributes)
    return members[[EMAIL, ATTRIBUTES_HASH]].drop_duplicates(EMAIL)
