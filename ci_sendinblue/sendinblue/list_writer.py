"""Writing contacts into one Brevo list and waiting until Brevo confirms it: the HTTP side of a list sync.

The import endpoint answers at once with a process ID and does the work later, so an export is done only
when every process it started has completed. ``/processes`` shares Brevo's small hourly budget (about 100
requests on the general tier), hence polling waits longer and longer between looks, one process at a time.
Each import is announced as "import 3 of 11" when it starts and when it completes, and the waits in between
go through the run's :class:`~ci_sendinblue.sendinblue.progress.Heartbeat`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import pandas as pd

from ci_sendinblue.sendinblue.attributes import AccountAttribute, parse_attributes
from ci_sendinblue.sendinblue.client import (
    MAX_EMAILS_PER_LIST_CHANGE,
    MAX_LIST_MEMBERS_PAGE,
    BrevoClient,
    ProcessStatus,
)
from ci_sendinblue.sendinblue.errors import ImportsFailed, UnknownAttributes
from ci_sendinblue.sendinblue.imports import ImportBody
from ci_sendinblue.sendinblue.policies import PollPolicy
from ci_sendinblue.sendinblue.progress import Heartbeat, data_size
from ci_sendinblue.sendinblue.read_ahead import read_ahead

DUPLICATE_SMS = "duplicate SMS"
REFUSAL_COUNTERS = {
    "invalid_emails": "invalid email",
    "duplicate_email_id": "duplicate email",
    "duplicate_phone_id": DUPLICATE_SMS,
}
"""Brevo's ``info.import`` counters of contacts an import left out, and the reason each one stands for. A
duplicate email in one of our imports means Brevo folds two addresses we keep apart; a duplicate SMS, that
another contact of the account already holds the number."""


@dataclass(frozen=True)
class ImportOutcome:
    process_id: int
    emails: pd.Series
    """As in :class:`ImportBody`: the emails, labelled as the rows they were packed from."""
    status: ProcessStatus

    @property
    def refusals(self) -> dict[str, int]:
        """Contacts the completed process left out, by reason in words ("invalid email": 2), from Brevo's
        ``info.import`` counters."""
        counters = self.status.import_counters
        found = {reason: counters.get(counter, 0) for counter, reason in REFUSAL_COUNTERS.items()}
        return {reason: count for reason, count in found.items() if count}

    @property
    def clean(self) -> bool:
        """Completed with every contact taken; anything else holds contacts Brevo did not import."""
        return self.status.succeeded and not self.refusals

    @property
    def reason(self) -> str:
        """Why a process that is not clean did not take its contacts, in words."""
        if not self.status.succeeded:
            return f"import {self.status.status}"
        return ", ".join(self.refusals) or "completed"

    @property
    def outcome_text(self) -> str:
        if self.status.succeeded:
            refused = ", ".join(f"{count} {reason}" for reason, count in self.refusals.items())
            return f"completed with {refused or 'every contact taken'}"
        return self.status.status


@dataclass(frozen=True)
class ListReadiness:
    listed: dict
    """The list as ``GET /contacts/lists/{id}`` describes it before the run."""
    attribute_types: dict[str, str]
    """Each mapped attribute's Brevo type (text, float, date, boolean, ...), as the account declares it."""
    account: dict[str, AccountAttribute] = field(default_factory=dict)
    """Every attribute of the account, by upper-case name, with its category, type and values."""


@dataclass(frozen=True)
class RemovalOutcome:
    removed: list[str]
    not_in_list: list[str]


class ListWriter:
    """One list of one account, for one step: imports, waits for Brevo's processes, unlinks, reads back."""

    def __init__(
        self,
        client: BrevoClient,
        list_id: int | None,
        *,
        poll: PollPolicy,
        heartbeat: Heartbeat,
    ) -> None:
        self.client = client
        self._list_id = list_id
        self._poll = poll
        self.heartbeat = heartbeat

    @property
    def list_id(self) -> int:
        if self._list_id is None:
            raise RuntimeError("this writer's list is named by name and not resolved yet: use for_list(list_id)")
        return self._list_id

    def for_list(self, list_id: int) -> ListWriter:
        """The same client and waits, for the list an export named by name once a run resolved it."""
        return ListWriter(self.client, list_id, poll=self._poll, heartbeat=self.heartbeat)

    def check_ready(self, attributes: Iterable[str]) -> ListReadiness:
        """Fail before sending anything when the list or a mapped attribute does not exist."""
        found = self.client.get_list(self.list_id)
        types, declared = self.check_attributes(attributes)
        return ListReadiness(found, types, declared)

    def check_attributes(self, attributes: Iterable[str]) -> tuple[dict[str, str], dict[str, AccountAttribute]]:
        """Each mapped attribute's Brevo kind, and every attribute the account declares; fails when a mapped
        attribute does not exist in the account."""
        declared = parse_attributes(self.client.attributes())
        account = {name: attribute.kind for name, attribute in declared.items()}
        missing = sorted(a for a in attributes if a.upper() not in account)
        if missing:
            raise UnknownAttributes(
                f"the mapping sends attribute(s) {', '.join(missing)} that the Brevo account does not have "
                f"(it has {', '.join(sorted(account)) or 'none'}): create them in Brevo (Contacts > Settings > "
                "Contact attributes) or change the export's mapping."
            )
        return {a: account[a.upper()] for a in attributes}, declared

    def import_all(self, bodies: Iterable[ImportBody], *, total: int, label: str = "import") -> list[ImportOutcome]:
        """Start every import, then wait for each; the caller decides what a failed process means.

        ``total`` is how many bodies ``bodies`` holds, announced as "import 3 of 11"; ``label`` names the
        kind of import in those lines."""
        say, clock = self.heartbeat.say, self.heartbeat.clock
        started: list[tuple[int, pd.Series, float]] = []
        for number, body in enumerate(read_ahead(bodies), start=1):  # the next body is packed while one is sent
            process_id = self.client.import_contacts(body.body)
            say(
                f"{label} {number} of {total} started ({len(body.emails):,} contacts, {data_size(len(body.body))}; "
                f"Brevo process {process_id})"
            )
            started.append((process_id, body.emails, clock()))
        outcomes = []
        for number, (process_id, emails, since) in enumerate(started, start=1):
            status = self.wait(process_id, waiting_for=f"{label} {number} of {total}", since=since)
            outcome = ImportOutcome(process_id, emails, status)
            refused = ", ".join(f"{count:,} {reason}" for reason, count in outcome.refusals.items())
            finished = "completed" if status.succeeded else status.status
            took = f"{label} {number} of {total} {finished} in {clock() - since:.0f} s"
            say(f"{took} ({refused})" if refused else took)
            outcomes.append(outcome)
        return outcomes

    def members(self) -> Iterator[dict]:
        """Every contact in the list as Brevo has it, 500 per request."""
        offset = 0
        while True:
            page = self.client.list_members(self.list_id, limit=MAX_LIST_MEMBERS_PAGE, offset=offset)
            contacts = page.get("contacts") or []
            yield from contacts
            offset += len(contacts)
            if not contacts or offset >= int(page.get("count", 0)):
                return
            self.heartbeat.tick(
                f"reading list {self.list_id} from Brevo: {offset:,} of {int(page['count']):,} contacts"
            )

    def wait(self, process_id: int, *, waiting_for: str = "", since: float | None = None) -> ProcessStatus:
        """Poll ``process_id`` until Brevo finishes it; ``waiting_for`` names it in the heartbeat lines."""
        clock = self.heartbeat.clock
        since = clock() if since is None else since
        deadline = clock() + self._poll.timeout
        interval = self._poll.initial
        status: ProcessStatus | None = None

        def still() -> str:
            state = f"'{status.status}'" if status else "started"
            what = waiting_for or f"process {process_id}"
            return f"waiting on Brevo: {what} is {state} after {clock() - since:.0f} s"

        while True:
            self.heartbeat.sleep(interval, still)
            status = self.client.process(process_id)
            if status.finished:
                return status
            if clock() + interval > deadline:
                raise ImportsFailed(
                    f"import process {process_id} is still '{status.status}' after {self._poll.timeout:.0f} s; "
                    "it may still complete in Brevo: the next run checks and sends the same contacts again."
                )
            interval = min(interval * self._poll.factor, self._poll.maximum)

    def remove(self, emails: Sequence[str]) -> RemovalOutcome:
        """Unlink contacts from the list (they stay in Brevo), 150 per call as Brevo allows."""
        removed: list[str] = []
        absent: list[str] = []
        for start in range(0, len(emails), MAX_EMAILS_PER_LIST_CHANGE):
            change = self.client.remove_from_list(self.list_id, emails[start : start + MAX_EMAILS_PER_LIST_CHANGE])
            removed.extend(change.success)
            absent.extend(change.failure)
        return RemovalOutcome(removed=removed, not_in_list=absent)
