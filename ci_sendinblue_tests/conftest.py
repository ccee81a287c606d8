"""Shared fixtures: small, explicit profiles and configuration files written to a temporary folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

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
                "api_key_env": "SENDINBLUE_API_KEY",
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


@pytest.fixture
def profiles_frame() -> pd.DataFrame:
    return pd.DataFrame(PROFILES, columns=COLUMNS)


@pytest.fixture
def write_project(tmp_path: Path, profiles_frame: pd.DataFrame) -> Callable[..., Path]:
    """Write profiles.csv and config.yaml into tmp_path; returns the config's path."""

    def write(config: dict[str, Any] | None = None, profiles: pd.DataFrame | None = None) -> Path:
        frame = profiles_frame if profiles is None else profiles
        frame.to_csv(tmp_path / "profiles.csv", index=False)
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(config or base_config(), sort_keys=False, allow_unicode=True))
        return path

    return write
