"""Fixtures for the emulator tests: an in-process app on a fake clock, driven by Starlette's TestClient."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

# Starlette 1.x nags that its TestClient should sit on httpx2; httpx is what the project has.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from starlette.testclient import TestClient  # noqa: E402

from ci_sendinblue.emulator import EmulatorSettings, create_app  # noqa: E402
from ci_sendinblue_tests.emulator.helpers import FakeClock, MakeClient  # noqa: E402

API_KEY = "test-key"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(clock: FakeClock) -> Iterator[MakeClient]:
    """Build a TestClient on a fresh emulator; keyword arguments override ``EmulatorSettings``.

    Defaults suit state tests: list 12 "Newsletter", no rate limits, processes take 10 s of fake time.
    """
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        options: dict[str, Any] = {
            "api_key": API_KEY,
            "lists": {12: "Newsletter"},
            "process_delay": 10.0,
            "contacts_rate": None,
            "hourly_budget": None,
        }
        options.update(overrides)
        client = TestClient(
            create_app(EmulatorSettings(**options), clock=clock),
            base_url="https://api.brevo.com",
            headers={"api-key": API_KEY},
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    return make_client()
