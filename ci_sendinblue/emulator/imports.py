"""Turn a ``POST /contacts/import`` body into the contacts it upserts.

As on Brevo, the request is checked at once (a malformed body, a row that is not an object, bad options get a
400 right away) but the contacts are only looked at while the import's process runs: Brevo answers 202 with a
``processId`` and reports invalid and duplicate emails in the process's counters. So ``parse_import`` keeps
the rows as sent and ``ImportRequest.rows`` checks their emails when the process completes. Counting rules,
chosen because Brevo does not document them:

- a row whose email is missing or fails ``emails.normalize_email`` counts in ``invalid_emails`` and is
  dropped;
- an email seen again in the same import counts once per repetition in ``duplicate_email_id``; the LAST
  occurrence wins (its attributes are the ones applied).

Imports carry up to a million rows, so the common shapes are handled by whole-list operations run in C
(``map``, ``dict(zip(...))``); a body that strays from them is read row by row, with the same outcome.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import is_not
from typing import Any, cast

from .emails import normalize_emails
from .errors import invalid, missing

Attributes = dict[str, Any]


@dataclass(frozen=True)
class ImportRows:
    """The contacts an import upserts once its emails are checked.

    ``by_email`` maps each lower-cased email, in first-seen order, to the raw attributes of its last occurrence
    (names as sent, unknown ones kept). The mappings belong to the import: applying it may keep them.
    """

    by_email: dict[str, Attributes]
    invalid_emails: int = 0
    duplicate_email_id: int = 0


@dataclass(frozen=True)
class ImportRequest:
    """An accepted import: its rows as sent (emails not yet checked) and the options that steer the upsert."""

    emails: list[object]
    attributes: list[Attributes]
    list_ids: list[int] = field(default_factory=list)
    new_list: tuple[str, int] | None = None
    update_existing: bool = True
    empty_attributes: bool = False
    email_blacklist: bool = False
    sms_blacklist: bool = False
    from_text: bool = False
    """The rows come from a CSV ``fileBody``: every value is text, read as its attribute's type."""

    def rows(self) -> ImportRows:
        """Check every email and fold repeated ones (see the module docstring for the counting rules)."""
        keys = normalize_emails(self.emails)
        invalid_emails = keys.count(None)
        emails, attributes = keys, self.attributes
        if invalid_emails:
            valid = list(map(is_not, keys, repeat(None)))
            emails, attributes = list(compress(keys, valid)), list(compress(attributes, valid))
        by_email = dict(zip(cast("list[str]", emails), attributes, strict=True))
        return ImportRows(
            by_email=by_email,
            invalid_emails=invalid_emails,
            duplicate_email_id=len(emails) - len(by_email),
        )


def _bool_option(body: Mapping[str, Any], name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise invalid(f"{name} must be a boolean")
    return value


def _list_ids(body: Mapping[str, Any]) -> list[int]:
    raw = body.get("listIds")
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in raw):
        raise invalid("listIds must be an array of integers")
    return list(raw)


def _new_list(body: Mapping[str, Any]) -> tuple[str, int] | None:
    raw = body.get("newList")
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("listName"), str) or not raw["listName"]:
        raise invalid("newList.listName must be a non-empty string")
    folder_id = raw.get("folderId", 1)  # Brevo makes it mandatory; the emulator defaults to the first folder
    if not isinstance(folder_id, int):
        raise invalid("newList.folderId must be an integer")
    return raw["listName"], folder_id


def _json_rows(raw: object) -> tuple[list[object], list[Attributes]]:
    if not isinstance(raw, list):
        raise invalid("jsonBody must be an array")
    if {dict}.issuperset(map(type, raw)):
        attributes: list[Any] = list(map(dict.get, raw, repeat("attributes")))
        if {dict}.issuperset(map(type, attributes)):
            return list(map(dict.get, raw, repeat("email"))), attributes
    return _json_rows_one_by_one(raw)


def _json_rows_one_by_one(raw: list[object]) -> tuple[list[object], list[Attributes]]:
    """The general case: a missing ``attributes`` is ``{}``; the first bad row names the error."""
    emails: list[object] = []
    attributes: list[Attributes] = []
    for item in raw:
        if not isinstance(item, dict):
            raise invalid("jsonBody items must be objects")
        values = item.get("attributes") or {}
        if not isinstance(values, dict):
            raise invalid("jsonBody[].attributes must be an object")
        emails.append(item.get("email"))
        attributes.append(values)
    return emails, attributes


def _csv_rows(raw: object) -> tuple[list[object], list[Attributes]]:
    if not isinstance(raw, str):
        raise invalid("fileBody must be a string")
    reader = csv.reader(io.StringIO(raw), delimiter=";")
    header = next(reader, None)
    if not header:
        raise invalid("fileBody is empty")
    names = [name.strip() for name in header]
    upper = [name.upper() for name in names]
    if "EMAIL" not in upper:
        raise invalid("fileBody header has no EMAIL column")
    email_index = upper.index("EMAIL")
    emails: list[object] = []
    attributes: list[Attributes] = []
    for record in reader:
        if not record or all(not cell.strip() for cell in record):
            continue  # blank line
        cells = record + [""] * (len(names) - len(record))
        emails.append(cells[email_index])
        attributes.append({name: cells[i] for i, name in enumerate(names) if i != email_index})
    return emails, attributes


def parse_import(body: object) -> ImportRequest:
    """Validate ``body`` (already JSON-decoded) and keep its rows; raise ``ApiError`` on a bad request."""
    if not isinstance(body, dict):
        raise invalid("Request body must be a JSON object")
    if "fileUrl" in body and "fileBody" not in body and "jsonBody" not in body:
        raise invalid("fileUrl is not supported by the emulator: send fileBody or jsonBody")
    from_text = "jsonBody" not in body
    if not from_text:
        emails, attributes = _json_rows(body["jsonBody"])
    elif "fileBody" in body:
        emails, attributes = _csv_rows(body["fileBody"])
    else:
        raise missing("fileUrl, fileBody or jsonBody is required")

    list_ids = _list_ids(body)
    new_list = _new_list(body)
    if not list_ids and new_list is None:
        raise missing("listIds or newList is required")

    return ImportRequest(
        emails=emails,
        attributes=attributes,
        list_ids=list_ids,
        new_list=new_list,
        update_existing=_bool_option(body, "updateExistingContacts", True),
        empty_attributes=_bool_option(body, "emptyContactsAttributes", False),
        email_blacklist=_bool_option(body, "emailBlacklist", False),
        sms_blacklist=_bool_option(body, "smsBlacklist", False),
        from_text=from_text,
    )
