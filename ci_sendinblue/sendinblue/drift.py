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
    pending: int = 0
    """Double opt-in contacts asked to confirm and not yet in the state: any of them may have joined the list
    since (by confirming), none of them has to."""

    @property
    def drifted(self) -> bool:
        if self.mode == "upsert":
            return self.brevo < self.state
        return not self.state <= self.brevo <= self.state + self.pending

    def describe(self, list_id: int) -> str:
        expected = "at least " if self.mode == "upsert" or self.pending else ""
        verdict = "drift" if self.drifted else "in step"
        waiting = f", {self.pending:,} more may join by confirming their double opt-in" if self.pending else ""
        return (
            f"Brevo list {list_id} holds {self.brevo:,} contacts; the sync state expects {expected}{self.state:,} "
            f"({self.mode} mode{waiting}): {verdict}"
        )
