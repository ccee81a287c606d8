"""The Python API as the README shows it: ``brevo_list_asset`` wires a Brevo list to an asset of the user's
own, merged into their Definitions, materialized over HTTP against the emulator process."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from ci_sendinblue import brevo_list_asset, build_brevo_exports
from ci_sendinblue.config.loading import ConfigError
from ci_sendinblue_tests.helpers import API_KEY, KEY_ENV

pytestmark = pytest.mark.e2e

CUSTOMERS = pd.DataFrame(
    {
        "customer_id": ["C1", "C2", "C3", "C4", "C5"],
        "email": ["Ann@Example.com", "bob@example.com", "not-an-address", "dee@example.com", "eve@example.com"],
        "first_name": ["Ann", "Bob", "Cy", "Dee", "Eve"],
        "marketing_consent": [True, False, False, True, True],
    }
)


@dg.asset(key=["analytics", "dim_customers"], group_name="analytics")
def dim_customers() -> pd.DataFrame:
    return CUSTOMERS


def emulator_connection(emulator) -> dict:
    return {
        "api_url": emulator.api_url,
        "accept_data_privacy_terms": True,
        "process_poll_initial": 0.02,
        "process_poll_max": 0.1,
    }


def test_brevo_list_asset_exports_the_rows_of_a_users_asset(emulator, tmp_path: Path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, API_KEY)
    brevo = brevo_list_asset(
        "newsletter",
        source=dim_customers,
        list_id=12,
        api_key_env=KEY_ENV,
        key="customer_id",
        mapping={"email": "email", "FIRSTNAME": "first_name"},
        where={"field": "marketing_consent", "op": "eq", "value": True},
        connection=emulator_connection(emulator),
        key_prefix="crm",
    )
    users = dg.Definitions(
        assets=[dim_customers], resources={"io_manager": dg.FilesystemIOManager(base_dir=str(tmp_path / "io"))}
    )
    defs = dg.Definitions.merge(users, brevo)

    graph = defs.resolve_asset_graph()
    segment, listed = dg.AssetKey(["crm", "segments", "newsletter"]), dg.AssetKey(["crm", "sendinblue", "newsletter"])
    assert graph.get(segment).parent_keys == {dim_customers.key}
    assert graph.get(listed).parent_keys == {segment}

    (tmp_path / "home").mkdir()
    with dg.DagsterInstance.local_temp(str(tmp_path / "home"), overrides={"telemetry": {"enabled": False}}) as instance:
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, asset_selection=[dim_customers.key, segment, listed], raise_on_error=False
        )
    assert result.success
    members = {member["email"]: member["attributes"] for member in emulator.members(12)}
    assert members == {
        "ann@example.com": {"FIRSTNAME": "Ann"},
        "dee@example.com": {"FIRSTNAME": "Dee"},
        "eve@example.com": {"FIRSTNAME": "Eve"},
    }


def test_build_brevo_exports_names_the_setting_at_fault():
    with pytest.raises(ConfigError) as raised:
        build_brevo_exports(
            segments={"gold": {"profiles": {"asset": dim_customers}, "where": {"field": "tier", "op": "eq"}}},
            connections={"brevo": {"api_key_env": "BREVO_API_KEY"}},
            exports={"newsletter": {"connection": "brevo", "list_id": 12, "segments": ["gold"], "mapping": {}}},
            profiles={"key": "customer_id", "email": "email"},
        )
    problems = raised.value.problems
    assert "segments.gold.where: operator 'eq' needs a single value" in problems
    assert any(problem.startswith("exports.newsletter.mapping: ") for problem in problems), problems
