"""The Starlette app: Brevo's API under ``/v3`` and the inspection API under ``/_emulator``.

Every ``/v3`` request goes through one gateway, in this order: complete due processes, count the request,
check the ``api-key``, draw from the rate-limit bucket, consult the fault schedule, run the handler, then
attach ``x-sib-ratelimit-*`` headers. One gateway (rather than middleware) keeps that order explicit.
"""

from __future__ import annotations

import asyncio
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from . import inspection
from .api import ApiCall, not_routed, resolve
from .errors import ApiError
from .ratelimit import Clock
from .responses import RAW_SEND_KEY, DropConnection, error_response, fault_response
from .runtime import Runtime
from .settings import EmulatorSettings

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_BREVO_DEFAULT_LIMITS = {"contacts": 10, "other": 100}


class EmulatorApp(Starlette):
    """A Starlette app that keeps the server's raw ``send`` in the scope (see ``DropConnection``)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[RAW_SEND_KEY] = send
        await super().__call__(scope, receive, send)


def _limit_headers_for_429(runtime: Runtime, path: str, reset: int) -> dict[str, str]:
    bucket = runtime.limits.bucket_for(path)
    default = _BREVO_DEFAULT_LIMITS["contacts" if path.startswith("/contacts") else "other"]
    return {
        "x-sib-ratelimit-limit": str(bucket.limit if bucket else default),
        "x-sib-ratelimit-remaining": "0",
        "x-sib-ratelimit-reset": str(reset),
    }


async def gateway(request: Request) -> Response:
    """Handle one Brevo API request (see the module docstring for the order of checks)."""
    runtime: Runtime = request.app.state.emulator
    method = request.method
    path = "/" + request.path_params["path"]
    runtime.account.apply_due()
    resolved = resolve(method, path)
    runtime.request_counts[f"{method} {resolved.template or path}"] += 1

    if request.headers.get("api-key") != runtime.settings.api_key:
        return error_response(ApiError(401, "unauthorized", "Key not found"))

    decision = runtime.limits.hit(path)
    limit_headers = decision.headers() if decision is not None else {}
    if decision is not None and not decision.allowed:
        return error_response(ApiError(429, "too_many_requests", "The expected rate limit is exceeded."), limit_headers)

    fault = runtime.faults.next_fault(method, path, resolved.template, await request.body())
    if fault is not None:
        if fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
        elif fault.kind == "drop":
            return DropConnection()
        elif fault.kind == "status":
            if fault.effective_status == 429:
                limit_headers = _limit_headers_for_429(runtime, path, fault.reset)
            return fault_response(fault, limit_headers)

    if resolved.handler is None:
        response: Response = error_response(not_routed(method, resolved))
    else:
        try:
            response = await resolved.handler(ApiCall(request, runtime, resolved.params, fault))
        except ApiError as error:
            response = error_response(error)

    if fault is not None and fault.kind == "accepted_then_status" and response.status_code < 400:
        return fault_response(fault, limit_headers)
    response.headers.update(limit_headers)
    return response


def create_app(settings: EmulatorSettings, clock: Clock = time.monotonic) -> Starlette:
    """Build the emulator app; ``clock`` (monotonic seconds) drives processes and rate limits."""
    app = EmulatorApp(
        routes=[
            Route("/v3/{path:path}", gateway, methods=_METHODS),
            Mount("/_emulator", routes=inspection.ROUTES),
        ]
    )
    app.state.emulator = Runtime(settings, clock)
    return app
