"""Turn a ``POST /contacts/import`` body into rows ready to apply.

Parsing happens at request time (so malformed bodies get a 400 at once, as on Brevo) while the rows are
applied later, when the import's process completes. Counting rules, chosen because Brevo does not document
them:

- a row whose email is missing or fails ``emails.normalize_email`` counts in ``invalid_emails`` and is
  dropped;
- an email seen again in the same import counts once per repetition in ``duplicate_email_id``; the LAST
  occurrence wins (its attributes are the ones applied).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .emails import normalize_email
from .errors import invalid, missing


@dataclass(frozen=True)
class ImportRow:
    """One contact to upsert: lower-cased email and raw attributes (names as sent, unknown ones kept)."""

    email: str
    attributes: Mapping[str, Any]


@dataclass(frozen=True)
class ImportRequest:
    """A validated import: rows in first-seen order, counters, and the options that steer the upsert."""

    rows: list[ImportRow]
    invalid_emails: int = 0
    duplicate_email_id: int = 0
    list_ids: list[int] = field(default_factory=list)
    new_list: tuple[str, int] | None = None
    update_existing: bool = True
    empty_attributes: bool = False
    email_blacklist: bool = False
    sms_blacklist: bool = False


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
    folder_id = raw.get("folderId", 1)
    if not isinstance(folder_id, int):
        raise invalid("newList.folderId must be an integer")
    return raw["listName"], folder_id


def _json_rows(raw: object) -> list[tuple[object, Mapping[str, Any]]]:
    if not isinstance(raw, list):
        raise invalid("jsonBody must be an array")
    rows: list[tuple[object, Mapping[str, Any]]] = []
    for item in raw:
        if not isinstance(item, dict):
            raise invalid("jsonBody items must be objects")
        attributes = item.get("attributes") or {}
        if not isinstance(attributes, dict):
            raise invalid("jsonBody[].attributes must be an object")
        rows.append((item.get("email"), attributes))
    return rows


def _csv_rows(raw: object) -> list[tuple[object, Mapping[str, Any]]]:
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
    rows: list[tuple[object, Mapping[str, Any]]] = []
    for record in reader:
        if not record or all(not cell.strip() for cell in record):
            continue  # blank line
        cells = record + [""] * (len(names) - len(record))
        attributes = {name: cells[i] for i, name in enumerate(names) if i != email_index}
        rows.append((cells[email_index], attributes))
    return rows


def parse_import(body: object) -> ImportRequest:
    """Validate ``body`` (already JSON-decoded) and collect its rows; raise ``ApiError`` on a bad request."""
    if not isinstance(body, dict):
        raise invalid("Request body must be a JSON object")
    if "fileUrl" in body and "fileBody" not in body and "jsonBody" not in body:
        raise invalid("fileUrl is not supported by the emulator: send fileBody or jsonBody")
    if "jsonBody" in body:
        raw_rows = _json_rows(body["jsonBody"])
    elif "fileBody" in body:
        raw_rows = _csv_rows(body["fileBody"])
    else:
        raise missing("fileUrl, fileBody or jsonBody is required")

    list_ids = _list_ids(body)
    new_list = _new_list(body)
    if not list_ids and new_list is None:
        raise missing("listIds or newList is required")

    by_email: dict[str, ImportRow] = {}
    invalid_emails = 0
    duplicates = 0
    for raw_email, attributes in raw_rows:
        email = normalize_email(raw_email)
        if email is None:
            invalid_emails += 1
            continue
        if email in by_email:
            duplicates += 1
        by_email[email] = ImportRow(email=email, attributes=dict(attributes))

    return ImportRequest(
        rows=list(by_email.values()),
        invalid_emails=invalid_emails,
        duplicate_email_id=duplicates,
        list_ids=list_ids,
        new_list=new_list,
        update_existing=_bool_option(body, "updateExistingContacts", True),
        empty_attributes=_bool_option(body, "emptyContactsAttributes", False),
        email_blacklist=_bool_option(body, "emailBlacklist", False),
        sms_blacklist=_bool_option(body, "smsBlacklist", False),
    )
