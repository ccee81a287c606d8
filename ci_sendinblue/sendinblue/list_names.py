"""Finding an export's Brevo list by its name (and folder), and creating it when the export asks to.

Teams think of lists by name; Brevo addresses them by ID and lets several lists share a name. A name is
therefore resolved at the start of every run from ``GET /contacts/lists`` and ``GET /contacts/folders``:
exactly one list must match, else the run stops before sending anything, naming what it found.

Names are compared exactly, case included: Brevo lets "Newsletter" and "newsletter" live side by side as two
lists, so folding case could send contacts to a list nobody meant. A list that differs only in case is
mentioned in the error, to make a typo easy to spot.

Creation is idempotent: the lists are read again just before creating, so a run never creates a list an
earlier run made. Two runs of one export at the same moment are kept apart by the list asset's Dagster
concurrency pool (``dagster.yaml`` limits every pool to one step at a time); should they still race (an
instance without that limit), the lists are read once more after creating, and the duplicate is reported
(the ambiguity error lists both) instead of silently writing to one of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ci_sendinblue.config.models import ListByName
from ci_sendinblue.sendinblue.client import MAX_LISTS_PAGE, BrevoClient
from ci_sendinblue.sendinblue.errors import ListNameAmbiguous, ListNameNotFound


@dataclass(frozen=True)
class BrevoListEntry:
    list_id: int
    name: str
    folder_id: int | None
    folder: str | None

    def describe(self) -> str:
        where = f"folder '{self.folder}'" if self.folder is not None else f"folder {self.folder_id}"
        return f"id {self.list_id} '{self.name}' in {where}"


@dataclass(frozen=True)
class ResolvedList:
    list_id: int
    name: str
    folder: str | None
    created: bool = False
    """This run created the list (and ``folder_created`` its folder)."""
    folder_created: bool = False


def resolve_list(
    client: BrevoClient,
    wanted: ListByName,
    *,
    export_name: str,
    may_create: bool = True,
    log: logging.Logger | logging.LoggerAdapter,
) -> ResolvedList | None:
    """The one list ``wanted`` names; created (with its folder) when missing and the export asks for it.

    ``may_create`` False (a dry run) returns None where a real run would create the list."""
    matches, near = _matching(client, wanted)
    if len(matches) == 1:
        return _resolved(matches[0])
    if matches:
        raise _ambiguous(wanted, export_name, matches)
    if not wanted.create_if_missing:
        raise ListNameNotFound(
            f"export '{export_name}': no Brevo list named {wanted.describe()}"
            + (f" (lists differing only in case: {'; '.join(e.describe() for e in near)})" if near else "")
            + f": create it in Brevo, correct exports.{export_name}.list, or set "
            f"exports.{export_name}.list.create_if_missing: true to have the export create it."
        )
    if not may_create:
        return None
    return _create(client, wanted, export_name=export_name, log=log)


def _create(
    client: BrevoClient, wanted: ListByName, *, export_name: str, log: logging.Logger | logging.LoggerAdapter
) -> ResolvedList:
    assert wanted.folder is not None  # the configuration requires a folder with create_if_missing
    folders = [f for f in _folders(client) if f["name"] == wanted.folder]
    if len(folders) > 1:
        ids = ", ".join(str(f["id"]) for f in folders)
        raise ListNameAmbiguous(
            f"export '{export_name}': Brevo has {len(folders)} folders named '{wanted.folder}' (ids {ids}), so the "
            f"export cannot tell which one to create list '{wanted.name}' in: rename or delete all but one."
        )
    folder_created = not folders
    folder_id = client.create_folder(wanted.folder) if folder_created else int(folders[0]["id"])
    if folder_created:
        log.info(f"export {export_name}: created Brevo folder '{wanted.folder}' (id {folder_id})")
    list_id = client.create_list(wanted.name, folder_id)
    log.info(f"export {export_name}: created Brevo list '{wanted.name}' (id {list_id}) in folder '{wanted.folder}'")
    matches, _ = _matching(client, wanted)
    if len(matches) > 1:
        raise _ambiguous(
            wanted,
            export_name,
            matches,
            why=f"another run created the list at the same time as this one (this run's is id {list_id}); delete "
            "the one you do not want",
        )
    return ResolvedList(list_id, wanted.name, wanted.folder, created=True, folder_created=folder_created)


def _matching(client: BrevoClient, wanted: ListByName) -> tuple[list[BrevoListEntry], list[BrevoListEntry]]:
    """The lists of that exact name (in that folder when one is given), and those differing only in case."""
    folder_names = {int(f["id"]): str(f["name"]) for f in _folders(client)}
    entries = [
        BrevoListEntry(int(item["id"]), str(item["name"]), folder_id, folder_names.get(folder_id))
        for item in _lists(client)
        for folder_id in [int(item["folderId"]) if item.get("folderId") is not None else None]
    ]
    in_folder = [e for e in entries if wanted.folder is None or e.folder == wanted.folder]
    exact = [e for e in in_folder if e.name == wanted.name]
    near = [e for e in in_folder if e.name != wanted.name and e.name.casefold() == wanted.name.casefold()]
    return exact, near


def _ambiguous(
    wanted: ListByName, export_name: str, matches: list[BrevoListEntry], *, why: str = ""
) -> ListNameAmbiguous:
    candidates = "; ".join(e.describe() for e in matches)
    advice = why or (
        f"rename all but one in Brevo{'' if wanted.folder else f', or add exports.{export_name}.list.folder'}, "
        f"or use exports.{export_name}.list_id"
    )
    return ListNameAmbiguous(
        f"export '{export_name}': {len(matches)} Brevo lists are named {wanted.describe()} ({candidates}): {advice}."
    )


def _resolved(entry: BrevoListEntry) -> ResolvedList:
    return ResolvedList(entry.list_id, entry.name, entry.folder)


def _lists(client: BrevoClient) -> Iterator[dict[str, Any]]:
    return _pages(client.lists, "lists")


def _folders(client: BrevoClient) -> Iterator[dict[str, Any]]:
    return _pages(client.folders, "folders")


def _pages(read: Callable[..., dict[str, Any]], key: str) -> Iterator[dict[str, Any]]:
    """Every item of a paged Brevo listing, ``MAX_LISTS_PAGE`` at a time."""
    offset = 0
    while True:
        page = read(limit=MAX_LISTS_PAGE, offset=offset)
        items = page.get(key) or []
        yield from items
        offset += len(items)
        if not items or offset >= int(page.get("count") or 0):
            return
