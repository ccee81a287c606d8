"""``/_emulator/...``: a side door for tests and the demo to look at and steer the emulator.

Not part of Brevo's API: no api-key, loopback clients only, no rate limit, not counted in request counts.
Every read applies due processes first, so it shows what a Brevo client would see at that moment.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .api import contact_details
from .errors import ApiError
from .runtime import KEEP, Runtime
from .state import format_time

_LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}


def _runtime(request: Request) -> Runtime:
    if request.client is None or request.client.host not in _LOOPBACK:
        raise PermissionError
    runtime: Runtime = request.app.state.emulator
    runtime.account.apply_due()
    return runtime


async def _body(request: Request) -> Any:
    raw = await request.body()
    return json.loads(raw) if raw else {}


def _guard(handler: Any) -> Any:
    """Turn refusals into JSON errors (403 off loopback, 400 malformed, ApiError as is)."""

    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except PermissionError:
            return JSONResponse({"code": "permission_denied", "message": "loopback only"}, status_code=403)
        except (ValueError, ValidationError, TypeError, KeyError) as exc:
            return JSONResponse({"code": "invalid_parameter", "message": str(exc)}, status_code=400)
        except ApiError as exc:
            return JSONResponse(exc.body(), status_code=exc.status)

    return guarded


async def list_members(request: Request) -> Response:
    """``[{"email", "attributes"}]`` of a list, sorted by email."""
    runtime = _runtime(request)
    members = runtime.account.members(int(request.path_params["list_id"]))
    return JSONResponse(
        [{"email": c.email, "attributes": dict(c.attributes)} for c in sorted(members, key=lambda c: c.email)]
    )


async def create_list(request: Request) -> Response:
    """Create a list with a chosen id: ``{"id": 12, "name": "Newsletter", "folderId": 1}`` (the folder must
    exist: folder 1, "Your first folder", always does)."""
    runtime = _runtime(request)
    body = await _body(request)
    created = runtime.account.create_list(str(body["name"]), int(body.get("folderId", 1)), int(body["id"]))
    return JSONResponse({"id": created.id}, status_code=201)


async def create_folder(request: Request) -> Response:
    """Create a folder with a chosen id: ``{"id": 2, "name": "Marketing"}``."""
    runtime = _runtime(request)
    body = await _body(request)
    created = runtime.account.create_folder(str(body["name"]), int(body["id"]))
    return JSONResponse({"id": created.id}, status_code=201)


async def contacts(request: Request) -> Response:
    """Every contact, in creation order, as ``getContactDetails``."""
    runtime = _runtime(request)
    account = runtime.account
    return JSONResponse([contact_details(account, c) for c in account.contacts])


async def blocklist(request: Request) -> Response:
    """Opt contacts out as the person would (unsubscribe link) or the account owner (Brevo's app):
    ``{"emails": [...], "channel": "email" | "sms"}`` (channel defaults to email). Unknown addresses become
    contacts that are opted out. Answers ``{"blocklisted": [emails as stored]}``."""
    runtime = _runtime(request)
    body = await _body(request)
    emails = body["emails"]
    if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
        raise ValueError("emails must be an array of strings")
    return JSONResponse({"blocklisted": runtime.account.blocklist(emails, str(body.get("channel", "email")))})


async def doi_requests(request: Request) -> Response:
    """Double opt-in requests awaiting confirmation, oldest first: ``[{"email", "templateId",
    "includeListIds", "excludeListIds", "redirectionUrl", "attributes", "requested_at"}]``."""
    runtime = _runtime(request)
    return JSONResponse(
        [
            {
                "email": r.email,
                "templateId": r.template_id,
                "includeListIds": r.include_list_ids,
                "excludeListIds": r.exclude_list_ids,
                "redirectionUrl": r.redirection_url,
                "attributes": r.attributes,
                "requested_at": format_time(r.requested_at),
            }
            for r in runtime.account.pending_doi.values()
        ]
    )


async def confirm_doi(request: Request) -> Response:
    """The people click their confirmation links: ``{"emails": [...]}`` or ``{"all": true}``; answers
    ``{"confirmed": [emails]}`` (addresses with no pending request are left out)."""
    runtime = _runtime(request)
    body = await _body(request)
    if body.get("all") is True:
        return JSONResponse({"confirmed": runtime.account.confirm_doi()})
    emails = body["emails"]
    if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
        raise ValueError('emails must be an array of strings (or send {"all": true})')
    return JSONResponse({"confirmed": runtime.account.confirm_doi(emails)})


async def request_counts(request: Request) -> Response:
    """Brevo requests received so far per ``"METHOD /route/template"`` (including refused ones)."""
    return JSONResponse(dict(_runtime(request).request_counts))


async def processes(request: Request) -> Response:
    """Every process with its status and info."""
    runtime = _runtime(request)
    now = runtime.clock()
    return JSONResponse(
        [
            {"id": p.id, "name": p.name, "status": p.status(now), "info": p.info}
            for p in runtime.account.processes.values()
        ]
    )


async def complete_processes(request: Request) -> Response:
    """Complete every pending process now: ``{"completed": n}``."""
    return JSONResponse({"completed": _runtime(request).account.complete_all()})


async def reset(request: Request) -> Response:
    """Clear contacts, processes, counters, rate windows and faults; body keys optionally reconfigure:
    ``lists`` ({"12": "Newsletter"}), ``attributes`` (names, compact specs such as "SCORE:float", or objects
    {"name", "category", "type", "enumeration", "multiCategoryOptions"}), ``process_delay``, ``contacts_rate``,
    ``hourly_budget`` (null disables) and ``faults``."""
    runtime = _runtime(request)
    body = await _body(request)
    lists = body.get("lists")
    runtime.reset(
        lists={int(k): str(v) for k, v in lists.items()} if lists is not None else None,
        attributes=body.get("attributes"),
        process_delay=body.get("process_delay"),
        contacts_rate=body.get("contacts_rate", KEEP),
        hourly_budget=body.get("hourly_budget", KEEP),
        faults=body.get("faults"),
    )
    return JSONResponse({"reset": True})


async def faults(request: Request) -> Response:
    """``GET``: rules with ``seen``/``fired`` counters; ``PUT``: replace the schedule."""
    runtime = _runtime(request)
    if request.method == "PUT":
        runtime.faults.replace(await _body(request))
    return JSONResponse(runtime.faults.describe())


ROUTES = [
    Route("/lists/{list_id:int}/members", _guard(list_members), methods=["GET"]),
    Route("/lists", _guard(create_list), methods=["POST"]),
    Route("/folders", _guard(create_folder), methods=["POST"]),
    Route("/contacts", _guard(contacts), methods=["GET"]),
    Route("/contacts/blocklist", _guard(blocklist), methods=["POST"]),
    Route("/doi", _guard(doi_requests), methods=["GET"]),
    Route("/doi/confirm", _guard(confirm_doi), methods=["POST"]),
    Route("/requests", _guard(request_counts), methods=["GET"]),
    Route("/processes", _guard(processes), methods=["GET"]),
    Route("/processes/complete", _guard(complete_processes), methods=["POST"]),
    Route("/reset", _guard(reset), methods=["POST"]),
    Route("/faults", _guard(faults), methods=["GET", "PUT"]),
]
