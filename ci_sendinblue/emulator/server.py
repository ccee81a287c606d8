"""Run the emulator app under uvicorn and announce the real address once it accepts connections.

The announcement line (``Brevo emulator listening on http://HOST:PORT/v3``) is the readiness signal that
``EmulatorProcess`` waits for; with ``port=0`` it carries the port the OS picked.
"""

from __future__ import annotations

import socket
import sys

import uvicorn

from .app import create_app
from .settings import EmulatorSettings

READY_PREFIX = "Brevo emulator listening on "


def api_url(host: str, port: int) -> str:
    """The base URL a Brevo client should use, e.g. ``http://127.0.0.1:8765/v3``."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/v3"


class _AnnouncingServer(uvicorn.Server):
    """A uvicorn server that prints the ready line after its sockets listen."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.should_exit or not self.servers:
            return
        port = self.servers[0].sockets[0].getsockname()[1]
        print(READY_PREFIX + api_url(self.config.host, port), flush=True)


def serve(settings: EmulatorSettings) -> None:
    """Serve the emulator until interrupted (SIGINT/SIGTERM)."""
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        http="h11",  # DropConnection relies on the h11 request cycle's transport
        loop="asyncio",
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    _AnnouncingServer(config).run()
    sys.stdout.flush()
