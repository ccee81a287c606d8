"""Packing contacts into as few ``POST /contacts/import`` bodies as Brevo's size limit allows.

Bodies use ``jsonBody``, never ``fileBody``: a CSV body would need ``;``, quotes and newlines in names escaped
the way Brevo's parser expects, while JSON carries any text intact. Packing is greedy: each body holds as many
contacts as fit under the byte limit, so no body is over the limit and every body but the last is full.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from ci_sendinblue.privacy import mask_email
from ci_sendinblue.sendinblue.contacts import EMAIL
from ci_sendinblue.sendinblue.errors import ContactTooLarge


@dataclass(frozen=True)
class ImportBody:
    body: bytes
    emails: list[str]


def import_bodies(
    contacts: pd.DataFrame,
    *,
    list_id: int,
    max_bytes: int,
    clear_empty_attributes: bool = False,
) -> Iterator[ImportBody]:
    """Yield ready request bodies; with ``clear_empty_attributes`` a missing value empties Brevo's."""
    head = (
        json.dumps(
            {
                "listIds": [list_id],
                "updateExistingContacts": True,
                "emptyContactsAttributes": clear_empty_attributes,
            },
            separators=(",", ":"),
        )[:-1]
        + ',"jsonBody":['
    ).encode()
    tail = b"]}"
    overhead = len(head) + len(tail)
    items: list[bytes] = []
    emails: list[str] = []
    size = overhead
    for email, item in _encoded_contacts(contacts, clear_empty_attributes):
        added = len(item) + (1 if items else 0)
        if overhead + len(item) > max_bytes:
            raise ContactTooLarge(
                f"the contact {mask_email(email)} alone takes {len(item)} bytes, over "
                f"the {max_bytes}-byte import limit: shorten its attributes"
            )
        if size + added > max_bytes:
            yield ImportBody(head + b",".join(items) + tail, emails)
            items, emails, size = [], [], overhead
            added = len(item)
        items.append(item)
        emails.append(email)
        size += added
    if items:
        yield ImportBody(head + b",".join(items) + tail, emails)


def _encoded_contacts(contacts: pd.DataFrame, clear_empty: bool) -> Iterator[tuple[str, bytes]]:
    attributes = [c for c in contacts.columns if c != EMAIL]
    frame = contacts[[EMAIL, *attributes]].astype(object)
    frame = frame.where(frame.notna(), "" if clear_empty else None)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for row in frame.itertuples(index=False, name=None):
        email = row[0]
        values = {a: v for a, v in zip(attributes, row[1:], strict=True) if v is not None}
        yield email, dumps({"email": email, "attributes": values}).encode()
