"""An in-process fake of the few Brevo endpoints the pipeline calls, for tests that need no server.

It records what arrived so tests can assert on it; the end-to-end tests use the real emulator process instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from ci_sendinblue.sendinblue.resources import SendinblueResource

API_KEY = "fake-key-0123456789"


@dataclass
class FakeBrevo:
    lists: dict[int, str] = field(default_factory=lambda: {12: "Newsletter"})
    attributes: list[str] = field(default_factory=lambda: ["FIRSTNAME", "LASTNAME", "SMS"])
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[int, set[str]] = field(default_factory=dict)
    import_bodies: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    process_status: str = "completed"
    refused_emails: set[str] = field(default_factory=set)
    """Emails Brevo counts as invalid: left out of an import that still completes."""

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v3")
        self.requests.append(f"{request.method} {path}")
        if request.headers.get("api-key") != API_KEY:
            return httpx.Response(401, json={"code": "unauthorized", "message": "Key not found"})
        parts = path.strip("/").split("/")
        if request.method == "GET" and parts[:2] == ["contacts", "lists"] and len(parts) == 3:
            list_id = int(parts[2])
            if list_id not in self.lists:
                return httpx.Response(404, json={"code": "document_not_found", "message": "List ID does not exist"})
            count = len(self.members.get(list_id, set()))
            return httpx.Response(200, json={"id": list_id, "name": self.lists[list_id], "uniqueSubscribers": count})
        if request.method == "GET" and path == "/contacts/attributes":
            return httpx.Response(
                200, json={"attributes": [{"name": a, "category": "normal", "type": "text"} for a in self.attributes]}
            )
        if request.method == "POST" and path == "/contacts/import":
            body = json.loads(request.content)
            self.import_bodies.append(body)
            if self.process_status == "completed":
                self._apply(body)
            return httpx.Response(202, json={"processId": len(self.import_bodies)})
        if request.method == "GET" and parts[0] == "processes":
            body = self.import_bodies[int(parts[1]) - 1]
            invalid = sum(item["email"] in self.refused_emails for item in body["jsonBody"])
            info = {"import": {"invalid_emails": invalid}}
            return httpx.Response(
                200, json={"id": int(parts[1]), "status": self.process_status, "name": "import", "info": info}
            )
        return httpx.Response(404, json={"code": "not_found", "message": f"no route {path}"})

    def _apply(self, body: dict[str, Any]) -> None:
        known = {a.upper() for a in self.attributes}
        for item in body["jsonBody"]:
            email = item["email"].lower()
            if email in self.refused_emails:
                continue
            stored = self.contacts.setdefault(email, {})
            stored.update({k: v for k, v in item.get("attributes", {}).items() if k.upper() in known})
            for list_id in body["listIds"]:
                self.members.setdefault(list_id, set()).add(email)

    @property
    def imported_contacts(self) -> list[dict[str, Any]]:
        return [item for body in self.import_bodies for item in body["jsonBody"]]


def fake_resource(fake: FakeBrevo, **overrides: Any) -> SendinblueResource:
    """A SendinblueResource whose HTTP goes to ``fake`` instead of the network."""

    class FakeSendinblueResource(SendinblueResource):
        def transport(self) -> httpx.BaseTransport:
            return fake.transport()

    settings: dict[str, Any] = {
        "api_key": API_KEY,
        "api_url": "http://brevo.test/v3",
        "accept_data_privacy_terms": True,
        "process_poll_initial": 0.001,
        "process_poll_max": 0.01,
        "retry_wait_initial": 0.001,
        "retry_wait_max": 0.01,
        "other_requests_per_hour": 100_000,
        "contacts_requests_per_second": 10_000,
    }
    settings.update(overrides)
    return FakeSendinblueResource(**settings)
