"""A fake Slack incoming webhook on loopback: it receives the real POST that ``slack_sdk`` sends."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class FakeSlack:
    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    """What the webhook answers; Slack answers 200 ``ok``, or e.g. 404 ``no_service`` for a revoked hook."""


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    slack = FakeSlack()

    class Webhook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            slack.received.append(json.loads(body))
            answer = b"ok" if slack.status == 200 else b"no_service"
            self.send_response(slack.status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    slack.url = f"http://127.0.0.1:{server.server_address[1]}/services/T000/B000/secret-token-1234"
    try:
        yield slack
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
