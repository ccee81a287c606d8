"""Responses that are not plain handler answers: Brevo errors, fault answers, and the dropped connection."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send

from .errors import ApiError
from .faults import FaultRule

#: Where ``app.EmulatorApp`` stashes the server's own ``send`` so ``DropConnection`` can reach the socket.
RAW_SEND_KEY = "ci_sendinblue.emulator.raw_send"

_FAULT_CODES = {
    429: ("too_many_requests", "The expected rate limit is exceeded."),
    500: ("internal_error", "Internal server error"),
    502: ("bad_gateway", "Bad gateway"),
    503: ("service_unavailable", "Service temporarily unavailable"),
}


def error_response(error: ApiError, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """Brevo's ``{"code", "message"}`` error body with the error's status."""
    return JSONResponse(error.body(), status_code=error.status, headers=dict(headers or {}))


def fault_response(rule: FaultRule, headers: Mapping[str, str]) -> Response:
    """The answer a ``status``/``accepted_then_status`` rule forces.

    Cloudflare's own statuses (520 and up, e.g. 524 "A timeout occurred") come as HTML, as Cloudflare sends
    them; others get a Brevo-style JSON error body.
    """
    status = rule.effective_status
    if status >= 520:
        title = rule.message or "A timeout occurred"
        html = (
            f"<!DOCTYPE html><html><head><title>api.brevo.com | {status}: {title}</title></head>"
            f"<body><h1>{title}</h1><p>Error code {status}</p><p>Cloudflare</p></body></html>"
        )
        return HTMLResponse(html, status_code=status, headers=dict(headers))
    code, message = _FAULT_CODES.get(status, ("bad_request", "Emulated failure"))
    return error_response(ApiError(status, code, rule.message or message), headers)


class ConnectionDropped(ConnectionError):
    """Raised instead of dropping when the server gives no socket to close (e.g. Starlette's TestClient)."""


class DropConnection(Response):
    """A "response" that closes the client's connection without sending a byte.

    Raising in the app would make uvicorn answer 500, so instead we abort the transport of uvicorn's
    request cycle (the object behind the raw ``send``) and mark the cycle disconnected, so uvicorn sends
    nothing more. httpx then reports ``RemoteProtocolError`` (or ``ReadError``).
    """

    def __init__(self) -> None:
        super().__init__(status_code=500)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_send = scope.get(RAW_SEND_KEY)
        cycle = getattr(raw_send, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if transport is None:
            raise ConnectionDropped("fault: connection dropped")
        transport.abort()
        cycle.disconnected = True  # type: ignore[union-attr]
