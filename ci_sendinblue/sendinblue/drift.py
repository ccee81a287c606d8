"""Whether a Brevo list still holds what the sync state says it does.

The state is what Brevo confirmed to this project. A list emptied or edited by hand in Brevo's app, contacts
deleted there, or a fresh emulator beside an old state make the two disagree, and a run that trusted the state
would report success over a wrong list. Brevo's own member count for the list is a cheap, independent view,
read before and after every run: in upsert mode the list must hold at least the state's members (others may
be added by hand), in mirror mode exactly them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal


def brevo_member_count(listed: Mapping[str, Any]) -> int:
    """Contacts in a list as ``GET /contacts/lists/{id}`` counts them (blocklisted ones included)."""
    return int(listed.get("uniqueSubscribers", listed.get("totalSubscribers", 0)) or 0)


def brevo_blocklisted_count(listed: Mapping[str, Any]) -> int:
    """Members of a list that Brevo will not e-mail (blocklisted: unsubscribed, or blocked by hand), as
    ``GET /contacts/lists/{id}`` counts them in ``totalBlacklisted``. They stay members: runs never lift it."""
    return int(listed.get("totalBlacklisted", 0) or 0)


@dataclass(frozen=True)
class ListCounts:
    brevo: int
    """Contacts Brevo says the list holds."""
    state: int
    """Contacts the sync state says Brevo confirmed."""
    mode: Literal["upsert", "mirror"]

    @property
    def drifted(self) -> bool:
        return self.brevo < self.state if self.mode == "upsert" else self.brevo != self.state

    def describe(self, list_id: int) -> str:
        expected = "at least " if self.mode == "upsert" else ""
        verdict = "drift" if self.drifted else "in step"
        return (
            f"Brevo list {list_id} holds {self.brevo:,} contacts; the sync state expects {expected}{self.state:,} "
            f"({self.mode} mode): {verdict}"
        )
