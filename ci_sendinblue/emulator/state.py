"""In-memory Brevo account: attributes, lists, contacts and background processes. No HTTP here.

Semantics kept from Brevo: contacts are keyed by lower-cased email; list membership is per list;
attributes unknown to the account are ignored; an import is applied only when its process completes
(``apply_due`` is called by the HTTP layer before handling every request, so completion is lazy but
always observed in creation order).

Storage is shaped for imports of a million contacts: contacts live in a ``contacts.ContactTable`` (one
column per field), each list holds the ids of its members (so an import joins them with one set update),
and the contacts an import creates or changes all take the moment its process completed as their
modification (and creation) time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain, repeat
from typing import Any

from .attributes import IGNORED, Attribute, AttributeSpec, to_attribute
from .contacts import Contact, ContactTable
from .emails import normalize_email
from .errors import ApiError, invalid, not_found
from .imports import Attributes, ImportRequest

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


#: The folder a fresh Brevo account holds its lists in.
FIRST_FOLDER_ID = 1
FIRST_FOLDER_NAME = "Your first folder"


@dataclass
class Folder:
    """A folder of lists; Brevo requires one for every list."""

    id: int
    name: str
    created_at: datetime = field(default_factory=utc_now)


@dataclass
class ContactList:
    """A contact list; ``member_ids`` (contact ids) is the single source of truth for list membership."""

    id: int
    name: str
    folder_id: int = 1
    created_at: datetime = field(default_factory=utc_now)
    member_ids: set[int] = field(default_factory=set)


@dataclass
class DoiRequest:
    """A double opt-in request waiting for the person to click the link in the confirmation e-mail."""

    email: str
    attributes: dict[str, Any]
    include_list_ids: list[int]
    exclude_list_ids: list[int]
    template_id: int
    redirection_url: str
    requested_at: datetime = field(default_factory=utc_now)


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
        attributes: Sequence[AttributeSpec],
        lists: Mapping[int, str],
        process_delay: float,
        clock: Clock,
    ) -> None:
        self._clock = clock
        self.process_delay = process_delay
        self.attribute_types: dict[str, Attribute] = {}
        self._plain_text: frozenset[str] = frozenset()
        self.lists: dict[int, ContactList] = {}
        self.folders: dict[int, Folder] = {}
        self.contacts = ContactTable()
        self.processes: dict[int, Process] = {}
        self.pending_doi: dict[str, DoiRequest] = {}
        self._next_process_id = 1
        self.reset(attributes=attributes, lists=lists)

    # -- account -----------------------------------------------------------------------------------------
    def reset(
        self,
        attributes: Sequence[AttributeSpec] | None = None,
        lists: Mapping[int, str] | None = None,
        process_delay: float | None = None,
    ) -> None:
        """Forget contacts and processes; optionally replace attributes, lists and delay.

        Lists not replaced are kept, emptied; replaced lists all go to the account's first folder, the only
        folder left. Attributes are checked before anything is forgotten.
        """
        types = None if attributes is None else {a.name: a for a in map(to_attribute, attributes)}
        self.contacts.clear()
        for kept in self.lists.values():
            kept.member_ids.clear()
        self.processes.clear()
        self.pending_doi.clear()
        self._next_process_id = 1
        if types is not None:
            self.attribute_types = types
            self._plain_text = frozenset(
                a.name for a in self.attribute_types.values() if (a.category, a.type) == ("normal", "text")
            )
        if lists is not None or not self.folders:
            self.folders = {FIRST_FOLDER_ID: Folder(FIRST_FOLDER_ID, FIRST_FOLDER_NAME)}
        if lists is not None:
            self.lists = {}
            for list_id, name in lists.items():
                self.create_list(name, list_id=int(list_id))
        if process_delay is not None:
            self.process_delay = process_delay

    @property
    def attributes(self) -> list[Attribute]:
        """The account's attributes, in the order configured."""
        return list(self.attribute_types.values())

    # -- folders -----------------------------------------------------------------------------------------
    def create_folder(self, name: str, folder_id: int | None = None) -> Folder:
        """Create a folder; without ``folder_id`` it gets the next free id. Names need not be unique."""
        if folder_id is None:
            folder_id = max(self.folders, default=0) + 1
        elif folder_id in self.folders:
            raise ApiError(400, "duplicate_parameter", f"Folder ID {folder_id} already exists")
        created = Folder(id=folder_id, name=name)
        self.folders[folder_id] = created
        return created

    def get_folder(self, folder_id: int) -> Folder:
        """The folder, or 404 ``document_not_found``."""
        try:
            return self.folders[folder_id]
        except KeyError:
            raise not_found("Folder ID does not exist") from None

    def folder_lists(self, folder_id: int) -> list[ContactList]:
        """The lists of a folder, by id."""
        self.get_folder(folder_id)
        return sorted((x for x in self.lists.values() if x.folder_id == folder_id), key=lambda x: x.id)

    def folder_counts(self, folder_id: int) -> dict[str, int]:
        """A folder's counts, over the contacts of its lists (each counted once)."""
        member_ids: set[int] = set().union(*(x.member_ids for x in self.folder_lists(folder_id)))
        return self._counts(member_ids)

    # -- lists -------------------------------------------------------------------------------------------
    def create_list(self, name: str, folder_id: int = FIRST_FOLDER_ID, list_id: int | None = None) -> ContactList:
        """Create a list in an existing folder (400 otherwise, as Brevo answers); without ``list_id`` it
        gets the next free id, as Brevo assigns them. Two lists may share a name, as on Brevo."""
        if folder_id not in self.folders:
            raise invalid(f"Folder ID {folder_id} does not exist")
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
        return self.contacts.views(sorted(self.get_list(list_id).member_ids))

    def members_page(
        self, list_id: int, offset: int, limit: int, newest_first: bool, modified_since: datetime | None = None
    ) -> tuple[int, list[Contact]]:
        """How many contacts a list has (modified after ``modified_since``, if given) and one page of them by id.

        Works on ids and makes views for the page only, so paging through a list of a million stays cheap.
        """
        member_ids = sorted(self.get_list(list_id).member_ids, reverse=newest_first)
        if modified_since is not None:
            modified_at = self.contacts.modified_at
            member_ids = [i for i in member_ids if modified_at[i - 1] > modified_since]
        return len(member_ids), self.contacts.views(member_ids[offset : offset + limit])

    def list_ids_of(self, contact: Contact) -> list[int]:
        """The ids of the lists ``contact`` belongs to, ascending."""
        return sorted(i for i, x in self.lists.items() if contact.id in x.member_ids)

    def list_counts(self, list_id: int) -> dict[str, int]:
        """``totalSubscribers`` (not blacklisted), ``totalBlacklisted`` and ``uniqueSubscribers`` (all)."""
        return self._counts(self.get_list(list_id).member_ids)

    def _counts(self, member_ids: set[int]) -> dict[str, int]:
        blacklisted = len(self.contacts.email_blacklisted.intersection(member_ids))
        return {
            "totalBlacklisted": blacklisted,
            "totalSubscribers": len(member_ids) - blacklisted,
            "uniqueSubscribers": len(member_ids),
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
        process.job = None  # it ran (or never will): let go of what it holds, such as an import's rows

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
    def _set_attributes(
        self,
        attributes: dict[str, Any],
        values: Mapping[str, Any],
        empty_clears: bool,
        from_text: bool = False,
        transactional: bool = False,
    ) -> None:
        """Write ``values`` into a contact's ``attributes`` by Brevo's typing rules (see ``attributes``).

        Unknown attributes and values that do not fit their attribute are ignored, as Brevo does; an empty
        value clears the attribute when ``empty_clears``. ``from_text``: values are CSV cells;
        ``transactional``: the write may set transactional attributes (``updateContact``).
        """
        types = self.attribute_types
        for name, value in values.items():
            attribute = types.get(name.upper())
            if attribute is None or not attribute.writable(transactional):
                continue
            if _is_empty(value):
                if empty_clears:
                    attributes.pop(attribute.name, None)
                continue
            stored = attribute.store(value, from_text)
            if stored is not IGNORED:
                attributes[attribute.name] = stored

    def _new_attributes(self, values: Mapping[str, Any], from_text: bool = False) -> dict[str, Any]:
        """The attributes a new contact gets from ``values``."""
        attributes: dict[str, Any] = {}
        self._set_attributes(attributes, values, empty_clears=False, from_text=from_text)
        return attributes

    def _stored_as_sent(self, rows: Iterable[Attributes]) -> bool:
        """True if every name is the account's own spelling of a normal text attribute and every value a
        non-blank text.

        Such rows need no renaming, typing, dropping or clearing: ``_set_attributes`` would copy them unchanged.
        """
        rows = list(rows)
        if not set(chain.from_iterable(rows)).issubset(self._plain_text):
            return False
        values = list(chain.from_iterable(map(dict.values, rows)))
        return {str}.issuperset(map(type, values)) and "" not in values and not any(map(str.isspace, values))

    def _check_lists(self, list_ids: Iterable[int]) -> list[int]:
        ids = list(list_ids)
        unknown = [i for i in ids if i not in self.lists]
        if unknown:
            raise invalid(f"List ID(s) do not exist: {', '.join(map(str, unknown))}")
        return ids

    def import_contacts(self, request: ImportRequest, fail: bool = False) -> Process:
        """Accept an import now (lists checked, ``newList`` created); check and apply its rows when it ends."""
        list_ids = self._check_lists(request.list_ids)
        if request.new_list is not None:
            name, folder_id = request.new_list
            list_ids.append(self.create_list(name, folder_id).id)

        def job() -> dict[str, Any]:
            return {"import": self._apply_import(request, list_ids)}

        return self.start_process("IMPORTUSER", job, fail=fail)

    def _apply_import(self, request: ImportRequest, list_ids: list[int]) -> dict[str, int]:
        rows = request.rows()
        by_email = rows.by_email
        table = self.contacts
        known = table.ids
        now = utc_now()
        as_sent = self._stored_as_sent(by_email.values())

        new_emails = [email for email in by_email if email not in known]
        existing: list[tuple[int, Attributes]] = []
        if len(new_emails) < len(by_email):
            existing = [(known[email], values) for email, values in by_email.items() if email in known]
        existing_ids = [contact_id for contact_id, _ in existing]
        if request.update_existing:
            for contact_id, values in existing:
                attributes = table.attributes[contact_id - 1]
                if as_sent:
                    attributes.update(values)
                else:
                    self._set_attributes(
                        attributes, values, empty_clears=request.empty_attributes, from_text=request.from_text
                    )
        table.touch_many(existing_ids, now)

        sent = map(by_email.__getitem__, new_emails)
        if not as_sent:
            sent = map(self._new_attributes, sent, repeat(request.from_text))
        new_ids = table.add_many(new_emails, sent, now)

        if request.email_blacklist:
            table.email_blacklisted.update(existing_ids, new_ids)
        if request.sms_blacklist:
            table.sms_blacklisted.update(existing_ids, new_ids)
        for list_id in list_ids:
            if list_id in self.lists:  # a reset may have removed it
                self.lists[list_id].member_ids.update(existing_ids, new_ids)
        return {
            "invalid_emails": rows.invalid_emails,
            "duplicate_email_id": rows.duplicate_email_id,
            "new_contacts": len(new_ids),
            "updated_contacts": len(existing) if request.update_existing else 0,
        }

    def _resolve(self, emails: Sequence[str] | None, ids: Sequence[int] | None) -> list[tuple[Any, Contact | None]]:
        """Pair each identifier as sent with the contact it names (or ``None``)."""
        if emails is not None:
            return [(raw, self.contacts.get(normalize_email(raw) or "")) for raw in emails]
        return [(raw, self.contacts.by_id(raw)) for raw in ids or []]

    def add_to_list(
        self, list_id: int, emails: Sequence[str] | None = None, ids: Sequence[int] | None = None
    ) -> tuple[list[Any], list[Any]]:
        """Add existing contacts to a list. Unknown contacts and contacts already in it are failures."""
        member_ids = self.get_list(list_id).member_ids
        success: list[Any] = []
        failure: list[Any] = []
        for raw, contact in self._resolve(emails, ids):
            if contact is None or contact.id in member_ids:
                failure.append(raw)
                continue
            member_ids.add(contact.id)
            contact.touch(utc_now())
            success.append(raw)
        return success, failure

    def remove_from_list(
        self, list_id: int, emails: Sequence[str] | None = None, ids: Sequence[int] | None = None
    ) -> tuple[list[Any], list[Any]]:
        """Remove contacts from a list. Unknown contacts and non-members are failures."""
        member_ids = self.get_list(list_id).member_ids
        success: list[Any] = []
        failure: list[Any] = []
        for raw, contact in self._resolve(emails, ids):
            if contact is None or contact.id not in member_ids:
                failure.append(raw)
                continue
            member_ids.discard(contact.id)
            contact.touch(utc_now())
            success.append(raw)
        return success, failure

    def remove_all_from_list(self, list_id: int, fail: bool = False) -> tuple[int, Process]:
        """Empty a list through a process (as Brevo does for ``{"all": true}``); return (total, process)."""
        total = len(self.get_list(list_id).member_ids)

        def job() -> None:
            if list_id in self.lists:
                member_ids = self.lists[list_id].member_ids
                self.contacts.touch_many(member_ids, utc_now())
                member_ids.clear()

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
            contact = self.contacts.add(key, utc_now())
        self._set_attributes(contact.attributes, attributes, empty_clears=False)
        for list_id in checked:
            self.lists[list_id].member_ids.add(contact.id)
        if email_blacklisted is not None:
            contact.email_blacklisted = email_blacklisted
        if sms_blacklisted is not None:
            contact.sms_blacklisted = sms_blacklisted
        contact.touch(utc_now())
        return contact if created else None

    # -- contacts by identifier, and opt-outs ---------------------------------------------------------------
    def find_contact(self, identifier: str, identifier_type: str | None = None, by_phone: bool = True) -> Contact:
        """The contact ``identifier`` names, as ``/contacts/{identifier}`` reads it; 404 if there is none.

        Without ``identifier_type``: digits name a contact ID, text with ``@`` an email, anything else an SMS
        number (only where ``by_phone``: Brevo's option 1 takes the SMS on GET, not on PUT or DELETE).
        """
        kind = identifier_type or ("contact_id" if identifier.isdigit() else "email_id")
        if identifier_type is None and "@" not in identifier and not identifier.isdigit() and by_phone:
            kind = "phone_id"
        contact: Contact | None
        if kind == "contact_id":
            if not identifier.isdigit():
                raise invalid("identifier must be a contact ID when identifierType is contact_id")
            contact = self.contacts.by_id(int(identifier))
        elif kind == "email_id":
            contact = self.contacts.get(normalize_email(identifier) or "")
        elif kind == "phone_id":
            contact = self.contact_by_phone(identifier)
        else:
            raise invalid(f"identifierType {kind} is not supported by the emulator (email_id, contact_id, phone_id)")
        if contact is None:
            raise not_found("Contact does not exist")
        return contact

    def contact_by_phone(self, phone: str) -> Contact | None:
        """The contact whose SMS attribute is ``phone``, if any."""
        return None

    def contacts_page(
        self,
        offset: int,
        limit: int,
        newest_first: bool,
        modified_since: datetime | None = None,
        created_since: datetime | None = None,
    ) -> tuple[int, list[Contact]]:
        """How many contacts match the filters, and one page of them by creation (``GET /contacts``)."""
        table = self.contacts
        contact_ids = table.live_ids()
        if modified_since is not None:
            contact_ids = [i for i in contact_ids if table.modified_at[i - 1] > modified_since]
        if created_since is not None:
            contact_ids = [i for i in contact_ids if table.created_at[i - 1] > created_since]
        if newest_first:
            contact_ids.reverse()
        return len(contact_ids), table.views(contact_ids[offset : offset + limit])

    def update_contact(
        self,
        contact: Contact,
        attributes: Mapping[str, Any],
        list_ids: Sequence[int] = (),
        unlink_list_ids: Sequence[int] = (),
        email_blacklisted: bool | None = None,
        sms_blacklisted: bool | None = None,
    ) -> None:
        """``updateContact``: attributes (transactional ones too; ``EMAIL`` renames), lists and opt-outs.

        ``emailBlacklisted: false`` lifts an email opt-out here, as Brevo documents ("Set/unset").
        """
        linked = self._check_lists(list_ids)
        unlinked = self._check_lists(unlink_list_ids)
        values = dict(attributes)
        new_email = next((values.pop(k) for k in list(values) if k.upper() == "EMAIL"), None)
        if new_email is not None:
            key = normalize_email(new_email) if isinstance(new_email, str) else None
            if key is None:
                raise invalid("Invalid email address")
            if key != contact.email:
                if key in self.contacts.ids:
                    raise ApiError(400, "duplicate_parameter", "Contact already exist")
                self.contacts.rename(contact.id, key)
        self._set_attributes(contact.attributes, values, empty_clears=False, transactional=True)
        for list_id in linked:
            self.lists[list_id].member_ids.add(contact.id)
        for list_id in unlinked:
            self.lists[list_id].member_ids.discard(contact.id)
        if email_blacklisted is not None:
            contact.email_blacklisted = email_blacklisted
        if sms_blacklisted is not None:
            contact.sms_blacklisted = sms_blacklisted
        contact.touch(utc_now())

    def delete_contact(self, contact: Contact) -> None:
        """Forget a contact, its lists and its opt-outs (a later import brings the address back subscribed)."""
        for kept in self.lists.values():
            kept.member_ids.discard(contact.id)
        self.contacts.delete(contact.id)

    def blocklist(self, emails: Sequence[str], channel: str) -> list[str]:
        """Opt these addresses out of ``channel`` (email or sms), as the person or the account owner would
        in Brevo's app; an address not yet a contact becomes one, opted out. Return the emails as stored."""
        if channel not in ("email", "sms"):
            raise invalid("channel must be email or sms")
        keys = [normalize_email(raw) for raw in emails]
        bad = [raw for raw, key in zip(emails, keys, strict=True) if key is None]
        if bad:
            raise invalid(f"Invalid email address: {bad[0]!r}")
        now = utc_now()
        for key in keys:
            assert key is not None
            contact = self.contacts.get(key) or self.contacts.add(key, now)
            if channel == "email":
                contact.email_blacklisted = True
            else:
                contact.sms_blacklisted = True
            contact.touch(now)
        return [key for key in keys if key is not None]

    # -- double opt-in ---------------------------------------------------------------------------------------
    def request_doi(
        self,
        email: str,
        attributes: Mapping[str, Any],
        include_list_ids: Sequence[int],
        exclude_list_ids: Sequence[int],
        template_id: int,
        redirection_url: str,
    ) -> bool:
        """Record a ``createDoiContact`` request (Brevo e-mails the person a confirmation link); return True
        when it creates a DOI contact (201), False when it updates one (204): the address is already a contact
        or already awaits confirmation. Either way nothing changes in the account until the person confirms:
        the contact is in no list and counted nowhere. A new request for the same address replaces the old.
        """
        key = normalize_email(email)
        if key is None:
            raise invalid("Invalid email address")
        include = self._check_lists(include_list_ids)
        exclude = self._check_lists(exclude_list_ids)
        created = key not in self.contacts.ids and key not in self.pending_doi
        self.pending_doi[key] = DoiRequest(key, dict(attributes), include, exclude, template_id, redirection_url)
        return created

    def confirm_doi(self, emails: Sequence[str] | None = None) -> list[str]:
        """The person clicked the link: create or update the contact (attributes typed as on any contact
        write) and add it to ``includeListIds`` minus ``excludeListIds``. ``emails=None`` confirms every
        pending request. Opt-outs are left as they are. Return the confirmed emails; addresses with no
        pending request are skipped."""
        keys = list(self.pending_doi) if emails is None else [normalize_email(e) or "" for e in emails]
        confirmed: list[str] = []
        now = utc_now()
        for key in keys:
            request = self.pending_doi.pop(key, None)
            if request is None:
                continue
            contact = self.contacts.get(key) or self.contacts.add(key, now)
            self._set_attributes(contact.attributes, request.attributes, empty_clears=False)
            for list_id in request.include_list_ids:
                if list_id in self.lists and list_id not in request.exclude_list_ids:
                    self.lists[list_id].member_ids.add(contact.id)
            contact.touch(now)
            confirmed.append(key)
        return confirmed
