"""Shared fixtures: small, explicit profiles and configuration files written to a temporary folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from ci_sendinblue_tests.helpers import COLUMNS, PROFILES, base_config


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
