"""Brevo's rule that one SMS number belongs to one contact.

Brevo refuses to give a contact an SMS number another contact holds: ``createContact``/``updateContact``
answer 400 ``duplicate_parameter``, and an import leaves such a row out and counts it in the process's
``duplicate_phone_id`` (the first row of an import that claims a free number gets it; later rows with that
number are left out too). Numbers are compared as stored (the project sends E.164).

An import carries up to a million rows, so ``shared_phone_rows`` settles the common cases (no number
repeated, none held by someone else) with whole-list operations and looks row by row only when needed.
"""

from __future__ import annotations

#: The attribute that holds a contact's SMS number in every Brevo account.
PHONE = "SMS"


def shared_phone_rows(
    emails: list[str], phones: list[str | None], held: dict[str, int], known: dict[str, int]
) -> list[int]:
    """Indexes of the rows whose number is held by another contact (``held``: number → contact id, ``known``:
    email → contact id) or claimed by an earlier row of the same import."""
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
    claimed: set[str] = set()
    for index, (email, phone) in enumerate(zip(emails, phones, strict=True)):
        if phone is None:
            continue
        owner = held.get(phone)
        if phone in claimed or (owner is not None and owner != known.get(email)):
            refused.append(index)
            continue
        claimed.add(phone)
    return refused
