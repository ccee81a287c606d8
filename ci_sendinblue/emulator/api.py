"""Handlers for the Brevo API v3 routes the project uses, and the table that routes to them.

Shapes follow Brevo's OpenAPI description (``swagger_definition_v3.yml``); behaviour lives in
``state.AccountState``. Handlers only translate HTTP to state calls and back.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .contacts import Contact
from .errors import ApiError, invalid, missing
from .faults import FaultRule
from .imports import ImportRequest, parse_import
from .runtime import Runtime
from .state import AccountState, ContactList, format_time

T = TypeVar("T")

MAX_LISTS_PAGE = 50
MAX_CONTACTS_PAGE = 500
MAX_ACCOUNT_CONTACTS_PAGE = 1000
MAX_IDENTIFIERS = 150


@dataclass
class ApiCall:
    """One request as the handlers see it: the request, the runtime, path params and any fault."""

    request: Request
    runtime: Runtime
    params: dict[str, str]
    fault: FaultRule | None = None

    @property
    def account(self) -> AccountState:
        return self.runtime.account

    @property
    def process_fails(self) -> bool:
        """True when a ``process_failed`` fault targets the process this request creates."""
        return self.fault is not None and self.fault.kind == "process_failed"

    def path_int(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise invalid(f"{name} must be an integer") from None

    def query_int(self, name: str, default: int, maximum: int | None = None) -> int:
        raw = self.request.query_params.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise invalid(f"{name} must be an integer") from None
        if value < 0:
            raise invalid(f"{name} must not be negative")
        if maximum is not None and value > maximum:
            raise invalid(f"{name} exceeds max value {maximum}")
        return value

    def query_sort(self) -> str:
        sort = self.request.query_params.get("sort", "desc")
        if sort not in ("asc", "desc"):
            raise invalid("sort must be asc or desc")
        return sort

    async def json(self) -> Any:
        raw = await self.request.body()
        if not raw:
            raise missing("Request body is required")
        try:
            return json.loads(raw)
        except ValueError:
            raise invalid("Request body is not valid JSON") from None


Handler = Callable[[ApiCall], Awaitable[Response]]


def _page(items: list[T], offset: int, limit: int) -> list[T]:
    return items[offset : offset + limit]


def contact_details(account: AccountState, contact: Contact) -> dict[str, Any]:
    """A contact of ``account`` as ``getContactDetails`` describes it."""
    return {
        "email": contact.email,
        "id": contact.id,
        "emailBlacklisted": contact.email_blacklisted,
        "smsBlacklisted": contact.sms_blacklisted,
        "createdAt": format_time(contact.created_at),
        "modifiedAt": format_time(contact.modified_at),
        "listIds": account.list_ids_of(contact),
        "attributes": dict(contact.attributes),
    }


# -- account -------------------------------------------------------------------------------------------------
async def get_account(call: ApiCall) -> Response:
    email = call.runtime.settings.account_email
    return JSONResponse(
        {
            "email": email,
            "firstName": "Brevo",
            "lastName": "Emulator",
            "companyName": "ci-sendinblue emulator",
            "address": {"street": "1 Loopback St", "city": "Localhost", "zipCode": "00000", "country": "FR"},
            "plan": [{"type": "free", "creditsType": "sendLimit", "credits": 300}],
            "relay": {
                "enabled": False,
                "data": {"userName": email, "relay": "smtp-relay.invalid", "port": 587},
            },
        }
    )


# -- lists ---------------------------------------------------------------------------------------------------
async def get_lists(call: ApiCall) -> Response:
    limit = call.query_int("limit", 10, MAX_LISTS_PAGE)
    offset = call.query_int("offset", 0)
    lists = sorted(call.account.lists.values(), key=lambda x: x.id, reverse=call.query_sort() == "desc")
    page = [_list_summary(call, x) for x in _page(lists, offset, limit)]
    return JSONResponse({"lists": page, "count": len(lists)})


async def create_list(call: ApiCall) -> Response:
    body = await call.json()
    if not isinstance(body, dict):
        raise invalid("Request body must be a JSON object")
    name, folder_id = body.get("name"), body.get("folderId")
    if name is None or folder_id is None:
        raise missing("name and folderId are required")
    if not isinstance(name, str) or not name.strip() or not isinstance(folder_id, int):
        raise invalid("name must be a non-empty string and folderId an integer")
    created = call.account.create_list(name, folder_id)
    return JSONResponse({"id": created.id}, status_code=201)


def _list_summary(call: ApiCall, found: ContactList) -> dict[str, Any]:
    return {"id": found.id, "name": found.name, "folderId": found.folder_id, **call.account.list_counts(found.id)}


# -- folders -------------------------------------------------------------------------------------------------
async def get_folders(call: ApiCall) -> Response:
    limit = call.query_int("limit", 10, MAX_LISTS_PAGE)
    offset = call.query_int("offset", 0)
    folders = sorted(call.account.folders.values(), key=lambda x: x.id, reverse=call.query_sort() == "desc")
    page = [{"id": x.id, "name": x.name, **call.account.folder_counts(x.id)} for x in _page(folders, offset, limit)]
    return JSONResponse({"folders": page, "count": len(folders)})


async def create_folder(call: ApiCall) -> Response:
    body = await _object_body(call)
    name = body.get("name")
    if name is None:
        raise missing("name is required")
    if not isinstance(name, str) or not name.strip():
        raise invalid("name must be a non-empty string")
    return JSONResponse({"id": call.account.create_folder(name).id}, status_code=201)


async def get_folder_lists(call: ApiCall) -> Response:
    folder_lists = call.account.folder_lists(call.path_int("folderId"))
    limit = call.query_int("limit", 10, MAX_LISTS_PAGE)
    offset = call.query_int("offset", 0)
    if call.query_sort() == "desc":
        folder_lists.reverse()
    page = [_list_summary(call, x) for x in _page(folder_lists, offset, limit)]
    return JSONResponse({"lists": page, "count": len(folder_lists)})


async def get_list(call: ApiCall) -> Response:
    found = call.account.get_list(call.path_int("listId"))
    return JSONResponse(
        {
            "id": found.id,
            "name": found.name,
            "folderId": found.folder_id,
            "createdAt": format_time(found.created_at),
            "dynamicList": False,
            **call.account.list_counts(found.id),
        }
    )


# -- attributes and contacts ---------------------------------------------------------------------------------
async def get_attributes(call: ApiCall) -> Response:
    return JSONResponse({"attributes": [attribute.describe() for attribute in call.account.attributes]})


def _parse_since(raw: str, name: str = "modifiedSince") -> datetime:
    try:
        moment = datetime.fromisoformat(raw.replace(" ", "+"))  # a raw '+' in a query string reads as ' '
    except ValueError:
        raise invalid(f"{name} must be a UTC date-time (YYYY-MM-DDTHH:mm:ss.SSSZ)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _query_since(call: ApiCall, name: str) -> datetime | None:
    raw = call.request.query_params.get(name)
    return _parse_since(raw, name) if raw else None


async def get_contacts_from_list(call: ApiCall) -> Response:
    list_id = call.path_int("listId")
    limit = call.query_int("limit", 50, MAX_CONTACTS_PAGE)
    offset = call.query_int("offset", 0)
    sort = call.query_sort()
    call.account.get_list(list_id)
    since = call.request.query_params.get("modifiedSince")
    count, members = call.account.members_page(
        list_id, offset, limit, newest_first=sort == "desc", modified_since=_parse_since(since) if since else None
    )
    page = [contact_details(call.account, c) for c in members]
    return JSONResponse({"contacts": page, "count": count})


def _decode_import(raw: bytes) -> ImportRequest:
    """Decode and check an import body with the cyclic garbage collector paused (if it runs at all).

    A 10 MB ``jsonBody`` decodes into some 100,000 dicts that hold only text and numbers: none can be part of
    a reference cycle, yet while they pile up they set off full collections over the whole process that cost
    more than the decoding itself. Reference counting frees them as usual once their rows are kept.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            raise invalid("Request body is not valid JSON") from None
        if body is None:
            raise missing("Request body is required")
        return parse_import(body)
    finally:
        if collecting:
            gc.enable()


async def import_contacts(call: ApiCall) -> Response:
    raw = await call.request.body()
    if len(raw) > call.runtime.settings.max_import_bytes:
        # The spec documents only 400 for this operation; Brevo says "Maximum allowed body size is 10MB".
        raise invalid("Request body exceeds the maximum allowed size of 10MB")
    process = call.account.import_contacts(_decode_import(raw), fail=call.process_fails)
    return JSONResponse({"processId": process.id}, status_code=202)


def _identifiers(body: dict[str, Any]) -> tuple[list[str] | None, list[int] | None]:
    """The ``emails`` or ``ids`` of an add/remove body, checked for type and the 1..150 bound."""
    if "extIds" in body:
        raise invalid("extIds are not supported by the emulator")
    for key, kind in (("emails", str), ("ids", int)):
        if key in body:
            values = body[key]
            if not isinstance(values, list) or not all(isinstance(v, kind) for v in values):
                raise invalid(f"{key} must be an array")
            if not 1 <= len(values) <= MAX_IDENTIFIERS:
                raise invalid(f"{key} must hold between 1 and {MAX_IDENTIFIERS} items")
            return (values, None) if key == "emails" else (None, values)
    raise missing("emails or ids is required")


async def _object_body(call: ApiCall) -> dict[str, Any]:
    body = await call.json()
    if not isinstance(body, dict):
        raise invalid("Request body must be a JSON object")
    return body


async def add_contacts_to_list(call: ApiCall) -> Response:
    list_id = call.path_int("listId")
    call.account.get_list(list_id)
    emails, ids = _identifiers(await _object_body(call))
    success, failure = call.account.add_to_list(list_id, emails=emails, ids=ids)
    return JSONResponse({"contacts": {"success": success, "failure": failure}}, status_code=201)


async def remove_contacts_from_list(call: ApiCall) -> Response:
    list_id = call.path_int("listId")
    call.account.get_list(list_id)
    body = await _object_body(call)
    if body.get("all") is True:
        total, process = call.account.remove_all_from_list(list_id, fail=call.process_fails)
        return JSONResponse({"contacts": {"total": total, "processId": process.id}}, status_code=201)
    emails, ids = _identifiers(body)
    success, failure = call.account.remove_from_list(list_id, emails=emails, ids=ids)
    return JSONResponse({"contacts": {"success": success, "failure": failure}}, status_code=201)


def _optional_bool(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise invalid(f"{name} must be a boolean")
    return value


def _optional_ids(body: dict[str, Any], name: str) -> list[int]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        raise invalid(f"{name} must be an array of integers")
    return value


async def create_contact(call: ApiCall) -> Response:
    body = await _object_body(call)
    email = body.get("email")
    if email is None:
        raise missing("email is required (the emulator does not support ext_id or SMS-only contacts)")
    attributes = body.get("attributes") or {}
    list_ids = body.get("listIds") or []
    if not isinstance(email, str) or not isinstance(attributes, dict) or not isinstance(list_ids, list):
        raise invalid("email must be a string, attributes an object and listIds an array")
    update_enabled = body.get("updateEnabled", False)
    created = call.account.create_contact(
        email,
        attributes,
        list_ids,
        update_enabled=update_enabled is True,
        email_blacklisted=_optional_bool(body, "emailBlacklisted"),
        sms_blacklisted=_optional_bool(body, "smsBlacklisted"),
    )
    if created is None:
        return Response(status_code=204)
    return JSONResponse({"id": created.id}, status_code=201)


def _required(body: dict[str, Any], name: str) -> Any:
    if body.get(name) is None:
        raise missing(f"{name} is required")
    return body[name]


def _is_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


async def create_doi_contact(call: ApiCall) -> Response:
    body = await _object_body(call)
    email = _required(body, "email")
    _required(body, "includeListIds")
    template_id = _required(body, "templateId")
    redirection_url = _required(body, "redirectionUrl")
    attributes = body.get("attributes") or {}
    if not isinstance(email, str):
        raise invalid("email must be a string")
    if not isinstance(attributes, dict):
        raise invalid("attributes must be an object")
    if not isinstance(template_id, int) or isinstance(template_id, bool):
        raise invalid("templateId must be an integer")
    if not _is_url(redirection_url):
        raise invalid("redirectionUrl must be an http(s) URL")
    include = _optional_ids(body, "includeListIds")
    if not include:
        raise invalid("includeListIds must hold at least one list ID")
    created = call.account.request_doi(
        email, attributes, include, _optional_ids(body, "excludeListIds"), template_id, redirection_url
    )
    return Response(status_code=201 if created else 204)


async def get_contacts(call: ApiCall) -> Response:
    limit = call.query_int("limit", 50, MAX_ACCOUNT_CONTACTS_PAGE)
    offset = call.query_int("offset", 0)
    newest_first = call.query_sort() == "desc"
    for unsupported in ("segmentId", "listIds", "filter"):
        if unsupported in call.request.query_params:
            raise invalid(f"{unsupported} is not supported by the emulator")
    count, page = call.account.contacts_page(
        offset, limit, newest_first, _query_since(call, "modifiedSince"), _query_since(call, "createdSince")
    )
    return JSONResponse({"contacts": [contact_details(call.account, c) for c in page], "count": count})


def _contact(call: ApiCall, by_phone: bool = False) -> Contact:
    """The contact the path's ``identifier`` (and the ``identifierType`` query) names."""
    identifier_type = call.request.query_params.get("identifierType")
    return call.account.find_contact(call.params["identifier"], identifier_type, by_phone=by_phone)


async def get_contact_info(call: ApiCall) -> Response:
    contact = _contact(call, by_phone=True)
    # Campaign statistics: the emulator sends no campaigns, so every event list is empty.
    return JSONResponse({**contact_details(call.account, contact), "statistics": {}})


async def update_contact(call: ApiCall) -> Response:
    contact = _contact(call)
    body = await _object_body(call)
    attributes = body.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise invalid("attributes must be an object")
    if "ext_id" in body:
        raise invalid("ext_id is not supported by the emulator")
    call.account.update_contact(
        contact,
        attributes,
        list_ids=_optional_ids(body, "listIds"),
        unlink_list_ids=_optional_ids(body, "unlinkListIds"),
        email_blacklisted=_optional_bool(body, "emailBlacklisted"),
        sms_blacklisted=_optional_bool(body, "smsBlacklisted"),
    )
    return Response(status_code=204)


async def delete_contact(call: ApiCall) -> Response:
    call.account.delete_contact(_contact(call))
    return Response(status_code=204)


# -- processes -----------------------------------------------------------------------------------------------
async def get_process(call: ApiCall) -> Response:
    process = call.account.get_process(call.path_int("processId"))
    body: dict[str, Any] = {
        "id": process.id,
        "name": process.name,
        "status": process.status(call.runtime.clock()),
    }
    if process.info is not None:
        body["info"] = process.info
    return JSONResponse(body)


# -- routing -------------------------------------------------------------------------------------------------
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/account", get_account),
    ("GET", "/contacts/lists", get_lists),
    ("POST", "/contacts/lists", create_list),
    ("GET", "/contacts/lists/{listId}", get_list),
    ("GET", "/contacts/folders", get_folders),
    ("POST", "/contacts/folders", create_folder),
    ("GET", "/contacts/folders/{folderId}/lists", get_folder_lists),
    ("GET", "/contacts/attributes", get_attributes),
    ("GET", "/contacts/lists/{listId}/contacts", get_contacts_from_list),
    ("POST", "/contacts/lists/{listId}/contacts/add", add_contacts_to_list),
    ("POST", "/contacts/lists/{listId}/contacts/remove", remove_contacts_from_list),
    ("POST", "/contacts/import", import_contacts),
    ("GET", "/contacts", get_contacts),
    ("POST", "/contacts", create_contact),
    ("POST", "/contacts/doubleOptinConfirmation", create_doi_contact),
    ("GET", "/contacts/{identifier}", get_contact_info),
    ("PUT", "/contacts/{identifier}", update_contact),
    ("DELETE", "/contacts/{identifier}", delete_contact),
    ("GET", "/processes/{processId}", get_process),
]


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")


_COMPILED = [(method, template, _compile(template), handler) for method, template, handler in ROUTES]


@dataclass(frozen=True)
class Resolved:
    """Where a Brevo path leads: its template (``None`` if unknown) and handler (``None`` if wrong method)."""

    template: str | None
    handler: Handler | None
    params: dict[str, str]


_LITERAL = {template for _, template, _ in ROUTES if "{" not in template}


def resolve(method: str, path: str) -> Resolved:
    """Find the route for ``method path`` (path without ``/v3``).

    A fixed path (``/contacts/import``) is never read as a parameter (``/contacts/{identifier}``).
    """
    template: str | None = None
    params: dict[str, str] = {}
    for route_method, route_template, pattern, handler in _COMPILED:
        if path in _LITERAL and route_template != path:
            continue
        found = pattern.match(path)
        if found is None:
            continue
        if route_method == method:
            return Resolved(route_template, handler, found.groupdict())
        template, params = route_template, found.groupdict()
    return Resolved(template, None, params)


def not_routed(method: str, resolved: Resolved) -> ApiError:
    """The error for a request no handler takes."""
    if resolved.template is None:
        return ApiError(404, "document_not_found", "Invalid route: no such endpoint in the emulator")
    return ApiError(405, "method_not_allowed", f"{method} Method is not allowed on this path")
