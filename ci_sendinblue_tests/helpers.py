"""What the tests share besides fixtures: small explicit profiles and configurations, the expected list
computed independently of the pipeline, and the emulator run in process behind the project's resource."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import httpx
import pandas as pd
import yaml

from ci_sendinblue.emulator import EmulatorSettings, create_app
from ci_sendinblue.emulator.runtime import Runtime
from ci_sendinblue.emulator.transport import EmulatorTransport
from ci_sendinblue.segments.emails import normalize_emails
from ci_sendinblue.sendinblue.phones import normalize_phones
from ci_sendinblue.sendinblue.resources import SendinblueResource

PROFILES = [
    # CustomerId, FirstName, LastName, Email, Phone, City, Country, LifetimeValue, LoyaltyTier, MarketingConsent
    ["C1", "Ann", "Lee", " Ann@Example.com ", "(206) 555-0142", "Seattle", "US", "1500", "Gold", "true"],
    ["C2", "Bob", "O'Brien; Jr", "bob@example", "+33612345678", "Seattle", "FR", "2000", "Silver", "true"],
    ["C3", "Zoë", "Müller", "zoe@example.org", "030 1234567", "Berlin", "DE", "50", "Platinum", "true"],
    ["C4", "Annie", "Dup", "ann@example.com", "", "Redmond", "US", "3000", "Gold", "true"],
    ["C5", "Carl", 'Say "hi"\nthere', "carl@example.net", "12", "Seattle", "US", "1200", "Bronze", "false"],
]
COLUMNS = [
    "CustomerId",
    "FirstName",
    "LastName",
    "Email",
    "Phone",
    "City",
    "Country",
    "LifetimeValue",
    "LoyaltyTier",
    "MarketingConsent",
]
ATTRIBUTES = ["FIRSTNAME", "LASTNAME", "SMS"]
SAFE_ROUTES = frozenset(
    {
        "GET /contacts",
        "GET /contacts/{identifier}",
        "GET /contacts/attributes",
        "GET /contacts/folders",
        "GET /contacts/lists",
        "GET /contacts/lists/{listId}",
        "GET /contacts/lists/{listId}/contacts",
        "GET /processes/{processId}",
        "POST /contacts/doubleOptinConfirmation",
        "POST /contacts/folders",
        "POST /contacts/import",
        "POST /contacts/lists",
        "POST /contacts/lists/{listId}/contacts/remove",
    }
)
"""Every Brevo route the project may call, and none that lifts an opt-out: no contact update (where
``emailBlacklisted: false`` unblocks), no contact deletion (which forgets the opt-out), no SMS/email unblock.
Imports are on the list because their bodies are checked too (:func:`blocklist_flags`); a double opt-in
confirmation never lifts an opt-out (the emulator models Brevo's rule)."""


LISTED_ATTRIBUTES = [
    {"name": "FIRSTNAME", "category": "normal", "type": "text"},
    {"name": "LTV", "category": "normal", "type": "float"},
    {"name": "BIRTHDAY", "category": "normal", "type": "date"},
    {"name": "OPTIN", "category": "normal", "type": "boolean"},
    {
        "name": "TIER",
        "category": "category",
        "enumeration": [{"value": 1, "label": "Gold"}, {"value": 2, "label": "Silver"}],
    },
    {"name": "SIZE", "category": "normal", "type": "category", "enumeration": [{"value": 1, "label": "S"}]},
    {"name": "INTERESTS", "category": "normal", "type": "multiple-choice", "multiCategoryOptions": ["Yoga", "Run"]},
    {"name": "ORDER_ID", "category": "transactional", "type": "id"},
    {"name": "ORDER_TOTAL", "category": "transactional", "type": "float"},
    {"name": "ORDERS", "category": "calculated", "calculatedValue": "COUNT[ORDER_ID]"},
    {"name": "ALL_ORDERS", "category": "global", "calculatedValue": "SUM[ORDERS]"},
    {"name": "SMS", "category": "normal", "type": "text"},
    {"name": "Legacy"},
]
"""An account's ``GET /contacts/attributes`` with every category and type, as Brevo lists them (a category
attribute with and without ``type``, a multiple-choice one, transactional, calculated and global ones, and a
legacy entry with a name only)."""


def blocklist_flags(body: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every key of a request body that sets a blocklist (``emailBlacklist``, ``smsBlacklisted``, ...), with
    its path and value: a body may only leave them out or say ``false`` on an import, which leaves the
    blocklist alone."""
    if isinstance(body, dict):
        for key, value in body.items():
            if "blacklist" in str(key).lower() or "blocklist" in str(key).lower():
                yield f"{path}{key}", value
            yield from blocklist_flags(value, f"{path}{key}.")
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield from blocklist_flags(value, f"{path}{index}.")


API_KEY = "e2e-key-5f3a9c1d7e"
KEY_ENV = "SENDINBLUE_API_KEY"


def base_config(profiles_path: str = "profiles.csv") -> dict[str, Any]:
    return {
        "profiles": {"path": profiles_path, "key": "CustomerId"},
        "segments": {
            "seattle_high_value": {
                "description": "Seattle customers worth over 1000",
                "where": {
                    "all": [
                        {"field": "City", "op": "in", "value": ["Seattle", "Redmond"]},
                        {"field": "LifetimeValue", "op": "gt", "value": 1000},
                    ]
                },
                "max_rejected_share": 0.5,
            },
            "platinum": {"where": {"field": "LoyaltyTier", "op": "eq", "value": "Platinum"}},
        },
        "connections": {
            "brevo": {
                "api_key_env": KEY_ENV,
                "api_url": "http://127.0.0.1:9/v3",
                "accept_data_privacy_terms": True,
            }
        },
        "exports": {
            "newsletter": {
                "connection": "brevo",
                "list_id": 12,
                "segments": ["seattle_high_value", "platinum"],
                "mapping": {"email": "Email", "FIRSTNAME": "FirstName", "LASTNAME": "LastName", "SMS": "Phone"},
                "phone_region_column": "Country",
                "schedule": "0 2 * * *",
            }
        },
    }


def e2e_config(api_url: str, **export_changes: Any) -> dict[str, Any]:
    """``base_config`` pointed at an emulator, with waits and limits shortened for tests."""
    config = copy.deepcopy(base_config())
    config["connections"]["brevo"].update(
        api_url=api_url,
        process_poll_initial=0.02,
        process_poll_max=0.1,
        retry_timeout=20,
        other_requests_per_hour=1_000_000,
        contacts_requests_per_second=1_000,
    )
    config["segments"]["platinum"]["max_rejected_share"] = 0.5  # sample data is messy on purpose
    config["exports"]["newsletter"].update(export_changes)
    return config


def hostile_config(api_url: str, profiles_path: str = "profiles.csv") -> dict[str, Any]:
    """The e2e configuration with every brake on rejected rows opened: the corpus is hostile on purpose."""
    config = copy.deepcopy(e2e_config(api_url))
    config["profiles"].update(path=profiles_path, max_invalid_key_share=1.0)
    for segment in config["segments"].values():
        segment["max_rejected_share"] = 1.0
    config["mask_personal_data"] = False
    return config


def write_yaml(path: Path, config: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return path


def expected_members(profiles: pd.DataFrame) -> dict[str, dict[str, str]]:
    """What the test config's export should leave in the list, computed independently of the pipeline."""
    values = pd.to_numeric(profiles["LifetimeValue"], errors="coerce")
    in_segment = (profiles["City"].isin(["Seattle", "Redmond"]) & (values > 1000)) | (
        profiles["LoyaltyTier"] == "Platinum"
    )
    chosen = profiles[in_segment].copy()
    chosen["email"], reasons = normalize_emails(chosen["Email"])
    chosen = chosen[reasons.isna()]
    # Segment order: seattle_high_value first, then platinum; within a segment, profile order.
    first_segment = chosen["City"].isin(["Seattle", "Redmond"]) & (pd.to_numeric(chosen["LifetimeValue"]) > 1000)
    chosen = pd.concat([chosen[first_segment], chosen[~first_segment]]).drop_duplicates("email")
    phones, _ = normalize_phones(chosen["Phone"], chosen["Country"])
    phones = phones.mask(phones.duplicated() & phones.notna())
    members = {}
    for (_, row), phone in zip(chosen.iterrows(), phones, strict=True):
        attributes = {"FIRSTNAME": row["FirstName"], "LASTNAME": row["LastName"]}
        attributes = {k: v.strip() for k, v in attributes.items() if isinstance(v, str) and v.strip()}
        if isinstance(phone, str):
            attributes["SMS"] = phone
        members[row["email"]] = attributes
    return members


@dataclass
class Run:
    result: dg.ExecuteInProcessResult
    instance: dg.DagsterInstance

    @property
    def failure_message(self) -> str:
        return "\n".join(e.step_failure_data.error.message for e in self.result.get_step_failure_events())

    def metadata(self, key: dg.AssetKey) -> dict[str, Any]:
        [event] = [
            e.event_specific_data.materialization
            for e in self.result.get_asset_materialization_events()
            if e.event_specific_data.materialization.asset_key == key
        ]
        return {k: v.value for k, v in event.metadata.items()}


@dataclass(frozen=True)
class SentRequest:
    method: str
    path: str
    """Without the ``/v3`` prefix, as Brevo's documentation writes it."""
    body: Any


class _RecordingTransport(httpx.BaseTransport):
    """Notes every request on its way to the emulator, so a test can say what the client sent."""

    def __init__(self, inner: httpx.BaseTransport, sent: list[SentRequest]) -> None:
        self._inner = inner
        self._sent = sent

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()
        body = json.loads(content) if content else None
        self._sent.append(SentRequest(request.method, request.url.path.removeprefix("/v3"), body))
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


@dataclass
class InProcessBrevo:
    """The emulator's app in this process: the Brevo model the emulator process serves, without a server."""

    settings: EmulatorSettings
    sent: list[SentRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.app = create_app(self.settings)

    @property
    def runtime(self) -> Runtime:
        return self.app.state.emulator

    def members(self, list_id: int = 12) -> dict[str, dict[str, Any]]:
        """Email → attributes of every contact in the list, as Brevo holds them."""
        return {c.email: dict(c.attributes) for c in self.runtime.account.members(list_id)}

    @property
    def export_requests(self) -> list[SentRequest]:
        """The requests sent for exports: all but the opt-outs asset's reads of ``GET /contacts``."""
        return [request for request in self.sent if request.path != "/contacts"]

    @property
    def imported(self) -> Iterator[dict[str, Any]]:
        """Every contact of every ``POST /contacts/import`` body sent, in order."""
        for request in self.sent:
            if (request.method, request.path) == ("POST", "/contacts/import"):
                yield from request.body["jsonBody"]

    def resource(self, **overrides: Any) -> SendinblueResource:
        """The project's resource, its HTTP sent to this emulator; fast polls, no client-side rate limits."""
        brevo = self

        class InProcessSendinblueResource(SendinblueResource):
            def transport(self) -> httpx.BaseTransport:
                return _RecordingTransport(EmulatorTransport(brevo.app), brevo.sent)

        settings: dict[str, Any] = {
            "api_key": self.settings.api_key,
            "api_url": "http://brevo.test/v3",
            "accept_data_privacy_terms": True,
            "process_poll_initial": 0.001,
            "process_poll_max": 0.01,
            "retry_wait_initial": 0.001,
            "retry_wait_max": 0.01,
            "contacts_requests_per_second": None,
            "other_requests_per_hour": None,
        }
        settings.update(overrides)
        return InProcessSendinblueResource(**settings)


def in_process_brevo(**overrides: Any) -> InProcessBrevo:
    """An emulated account with list 12 and an English-language account's attributes; processes complete at
    the next request."""
    options: dict[str, Any] = {
        "api_key": API_KEY,
        "lists": {12: "Newsletter"},
        "attributes": tuple(ATTRIBUTES),
        "process_delay": 0.0,
        "contacts_rate": None,
        "hourly_budget": None,
    }
    options.update(overrides)
    return InProcessBrevo(EmulatorSettings(**options))
