"""The code location loads, and its schedules and sensor start what a user expects, no more."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import dagster as dg

from ci_sendinblue.config.loading import BUNDLED_CONFIG, load_settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue_tests.helpers import base_config


def test_the_bundled_example_loads():
    defs = build_definitions(load_settings(BUNDLED_CONFIG))
    dg.Definitions.validate_loadable(defs)


def test_the_module_level_definitions_load_from_the_configured_file(write_project, monkeypatch):
    monkeypatch.setenv("CI_SENDINBLUE_CONFIG", str(write_project()))
    import importlib

    import ci_sendinblue.definitions as module

    defs = importlib.reload(module).defs
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == {
        "customer_profiles",
        "segments/seattle_high_value",
        "segments/platinum",
        "sendinblue/newsletter",
        "sendinblue/brevo_optouts",
    }


def test_lineage_runs_from_profiles_through_segments_to_the_list(write_project):
    graph = build_definitions(load_settings(write_project())).resolve_asset_graph()
    parents = graph.get(dg.AssetKey(["sendinblue", "newsletter"])).parent_keys
    assert parents == {dg.AssetKey(["segments", "seattle_high_value"]), dg.AssetKey(["segments", "platinum"])}
    assert graph.get(dg.AssetKey(["segments", "platinum"])).parent_keys == {dg.AssetKey("customer_profiles")}


def test_an_export_with_a_schedule_gets_a_running_schedule_of_its_job(write_project):
    defs = build_definitions(load_settings(write_project()))
    schedule = defs.resolve_schedule_def("newsletter_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.job_name == "newsletter_export_job"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_an_on_demand_export_has_no_schedule(write_project):
    config = copy.deepcopy(base_config())
    config["exports"]["newsletter"]["schedule"] = None
    defs = build_definitions(load_settings(write_project(config)))
    assert list(defs.schedules or []) == []


def test_runs_execute_in_process(write_project):
    job = build_definitions(load_settings(write_project())).resolve_job_def("newsletter_export_job")
    assert job.executor_def.name == dg.in_process_executor.name


def test_the_sensor_starts_nothing_on_its_first_look_or_an_unchanged_file(write_project):
    path = write_project()
    sensor = build_definitions(load_settings(path)).resolve_sensor_def("profiles_file_changed_sensor")
    first = dg.build_sensor_context()
    assert isinstance(sensor.evaluate_tick(first).skip_message, str)
    again = dg.build_sensor_context(cursor=first.cursor)
    assert sensor.evaluate_tick(again).run_requests == []


def test_the_sensor_starts_a_refresh_when_the_profiles_file_changes(write_project):
    path = write_project()
    sensor = build_definitions(load_settings(path)).resolve_sensor_def("profiles_file_changed_sensor")
    first = dg.build_sensor_context()
    sensor.evaluate_tick(first)
    profiles = path.parent / "profiles.csv"
    profiles.write_text(profiles.read_text() + "C9,New,Person,new@example.com,,Seattle,US,5000,Gold,true\n")
    os.utime(profiles, ns=(1, 2_000_000_000_000_000_000))
    result = sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor))
    assert len(result.run_requests) == 1
    assert sensor.job_name == "all_exports_job"


def test_saving_the_configuration_starts_nothing(write_project):
    path = write_project()
    sensor = build_definitions(load_settings(path)).resolve_sensor_def("profiles_file_changed_sensor")
    first = dg.build_sensor_context()
    sensor.evaluate_tick(first)
    path.write_text(path.read_text() + "\n# edited\n")
    assert sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor)).run_requests == []


def test_the_api_key_is_an_environment_variable_not_a_value(write_project):
    defs = build_definitions(load_settings(write_project()))
    resource = defs.resources["sendinblue_brevo"]
    assert resource.api_key == dg.EnvVar("SENDINBLUE_API_KEY")
    assert resource.field_mappings["newsletter"]["email"] == "Email"


def test_dagster_validates_the_workspace_from_the_command_line(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    completed = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=root,
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "All code locations passed validation" in completed.stdout + completed.stderr


def test_the_package_uses_only_dagsters_public_api():
    """Private modules (``dagster._...``) change without notice between Dagster releases."""
    import ci_sendinblue

    package = Path(ci_sendinblue.__file__).parent
    private = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if line.lstrip().startswith(("from dagster._", "import dagster._"))
    ]
    assert private == []


def test_a_list_named_by_name_shows_its_name_until_a_run_resolves_it(write_project):
    config = copy.deepcopy(base_config())
    export = config["exports"]["newsletter"]
    del export["list_id"]
    export["list"] = {"name": "Spring leads", "folder": "Marketing", "create_if_missing": True}
    defs = build_definitions(load_settings(write_project(config)))
    key = dg.AssetKey(["sendinblue", "newsletter"])
    asset = defs.resolve_assets_def(key)
    spec = asset.specs_by_key[key]
    assert spec.description.startswith("Brevo list 'Spring leads' in folder 'Marketing', fed by segment(s)")
    assert "list_id" not in spec.metadata
    assert spec.metadata["list"].value.startswith("'Spring leads' in folder 'Marketing' (created if missing)")
    assert asset.op.pool == "brevo_list_named_brevo_Marketing_Spring_leads", "one run at a time creates or writes it"
