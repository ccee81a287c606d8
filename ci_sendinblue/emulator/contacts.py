"""The account's contacts, stored column by column, with a light view for one contact.

A Brevo account holds millions of contacts and one import adds up to a million. One Python object per
contact cost a constructor call each and, worse, made the cyclic garbage collector walk every contact again
and again as the account grew. So ``ContactTable`` keeps one list per field, indexed by ``id - 1`` (ids are
handed out from 1 in creation order, as Brevo does), the blacklists as sets of ids, and an email → id index;
a bulk import appends to the columns in C. A ``Contact`` is a view of one row, made when asked for, that
reads and writes the table.

Rows are never removed, so ``id - 1`` stays an index: a deleted contact (``DELETE /contacts/{identifier}``)
leaves a tombstone, its id in ``deleted`` and its email out of the index, so the same address imported
later is a new contact with a new id, as on Brevo.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import repeat
from typing import Any


class ContactTable:
    """Every contact of one account; see the module docstring for the layout."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Forget every contact; ids start again from 1."""
        self.ids: dict[str, int] = {}
        self.emails: list[str] = []
        self.attributes: list[dict[str, Any]] = []
        self.created_at: list[datetime] = []
        self.modified_at: list[datetime] = []
        self.email_blacklisted: set[int] = set()
        self.sms_blacklisted: set[int] = set()
        self.deleted: set[int] = set()

    def __len__(self) -> int:
        """How many contacts the account holds (deleted ones not counted)."""
        return len(self.emails) - len(self.deleted)

    def __iter__(self) -> Iterator[Contact]:
        """Every contact, in creation order (deleted ones left out)."""
        return map(Contact, repeat(self), self.live_ids())

    def live_ids(self) -> list[int]:
        """The ids of the contacts not deleted, ascending."""
        every = range(1, len(self.emails) + 1)
        if not self.deleted:
            return list(every)
        deleted = self.deleted
        return [i for i in every if i not in deleted]

    def get(self, email: str) -> Contact | None:
        """The contact keyed by ``email`` (already lower-cased), if any."""
        contact_id = self.ids.get(email)
        return None if contact_id is None else Contact(self, contact_id)

    def by_id(self, contact_id: int) -> Contact | None:
        """The contact with id ``contact_id`` (JSON ``true`` counts as 1, as Python has it), if any."""
        if not 1 <= contact_id <= len(self.emails) or contact_id in self.deleted:
            return None
        return Contact(self, int(contact_id))

    def views(self, contact_ids: Iterable[int]) -> list[Contact]:
        """Views of the contacts with these (existing) ids, in the order given."""
        return list(map(Contact, repeat(self), contact_ids))

    def add(self, email: str, moment: datetime) -> Contact:
        """Create one contact without attributes, created and modified at ``moment``."""
        return Contact(self, self.add_many([email], [{}], moment)[0])

    def add_many(self, emails: list[str], attributes: Iterable[dict[str, Any]], moment: datetime) -> list[int]:
        """Create one contact per email (none known yet, none repeated), all at ``moment``; return their ids.

        ``attributes`` gives one mapping per email, kept as it is (not copied).
        """
        first = len(self.emails) + 1
        new_ids = list(range(first, first + len(emails)))
        self.ids.update(zip(emails, new_ids, strict=True))
        self.emails.extend(emails)
        self.attributes.extend(attributes)
        self.created_at.extend(repeat(moment, len(emails)))
        self.modified_at.extend(repeat(moment, len(emails)))
        return new_ids

    def delete(self, contact_id: int) -> None:
        """Forget a contact: its email, attributes and opt-outs; its row stays as a tombstone."""
        del self.ids[self.emails[contact_id - 1]]
        self.attributes[contact_id - 1] = {}
        self.email_blacklisted.discard(contact_id)
        self.sms_blacklisted.discard(contact_id)
        self.deleted.add(contact_id)

    def rename(self, contact_id: int, email: str) -> None:
        """Give a contact another (lower-cased, unused) email."""
        del self.ids[self.emails[contact_id - 1]]
        self.emails[contact_id - 1] = email
        self.ids[email] = contact_id

    def touch_many(self, contact_ids: Iterable[int], moment: datetime) -> None:
        """Record a modification of these contacts made at ``moment``."""
        modified_at = self.modified_at
        for contact_id in contact_ids:
            modified_at[contact_id - 1] = moment


class Contact:
    """One contact of a ``ContactTable``: its id, and its fields read from and written to the table."""

    __slots__ = ("_table", "id")

    def __init__(self, table: ContactTable, contact_id: int) -> None:
        self._table = table
        self.id = contact_id

    def __repr__(self) -> str:
        return f"Contact(id={self.id}, email={self.email!r})"

    @property
    def email(self) -> str:
        return self._table.emails[self.id - 1]

    @property
    def attributes(self) -> dict[str, Any]:
        """The contact's own mapping: changing it changes the contact."""
        return self._table.attributes[self.id - 1]

    @property
    def created_at(self) -> datetime:
        return self._table.created_at[self.id - 1]

    @property
    def modified_at(self) -> datetime:
        return self._table.modified_at[self.id - 1]

    def touch(self, moment: datetime) -> None:
        """Record a modification (attributes, lists or blacklists) made at ``moment``."""
        self._table.modified_at[self.id - 1] = moment

    @property
    def email_blacklisted(self) -> bool:
        return self.id in self._table.email_blacklisted

    @email_blacklisted.setter
    def email_blacklisted(self, value: bool) -> None:
        _flag(self._table.email_blacklisted, self.id, value)

    @property
    def sms_blacklisted(self) -> bool:
        return self.id in self._table.sms_blacklisted

    @sms_blacklisted.setter
    def sms_blacklisted(self, value: bool) -> None:
        _flag(self._table.sms_blacklisted, self.id, value)


def _flag(holders: set[int], contact_id: int, value: bool) -> None:
    if value:
        holders.add(contact_id)
    else:
        holders.discard(contact_id)
