"""Brevo's rule that one SMS number belongs to one contact.

Brevo refuses to give a contact an SMS number another contact holds: ``createContact``/``updateContact``
answer 400 ``duplicate_parameter``, and an import leaves such a row out and counts it in the process's
``duplicate_phone_id``. Rows are read in order: the first row to claim a free number gets it, and a row that
moves a contact to a new number frees the old one for later rows. Numbers are compared as stored (the
project sends E.164).

An import carries up to a million rows, so ``shared_phone_rows`` settles the common cases (no number
repeated, none held by someone else) with whole-list operations and looks row by row only when needed.
"""

from __future__ import annotations

from collections.abc import Callable

#: The attribute that holds a contact's SMS number in every Brevo account.
PHONE = "SMS"


def shared_phone_rows(
    emails: list[str],
    phones: list[str | None],
    held: dict[str, int],
    known: dict[str, int],
    phone_of: Callable[[int], str | None],
) -> list[int]:
    """Indexes of the rows whose number another contact holds when the row is reached.

    ``phones``: the number each row stores (``None``: it leaves the number alone); ``held``: number →
    contact id before the import; ``known``: email → contact id; ``phone_of``: a contact's number before the
    import. Rows are taken in order, as Brevo reads a file: a row that moves a contact to a new number frees
    its old one for the rows after it.
    """
    present = len(phones) - phones.count(None)
    if not present:
        return []
    distinct = set(phones)
    distinct.discard(None)
    repeated = len(distinct) < present
    taken = False
    if not held.keys().isdisjoint(distinct):
        # Each row's own id stands in for an unheld number, so rows conflict exactly where the lists differ.
        ids = list(map(known.get, emails))
        taken = list(map(held.get, phones, ids)) != ids
    if not (repeated or taken):
        return []
    refused: list[int] = []
    owners: dict[str, int | str | None] = {}  # numbers claimed or freed so far in this import
    claimed: dict[int | str, str] = {}  # contact (id, or email if new) → the number it took in this import
    for index, (email, phone) in enumerate(zip(emails, phones, strict=True)):
        if phone is None:
            continue
        contact: int | str = known.get(email, email)
        owner = owners[phone] if phone in owners else held.get(phone)
        if owner is not None and owner != contact:
            refused.append(index)
            continue
        previous = claimed.get(contact, phone_of(contact) if isinstance(contact, int) else None)
        if previous is not None and previous != phone:
            owners[previous] = None
        owners[phone] = contact
        claimed[contact] = phone
    return refused
