"""The emulator inside the calling process, behind a synchronous httpx transport.

Unit tests (this project's, or a user's) can point any ``httpx.Client`` at the emulator without starting a
server: ``httpx.Client(transport=EmulatorTransport(create_app(settings)), base_url="http://brevo/v3")``. The
client then meets the very same Brevo model the emulator process serves, so a Brevo behaviour is written
once. httpx's own ``ASGITransport`` is asynchronous only; this one runs it on an event loop of its own, in a
background thread, so synchronous code (the project's client, a Dagster step) can use it from any thread.
"""

from __future__ import annotations

import asyncio
import threading

import httpx
from starlette.types import ASGIApp

LOOPBACK_CLIENT = ("127.0.0.1", 50000)
"""The address the app sees requests come from: loopback, so the inspection API answers too."""


class EmulatorTransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp) -> None:
        self._asgi = httpx.ASGITransport(app=app, client=LOOPBACK_CLIENT)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="brevo-emulator", daemon=True)
        self._thread.start()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return asyncio.run_coroutine_threadsafe(self._send(request), self._loop).result()

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self._asgi.handle_async_request(request)
        body = b"".join([chunk async for chunk in response.stream])
        return httpx.Response(response.status_code, headers=response.headers, content=body)

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
