"""What the emulator tests share: a clock moved by hand and small request helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.testclient import TestClient

MakeClient = Callable[..., "TestClient"]


class FakeClock:
    """A monotonic clock the test moves by hand, so process phases and rate windows are deterministic."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def import_json(client: TestClient, rows: list[dict[str, Any]], list_ids: list[int], **options: Any) -> int:
    """POST /contacts/import with a jsonBody; return the process id."""
    response = client.post("/v3/contacts/import", json={"jsonBody": rows, "listIds": list_ids, **options})
    assert response.status_code == 202, response.text
    return response.json()["processId"]


def complete(client: TestClient) -> None:
    """Complete every pending process (inspection API)."""
    client.post("/_emulator/processes/complete").raise_for_status()


def members(client: TestClient, list_id: int) -> list[dict[str, Any]]:
    """Members of a list through the inspection API."""
    response = client.get(f"/_emulator/lists/{list_id}/members")
    response.raise_for_status()
    return response.json()
