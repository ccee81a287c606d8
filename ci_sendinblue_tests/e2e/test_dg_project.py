"""A user's own Dagster project, as the README tells them to build it: a throw-away dg project with an
asset of its own, the BrevoExports component scaffolded by `dg scaffold defs`, pointed at that asset and at
the emulator, listed by `dg list defs` (the lineage), materialized by `dg launch`, and its members found in
the emulator's list."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from ci_sendinblue.emulator.process import EmulatorProcess
from ci_sendinblue.segments.emails import normalize_emails
from ci_sendinblue_tests.components.dg_cli import VENV, dagster_home, listed_definitions, run_dg
from ci_sendinblue_tests.helpers import API_KEY, KEY_ENV

pytestmark = pytest.mark.e2e

PYPROJECT = """\
[project]
name = "shop"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["dagster", "ci-sendinblue"]

[tool.dg]
directory_type = "project"

[tool.dg.project]
root_module = "shop"
"""

DEFINITIONS = """\
from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
"""

CUSTOMERS = '''\
"""The shop's customer table: the kind of asset a dbt model or a warehouse load gives a real project."""

import dagster as dg
import pandas as pd


@dg.asset(key=["analytics", "dim_customers"], group_name="analytics")
def dim_customers() -> pd.DataFrame:
    rows = range(1, 41)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in rows],
            "email": ["not-an-address" if i == 15 else f"Customer{i}@Example.com" for i in rows],
            "first_name": [f"First{i}" for i in rows],
            "last_name": [f"Last{i}" for i in rows],
            "marketing_consent": [i % 2 == 0 for i in rows],
        }
    )
'''


def write_project(root: Path) -> None:
    (root / "shop" / "defs").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "shop" / "__init__.py").touch()
    (root / "shop" / "definitions.py").write_text(DEFINITIONS, encoding="utf-8")
    (root / "shop" / "defs" / "__init__.py").touch()
    (root / "shop" / "defs" / "customers.py").write_text(CUSTOMERS, encoding="utf-8")
    (root / ".venv").symlink_to(VENV)  # the project's environment: this one, where ci-sendinblue is installed


def point_at_emulator(defs_yaml: Path, emulator: EmulatorProcess) -> None:
    """What a user edits after scaffolding: the account (here the emulator) and the privacy terms."""
    text = defs_yaml.read_text("utf-8")
    connection = textwrap.indent(
        f"api_url: {emulator.api_url}\nprocess_poll_initial: 0.05\nprocess_poll_max: 0.2\n", " " * 6
    )
    text = text.replace(f"api_key_env: {KEY_ENV}", f"api_key_env: {KEY_ENV}\n{connection.rstrip()}", 1)
    text = text.replace("accept_data_privacy_terms: false", "accept_data_privacy_terms: true", 1)
    defs_yaml.write_text(text, encoding="utf-8")


def test_a_scaffolded_component_exports_a_project_asset_to_the_list(emulator: EmulatorProcess, tmp_path: Path):
    root = tmp_path / "shop"
    home = dagster_home(tmp_path / "dagster_home")
    write_project(root)

    params = {"asset": "analytics/dim_customers", "list_id": 12, "api_key_env": KEY_ENV}
    scaffolded = run_dg(
        "scaffold", "defs", "ci_sendinblue.BrevoExports", "brevo", "--json-params", json.dumps(params),
        cwd=root, home=home,
    )  # fmt: skip
    assert scaffolded.returncode == 0, scaffolded.stderr[-3000:]
    defs_yaml = root / "shop" / "defs" / "brevo" / "defs.yaml"
    assert "type: ci_sendinblue.BrevoExports" in defs_yaml.read_text("utf-8")
    point_at_emulator(defs_yaml, emulator)

    listed = {asset["asset_key"]: asset for asset in listed_definitions(root, home)["assets"]}
    assert listed["brevo/segments/subscribers"]["dependency_keys"] == ["analytics/dim_customers"]
    assert listed["brevo/sendinblue/newsletter"]["dependency_keys"] == ["brevo/segments/subscribers"]

    launched = run_dg(
        "launch", "--assets", "analytics/dim_customers,brevo/segments/subscribers,brevo/sendinblue/newsletter",
        cwd=root, home=home, env={KEY_ENV: API_KEY},
    )  # fmt: skip
    assert launched.returncode == 0, launched.stdout[-3000:] + launched.stderr[-3000:]
    assert API_KEY not in launched.stdout + launched.stderr

    consenting = [f"Customer{i}@Example.com" for i in range(2, 41, 2)]
    expected, _ = normalize_emails(pd.Series(consenting))
    members = {member["email"]: member for member in emulator.members(12)}
    assert set(members) == set(expected)
    assert members["customer2@example.com"]["attributes"]["FIRSTNAME"] == "First2"
