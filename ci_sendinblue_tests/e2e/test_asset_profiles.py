"""A user's own Dagster asset feeds a Brevo list, over HTTP to the emulator process: the user materializes the
asset (stored by a standard Dagster IO manager), the sensor starts the export's job, and the list holds the
segment's members; the lineage runs from the user's table through the segment to the list."""

from __future__ import annotations

import copy
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from ci_sendinblue.config.loading import load_settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue.naming import Names
from ci_sendinblue_tests.helpers import API_KEY, KEY_ENV, e2e_config, expected_members, write_yaml

NAMES = Names()
pytestmark = pytest.mark.e2e
DIM_CUSTOMERS = dg.AssetKey(["analytics", "dim_customers"])


def users_definitions(profiles: pd.DataFrame, warehouse: Path) -> dg.Definitions:
    """What a user's project holds: a table built by their own asset, stored by a Dagster IO manager."""

    @dg.asset(key=DIM_CUSTOMERS, io_manager_key="warehouse_io", group_name="analytics")
    def dim_customers() -> pd.DataFrame:
        return profiles

    return dg.Definitions(
        assets=[dim_customers], resources={"warehouse_io": dg.FilesystemIOManager(base_dir=str(warehouse))}
    )


def project(emulator, profiles: pd.DataFrame, tmp_path: Path) -> dg.Definitions:
    """The YAML configuration without a profiles file, every segment reading the user's asset, merged into
    the user's Definitions as their code location would."""
    config = copy.deepcopy(e2e_config(emulator.api_url))
    del config["profiles"]["path"]
    for segment in config["segments"].values():
        segment["profiles"] = {"asset": ["analytics", "dim_customers"]}
    settings = load_settings(write_yaml(tmp_path / "config.yaml", config))
    return dg.Definitions.merge(users_definitions(profiles, tmp_path / "warehouse"), build_definitions(settings))


def test_a_users_asset_materialized_refreshes_the_list_through_the_sensor(
    emulator, profiles_frame, tmp_path, monkeypatch
):
    monkeypatch.setenv(KEY_ENV, API_KEY)
    defs = project(emulator, profiles_frame, tmp_path)
    sensor = defs.resolve_sensor_def(NAMES.profiles_asset_sensor)
    (tmp_path / "home").mkdir()
    with dg.DagsterInstance.local_temp(str(tmp_path / "home"), overrides={"telemetry": {"enabled": False}}) as instance:
        first = dg.build_sensor_context(instance=instance)
        sensor.evaluate_tick(first)

        users_run = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, asset_selection=[DIM_CUSTOMERS]
        )
        assert users_run.success

        [request] = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=first.cursor)).run_requests
        assert request.job_name == "newsletter_export_job"
        export_run = defs.resolve_job_def(request.job_name).execute_in_process(
            instance=instance, tags=request.tags, raise_on_error=False
        )

    failures = [e.step_failure_data.error.message for e in export_run.get_step_failure_events()]
    assert export_run.success, failures
    listed = {m["email"]: m["attributes"] for m in emulator.members(12)}
    assert listed == expected_members(profiles_frame)
    built = {e.asset_key for e in export_run.get_asset_materialization_events()}
    assert DIM_CUSTOMERS not in built, "the export reads the user's last materialization, never rebuilds it"
    assert {NAMES.segment("platinum"), NAMES.export_list("newsletter")} <= built


def test_the_asset_graph_runs_from_the_users_table_through_the_segments_to_the_list(emulator, profiles_frame, tmp_path):
    graph = project(emulator, profiles_frame, tmp_path).resolve_asset_graph()
    assert graph.get(NAMES.segment("platinum")).parent_keys == {DIM_CUSTOMERS}
    assert graph.get(NAMES.export_list("newsletter")).parent_keys == {
        NAMES.segment("seattle_high_value"),
        NAMES.segment("platinum"),
    }
    assert dg.AssetKey("customer_profiles") not in graph.get_all_asset_keys()
