"""key_prefix: several configurations (several Brevo accounts, several teams) in ONE code location, merged
by Dagster without a clash of names, while a configuration without a prefix keeps every name it always had."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest

from ci_sendinblue.config.loading import ConfigError, ProfilesNotCheckedWarning, load_settings
from ci_sendinblue.config.models import Settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue.naming import Names
from ci_sendinblue_tests.helpers import API_KEY, COLUMNS, KEY_ENV, PROFILES, base_config, write_yaml
from ci_sendinblue_tests.processes import free_port


def team_config(prefix: Any, **changes: Any) -> dict[str, Any]:
    """The test project behind ``prefix``: same segment, export and connection names for every team, and a
    segment that leaves out the connection's opt-outs (so the opt-outs asset is in the graph too)."""
    config = copy.deepcopy(base_config())
    config["segments"]["platinum"]["exclude_optouts"] = ["brevo"]
    config.update(changes)
    if prefix is not None:
        config["key_prefix"] = prefix
    return config


def load_team(folder: Path, config: dict[str, Any], profiles: str = "profiles.csv") -> Settings:
    folder.mkdir(exist_ok=True)
    pd.DataFrame(PROFILES, columns=COLUMNS).to_csv(folder / profiles, index=False)
    return load_settings(write_yaml(folder / "config.yaml", config))


def names_of(defs: dg.Definitions) -> dict[str, set]:
    """Every name a definition of ``defs`` takes in the code location."""
    assets = list(defs.assets or [])
    return {
        "asset keys": {key for asset in assets for key in asset.keys},
        "check keys": {check for asset in assets for check in asset.check_keys},
        "jobs": {job.name for job in defs.jobs or []},
        "schedules": {schedule.name for schedule in defs.schedules or []},
        "sensors": {sensor.name for sensor in defs.sensors or []},
        "resources": set(defs.resources or {}),
        "pools": {asset.op.pool for asset in assets if asset.op.pool},
        "groups": {group for asset in assets for group in asset.group_names_by_key.values()},
        "io managers": {asset.get_io_manager_key_for_asset_key(key) for asset in assets for key in asset.keys},
        "ops": {asset.op.name for asset in assets},
    }


@pytest.fixture
def teams(tmp_path: Path) -> tuple[Settings, Settings]:
    """Two teams, their prefix written as a string and as a list, each with its own profiles file."""
    crm = load_team(tmp_path / "crm", team_config("crm"))
    shop = load_team(tmp_path / "shop", team_config(["shop"]))
    return crm, shop


def test_two_prefixed_configurations_merge_into_one_code_location_with_no_name_in_common(teams, monkeypatch):
    monkeypatch.setenv(KEY_ENV, API_KEY)
    crm, shop = (build_definitions(settings) for settings in teams)

    merged = dg.Definitions.merge(crm, shop)
    dg.Definitions.validate_loadable(merged)

    crm_names, shop_names = names_of(crm), names_of(shop)
    for kind, taken in crm_names.items():
        assert taken, kind
        assert not taken & shop_names[kind], f"{kind} shared: {taken & shop_names[kind]}"
    assert crm_names["jobs"] == {"crm__newsletter_export_job", "crm__all_exports_job"}
    assert crm_names["schedules"] == {"crm__newsletter_schedule"}
    assert crm_names["sensors"] == {"crm__profiles_file_changed_sensor", "crm__run_failure_alert_sensor"}
    assert crm_names["resources"] == {"crm__sendinblue_brevo", "crm__sync_state", "crm__ci_sendinblue_frames"}
    assert crm_names["pools"] == {"crm__brevo_list_12", "crm__brevo_optouts_brevo"}
    assert crm_names["groups"] == {"crm__profiles", "crm__segments", "crm__sendinblue"}
    assert crm_names["io managers"] == {"crm__ci_sendinblue_frames"}
    assert {key.to_user_string() for key in crm_names["asset keys"]} == {
        "crm/customer_profiles",
        "crm/segments/seattle_high_value",
        "crm/segments/platinum",
        "crm/sendinblue/newsletter",
        "crm/sendinblue/brevo_optouts",
    }
    # The op a run config names (the brake's advice says "ops: {<op>: ...}") is the one Dagster made.
    assert all(asset.op.name == Names.op_name(asset.key) for asset in crm.assets or [])
    assert "crm__sendinblue__newsletter" in crm_names["ops"]
    # Each team's jobs select its own assets only.
    for job in crm_names["jobs"]:
        selected = merged.resolve_job_def(job).asset_layer.selected_asset_keys
        assert selected and all(key.path[0] == "crm" for key in selected), job


def test_without_a_prefix_every_name_is_the_one_the_package_always_used(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, API_KEY)
    names = names_of(build_definitions(load_team(tmp_path, team_config(None))))

    assert names["jobs"] == {"newsletter_export_job", "all_exports_job"}
    assert names["schedules"] == {"newsletter_schedule"}
    assert names["sensors"] == {"profiles_file_changed_sensor", "run_failure_alert_sensor"}
    assert names["pools"] == {"brevo_list_12", "brevo_optouts_brevo"}
    assert names["groups"] == {"profiles", "segments", "sendinblue"}
    assert names["ops"] == {
        "customer_profiles",
        "segments__seattle_high_value",
        "segments__platinum",
        "sendinblue__newsletter",
        "sendinblue__brevo_optouts",
    }
    # The one change: the frames' IO manager has a key of its own instead of replacing Dagster's default.
    assert names["resources"] == {"sendinblue_brevo", "sync_state", "ci_sendinblue_frames"}
    assert names["io managers"] == {"ci_sendinblue_frames"}
    assert (Names().export_state("newsletter"), Names().optouts_state("brevo")) == ("newsletter", "brevo")


def test_the_state_keys_and_run_tags_carry_the_prefix(teams):
    crm, _ = teams
    names = crm.names
    assert (names.export_state("newsletter"), names.optouts_state("brevo")) == ("crm/newsletter", "crm/brevo")
    job = build_definitions(crm).resolve_job_def("crm__newsletter_export_job")
    assert job.tags["ci_sendinblue/export"] == "crm/newsletter"
    assert Names(("crm", "emea")).op_name(Names(("crm", "emea")).export_list("newsletter")) == (
        "crm__emea__sendinblue__newsletter"
    )


def test_our_definitions_leave_the_code_locations_default_io_manager_to_its_other_assets(tmp_path, monkeypatch):
    """Merged into a user's project, the package must not change how the user's own assets are stored: the
    frames' IO manager refuses anything but a DataFrame, and the default IO manager pickles a dict fine."""
    monkeypatch.setenv(KEY_ENV, API_KEY)

    @dg.asset
    def users_own_asset() -> dict[str, int]:
        return {"orders": 3}

    @dg.asset
    def users_downstream(users_own_asset: dict[str, int]) -> int:
        return users_own_asset["orders"]

    ours = build_definitions(load_team(tmp_path, team_config("crm")))
    merged = dg.Definitions.merge(ours, dg.Definitions(assets=[users_own_asset, users_downstream]))
    assert "io_manager" not in (merged.resources or {})
    with dg.DagsterInstance.ephemeral() as instance:
        result = merged.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, asset_selection=[users_own_asset.key, users_downstream.key]
        )
    assert result.success
    assert result.output_for_node("users_downstream") == 3


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("crm/", "key_prefix[1]: '' must start with a letter"),
        (["crm", "shop-eu"], "key_prefix[1]: 'shop-eu' must start with a letter"),
        (["crm__eu"], "key_prefix[0]: 'crm__eu' must start with a letter and hold only letters, digits and single"),
        ([1], "key_prefix[0]: Input should be a valid string"),
    ],
)
def test_a_prefix_that_cannot_be_part_of_every_name_is_refused_naming_the_part(tmp_path, written, problem):
    with pytest.raises(ConfigError) as raised:
        load_team(tmp_path, team_config(written))
    assert problem in str(raised.value)


def test_crm_emea_written_as_a_path_is_two_parts(tmp_path):
    settings = load_team(tmp_path, team_config("crm/emea"))
    assert settings.key_prefix == ["crm", "emea"]
    assert settings.names.export_list("newsletter") == dg.AssetKey(["crm", "emea", "sendinblue", "newsletter"])
    assert settings.names.export_job("newsletter") == "crm__emea__newsletter_export_job"


def test_with_no_export_the_all_exports_job_refreshes_its_own_profiles_only(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, API_KEY)
    crm = build_definitions(load_team(tmp_path / "crm", team_config("crm", exports={})))
    shop = build_definitions(load_team(tmp_path / "shop", team_config("shop")))
    merged = dg.Definitions.merge(crm, shop)
    selected = merged.resolve_job_def("crm__all_exports_job").asset_layer.selected_asset_keys
    assert selected == {dg.AssetKey(["crm", "customer_profiles"])}


def failure_logged(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None, capfd) -> str:
    """What the failure sensor logs on its next tick."""
    capfd.readouterr()
    sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))
    return capfd.readouterr().err


def test_each_teams_failure_sensor_reports_its_own_runs_only(tmp_path, monkeypatch, capfd):
    """Two failure sensors in one code location would otherwise both report every failed run: each team
    would be told of the other's failures, and every failure twice."""
    monkeypatch.setenv(KEY_ENV, API_KEY)
    settings = []
    for team in ("crm", "shop"):
        config = team_config(team)
        # nobody answers there: the export's opt-outs read fails at once instead of retrying for 20 s
        config["connections"]["brevo"].update(api_url=f"http://127.0.0.1:{free_port()}/v3", max_attempts=1)
        with pytest.warns(ProfilesNotCheckedWarning):
            settings.append(load_team(tmp_path / team, config, profiles="elsewhere.csv"))
    merged = dg.Definitions.merge(*(build_definitions(s) for s in settings))
    crm_sensor = merged.resolve_sensor_def("crm__run_failure_alert_sensor")
    shop_sensor = merged.resolve_sensor_def("shop__run_failure_alert_sensor")

    with dg.DagsterInstance.ephemeral() as instance:
        cursors = {}
        for sensor in (crm_sensor, shop_sensor):
            context = dg.build_sensor_context(instance=instance)
            sensor.evaluate_tick(context)
            cursors[sensor.name] = context.cursor
        job = merged.resolve_job_def("crm__newsletter_export_job")
        assert not job.execute_in_process(instance=instance, raise_on_error=False).success
        asset_job = merged.resolve_implicit_global_asset_job_def()
        profiles = dg.AssetKey(["shop", "customer_profiles"])
        assert not asset_job.execute_in_process(
            instance=instance, asset_selection=[profiles], raise_on_error=False
        ).success

        crm_log = failure_logged(crm_sensor, instance, cursors[crm_sensor.name], capfd)
        shop_log = failure_logged(shop_sensor, instance, cursors[shop_sensor.name], capfd)

    assert "Run of crm__newsletter_export_job failed" in crm_log
    assert "shop/customer_profiles" not in crm_log
    assert "Run of materialization of shop/customer_profiles failed" in shop_log
    assert "crm__newsletter_export_job" not in shop_log
