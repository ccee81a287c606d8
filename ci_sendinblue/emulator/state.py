"""In-memory Brevo account: attributes, lists, contacts and background processes. No HTTP here.

Semantics kept from Brevo: contacts are keyed by lower-cased email; list membership is per list;
attributes unknown to the account are ignored; an import is applied only when its process completes
(``apply_due`` is called by the HTTP layer before handling every request, so completion is lazy but
always observed in creation order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .emails import normalize_email
from .errors import ApiError, invalid, not_found
from .imports import ImportRequest

Clock = Callable[[], float]
Job = Callable[[], dict[str, Any] | None]


def utc_now() -> datetime:
    """Wall-clock time for ``createdAt``/``modifiedAt`` (process timing uses the injectable clock)."""
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    """Brevo's date-time style: ISO 8601 with milliseconds and an explicit offset."""
    return moment.isoformat(timespec="milliseconds")


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


@dataclass
class Contact:
    """One contact; ``list_ids`` is the single source of truth for list membership."""

    id: int
    email: str
    attributes: dict[str, Any] = field(default_factory=dict)
    list_ids: set[int] = field(default_factory=set)
    email_blacklisted: bool = False
    sms_blacklisted: bool = False
    created_at: datetime = field(default_factory=utc_now)
    modified_at: datetime = field(default_factory=utc_now)

    def touch(self) -> None:
        """Record a modification (attributes or lists)."""
        self.modified_at = utc_now()


@dataclass
class ContactList:
    """A contact list; its members are the contacts whose ``list_ids`` contain ``id``."""

    id: int
    name: str
    folder_id: int = 1
    created_at: datetime = field(default_factory=utc_now)


@dataclass
class Process:
    """A background process (imports, remove-all). Its ``job`` runs once, when it completes."""

    id: int
    name: str
    started: float
    done_at: float
    job: Job | None = None
    fail: bool = False
    final_status: str | None = None
    info: dict[str, Any] | None = None

    def status(self, now: float) -> str:
        """``queued`` for the first half of the delay, then ``in_process``, then the final status."""
        if self.final_status is not None:
            return self.final_status
        if now < self.started + (self.done_at - self.started) / 2:
            return "queued"
        return "in_process"


class AccountState:
    """Everything a Brevo account holds, plus the rules that change it."""

    def __init__(
        self,
        attributes: Sequence[str],
        lists: Mapping[int, str],
        process_delay: float,
        clock: Clock,
    ) -> None:
        self._clock = clock
        self.process_delay = process_delay
        self.attributes: list[str] = []
        self.lists: dict[int, ContactList] = {}
        self.contacts: dict[str, Contact] = {}
        self.processes: dict[int, Process] = {}
        self._next_contact_id = 1
        self._next_process_id = 1
        self.reset(attributes=attributes, lists=lists)

    # -- account -----------------------------------------------------------------------------------------
    def reset(
        self,
        attributes: Sequence[str] | None = None,
        lists: Mapping[int, str] | None = None,
        process_delay: float | None = None,
    ) -> None:
        """Forget contacts and processes; optionally replace attributes, lists and delay.

        Lists not replaced are kept (emptied, since membership lives on contacts).
        """
        self.contacts.clear()
        self.processes.clear()
        self._next_contact_id = 1
        self._next_process_id = 1
        if attributes is not None:
            self.attributes = [name.upper() for name in attributes]
        if lists is not None:
            self.lists = {}
            for list_id, name in lists.items():
                self.create_list(name, list_id=int(list_id))
        if process_delay is not None:
            self.process_delay = process_delay

    def canonical_attribute(self, name: str) -> str | None:
        """The account's spelling of attribute ``name`` (case-insensitive), or ``None`` if unknown."""
        upper = name.upper()
        return upper if upper in self.attributes else None

    # -- lists -------------------------------------------------------------------------------------------
    def create_list(self, name: str, folder_id: int = 1, list_id: int | None = None) -> ContactList:
        """Create a list; without ``list_id`` it gets the next free id, as Brevo assigns them."""
        if list_id is None:
            list_id = max(self.lists, default=0) + 1
        elif list_id in self.lists:
            raise ApiError(400, "duplicate_parameter", f"List ID {list_id} already exists")
        created = ContactList(id=list_id, name=name, folder_id=folder_id)
        self.lists[list_id] = created
        return created

    def get_list(self, list_id: int) -> ContactList:
        """The list, or 404 ``document_not_found``."""
        try:
            return self.lists[list_id]
        except KeyError:
            raise not_found("List ID does not exist") from None

    def members(self, list_id: int) -> list[Contact]:
        """Contacts of a list, in creation order."""
        self.get_list(list_id)
        return [c for c in self.contacts.values() if list_id in c.list_ids]

    def list_counts(self, list_id: int) -> dict[str, int]:
        """``totalSubscribers`` (not blacklisted), ``totalBlacklisted`` and ``uniqueSubscribers`` (all)."""
        members = self.members(list_id)
        blacklisted = sum(1 for c in members if c.email_blacklisted)
        return {
            "totalBlacklisted": blacklisted,
            "totalSubscribers": len(members) - blacklisted,
            "uniqueSubscribers": len(members),
        }

    # -- processes ---------------------------------------------------------------------------------------
    def start_process(self, name: str, job: Job | None, fail: bool = False) -> Process:
        """Create a process that completes (running ``job``) ``process_delay`` seconds from now."""
        now = self._clock()
        process = Process(
            id=self._next_process_id,
            name=name,
            started=now,
            done_at=now + self.process_delay,
            job=job,
            fail=fail,
        )
        self._next_process_id += 1
        self.processes[process.id] = process
        return process

    def get_process(self, process_id: int) -> Process:
        """The process, or 404 ``document_not_found``."""
        try:
            return self.processes[process_id]
        except KeyError:
            raise not_found("Process ID does not exist") from None

    def _finish(self, process: Process) -> None:
        if process.fail:
            process.final_status = "failed"
        else:
            process.info = process.job() if process.job is not None else None
            process.final_status = "completed"

    def apply_due(self) -> int:
        """Complete every process whose time has come, oldest first; return how many completed.

        Stops at the first pending process that is not yet due, so processes never complete out of order.
        """
        now = self._clock()
        completed = 0
        for process in self.processes.values():
            if process.final_status is not None:
                continue
            if process.done_at > now:
                break
            self._finish(process)
            completed += 1
        return completed

    def complete_all(self) -> int:
        """Complete every pending process now, in creation order (a test convenience)."""
        pending = [p for p in self.processes.values() if p.final_status is None]
        for process in pending:
            self._finish(process)
        return len(pending)

    # -- contacts ----------------------------------------------------------------------------------------
    def _new_contact(self, email: str) -> Contact:
        contact = Contact(id=self._next_contact_id, email=email)
        self._next_contact_id += 1
        self.contacts[email] = contact
        return contact

    def _set_attributes(self, contact: Contact, values: Mapping[str, Any], empty_clears: bool) -> None:
        for name, value in values.items():
            canonical = self.canonical_attribute(name)
            if canonical is None:
                continue  # unknown to the account: ignored, as Brevo does
            if _is_empty(value):
                if empty_clears:
                    contact.attributes.pop(canonical, None)
                continue
            contact.attributes[canonical] = value

    def _check_lists(self, list_ids: Iterable[int]) -> list[int]:
        ids = list(list_ids)
        unknown = [i for i in ids if i not in self.lists]
        if unknown:
            raise invalid(f"List ID(s) do not exist: {', '.join(map(str, unknown))}")
        return ids

    def import_contacts(self, request: ImportRequest, fail: bool = False) -> Process:
        """Accept an import now (validating lists, creating ``newList``); apply it when its process ends."""
        list_ids = self._check_lists(request.list_ids)
        if request.new_list is not None:
            name, folder_id = request.new_list
            list_ids.append(self.create_list(name, folder_id).id)

        def job() -> dict[str, Any]:
            return {"import": self._apply_import(request, list_ids)}

        return self.start_process("IMPORTUSER", job, fail=fail)

    def _apply_import(self, request: ImportRequest, list_ids: list[int]) -> dict[str, int]:
        live_lists = [i for i in list_ids if i in self.lists]  # a reset may have removed some
        new_contacts = updated_contacts = 0
        for row in request.rows:
            contact = self.contacts.get(row.email)
            if contact is None:
                contact = self._new_contact(row.email)
                self._set_attributes(contact, row.attributes, empty_clears=False)
                new_contacts += 1
            elif request.update_existing:
                self._set_attributes(contact, row.attributes, empty_clears=request.empty_attributes)
                updated_contacts += 1
            contact.list_ids.update(live_lists)
            contact.email_blacklisted = contact.email_blacklisted or request.email_blacklist
            contact.sms_blacklisted = contact.sms_blacklisted or request.sms_blacklist
            contact.touch()
        return {
            "invalid_emails": request.invalid_emails,
            "duplicate_email_id": request.duplicate_email_id,
            "new_contacts": new_contacts,
            "updated_contacts": updated_contacts,
        }

    def _resolve(self, emails: Sequence[str] | None, ids: Sequence[int] | None) -> list[tuple[Any, Contact | None]]:
        """Pair each identifier as sent with the contact it names (or ``None``)."""
        if emails is not None:
            return [(raw, self.contacts.get(normalize_email(raw) or "")) for raw in emails]
        by_id = {c.id: c for c in self.contacts.values()}
        return [(raw, by_id.get(raw)) for raw in ids or []]

    def add_to_list(
        self, list_id: int, emails: Sequence[str] | None = None, ids: Sequence[int] | None = None
    ) -> tuple[list[Any], list[Any]]:
        """Add existing contacts to a list. Unknown contacts and contacts already in it are failures."""
        self.get_list(list_id)
        success: list[Any] = []
        failure: list[Any] = []
        for raw, contact in self._resolve(emails, ids):
            if contact is None or list_id in contact.list_ids:
                failure.append(raw)
                continue
            contact.list_ids.add(list_id)
            contact.touch()
            success.append(raw)
        return success, failure

    def remove_from_list(
        self, list_id: int, emails: Sequence[str] | None = None, ids: Sequence[int] | None = None
    ) -> tuple[list[Any], list[Any]]:
        """Remove contacts from a list. Unknown contacts and non-members are failures."""
        self.get_list(list_id)
        success: list[Any] = []
        failure: list[Any] = []
        for raw, contact in self._resolve(emails, ids):
            if contact is None or list_id not in contact.list_ids:
                failure.append(raw)
                continue
            contact.list_ids.discard(list_id)
            contact.touch()
            success.append(raw)
        return success, failure

    def remove_all_from_list(self, list_id: int, fail: bool = False) -> tuple[int, Process]:
        """Empty a list through a process (as Brevo does for ``{"all": true}``); return (total, process)."""
        total = len(self.members(list_id))

        def job() -> None:
            if list_id in self.lists:
                for contact in self.members(list_id):
                    contact.list_ids.discard(list_id)
                    contact.touch()

        return total, self.start_process("REMOVE_ALL_CONTACTS_FROM_LIST", job, fail=fail)

    def create_contact(
        self,
        email: str,
        attributes: Mapping[str, Any],
        list_ids: Sequence[int],
        update_enabled: bool,
        email_blacklisted: bool | None = None,
        sms_blacklisted: bool | None = None,
    ) -> Contact | None:
        """Create (return the contact) or, with ``update_enabled``, update (return ``None``) at once."""
        key = normalize_email(email)
        if key is None:
            raise invalid("Invalid email address")
        checked = self._check_lists(list_ids)
        contact = self.contacts.get(key)
        created = contact is None
        if contact is not None and not update_enabled:
            raise ApiError(400, "duplicate_parameter", "Contact already exist")
        if contact is None:
            contact = self._new_contact(key)
        self._set_attributes(contact, attributes, empty_clears=False)
        contact.list_ids.update(checked)
        if email_blacklisted is not None:
            contact.email_blacklisted = email_blacklisted
        if sms_blacklisted is not None:
            contact.sms_blacklisted = sms_blacklisted
        contact.touch()
        return contact if created else None
