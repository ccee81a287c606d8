"""A segment may read its profiles from a user's Dagster asset: how the settings name that asset, and what the
load checks (or leaves to the run) once the profiles file is optional."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from pydantic import ValidationError

from ci_sendinblue.config.loading import ConfigError, load_settings
from ci_sendinblue.config.models import SegmentSettings, Settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue_tests.helpers import base_config

DIM_CUSTOMERS = dg.AssetKey(["analytics", "dim_customers"])
RULE = {"field": "LoyaltyTier", "op": "eq", "value": "Platinum"}


def from_asset(**source: Any) -> dict[str, Any]:
    """The test configuration with segment ``platinum`` read from ``analytics/dim_customers``."""
    config = copy.deepcopy(base_config())
    config["segments"]["platinum"]["profiles"] = {"asset": ["analytics", "dim_customers"], **source}
    return config


def only_assets(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` without a profiles file: every segment reads the asset."""
    config = copy.deepcopy(config)
    config["profiles"].pop("path")
    for segment in config["segments"].values():
        segment.setdefault("profiles", {"asset": "analytics/dim_customers"})
    return config


def problems_of(write_project: Callable[..., Path], config: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_settings(write_project(config))
    return raised.value.problems


@pytest.mark.parametrize("written", [["analytics", "dim_customers"], "analytics/dim_customers"], ids=["list", "slash"])
def test_yaml_names_the_asset_as_a_list_or_a_slash_string(write_project, written):
    config = from_asset()
    config["segments"]["platinum"]["profiles"]["asset"] = written
    settings = load_settings(write_project(config))
    assert settings.profiles_asset("platinum") == DIM_CUSTOMERS
    assert settings.profiles_asset("seattle_high_value") is None, "a segment without profiles reads the file"


def test_python_names_the_asset_by_key_definition_or_spec():
    @dg.asset(key=DIM_CUSTOMERS)
    def dim_customers() -> None: ...

    for given in (DIM_CUSTOMERS, dim_customers, dg.AssetSpec(DIM_CUSTOMERS), ["analytics", "dim_customers"]):
        assert SegmentSettings(where=RULE, profiles=given).profiles.asset_key == DIM_CUSTOMERS
        assert SegmentSettings(where=RULE, profiles={"asset": given}).profiles.asset_key == DIM_CUSTOMERS


def test_a_definition_of_several_assets_is_refused_naming_them():
    @dg.multi_asset(specs=[dg.AssetSpec("a"), dg.AssetSpec("b")])
    def both(): ...

    with pytest.raises(ValidationError, match=r"the definition holds 2 assets \(a, b\): name the one to read"):
        SegmentSettings(where=RULE, profiles=both)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("analytics//dim_customers", "'analytics//dim_customers' is not an asset key: no part may be empty"),
        (["analytics", 3], "every part of an asset key is text"),
        (12, "an asset key is a list of names ([analytics, dim_customers]), a slash-separated string"),
    ],
)
def test_a_malformed_asset_key_is_named_with_its_path(write_project, written, message):
    config = from_asset()
    config["segments"]["platinum"]["profiles"]["asset"] = written
    [problem] = problems_of(write_project, config)
    assert problem.startswith(f"segments.platinum.profiles.asset: {message}")


def test_an_unknown_key_under_a_segments_profiles_is_named(write_project):
    [problem] = problems_of(write_project, from_asset(kye="Id"))
    assert problem == "segments.platinum.profiles.kye: unknown key (check its spelling)"


def test_without_a_profiles_file_a_segment_naming_no_asset_is_told_to_name_one(write_project):
    config = from_asset()
    config["profiles"].pop("path")
    [problem] = problems_of(write_project, config)
    assert problem == (
        "segments.seattle_high_value.profiles: no profiles.path to read: name the asset this segment's profiles "
        "come from, e.g. profiles: {asset: [analytics, dim_customers]}"
    )


def test_without_a_profiles_file_there_is_no_profiles_asset_nor_file_sensor(write_project):
    @dg.asset(key=DIM_CUSTOMERS)
    def dim_customers() -> None: ...

    ours = build_definitions(load_settings(write_project(only_assets(base_config()))))
    defs = dg.Definitions.merge(dg.Definitions(assets=[dim_customers]), ours)
    keys = defs.resolve_asset_graph().get_all_asset_keys()
    assert dg.AssetKey("customer_profiles") not in keys
    assert {sensor.name for sensor in defs.sensors or []} == {
        "profiles_asset_materialized_sensor",
        "run_failure_alert_sensor",
    }


def test_without_a_profiles_section_each_asset_names_its_key_and_the_defaults_apply(write_project):
    config = only_assets(base_config())
    del config["profiles"]
    for segment in config["segments"].values():
        segment["profiles"]["key"] = "CustomerId"
    settings = load_settings(write_project(config))
    assert settings.segment_key_column("platinum") == "CustomerId"
    assert settings.segment_email_column("platinum") == "Email"
    assert settings.profiles.watch is True


def test_an_asset_without_a_key_anywhere_is_told_where_to_name_it(write_project):
    config = only_assets(base_config())
    del config["profiles"]
    config["segments"]["platinum"]["profiles"]["key"] = "CustomerId"
    [problem] = problems_of(write_project, config)
    assert problem == (
        "segments.seattle_high_value.profiles.key: name the column that identifies a profile in the asset, "
        "here or in profiles.key"
    )


def test_an_assets_own_key_overrides_the_profiles_key_for_that_segment(write_project):
    settings = load_settings(write_project(from_asset(key="customer_id")))
    assert settings.segment_key_column("platinum") == "customer_id"
    assert settings.segment_key_column("seattle_high_value") == "CustomerId"


def test_a_profiles_file_still_needs_its_key(write_project):
    config = copy.deepcopy(base_config())
    config["profiles"].pop("key")
    assert problems_of(write_project, config) == ["profiles.key: Field required"]


def test_an_assets_columns_are_left_to_the_run_and_the_files_still_checked(write_project):
    config = from_asset()
    config["segments"]["platinum"]["where"] = {"field": "tier", "op": "eq", "value": "Platinum"}
    config["segments"]["seattle_high_value"]["where"] = {"field": "Town", "op": "eq", "value": "Seattle"}
    problems = problems_of(write_project, config)
    assert [p.split(" (")[0] for p in problems] == [
        "segments.seattle_high_value.where.field: column 'Town' is not in the profiles"
    ]


def test_an_export_of_asset_segments_alone_maps_columns_the_file_lacks(write_project):
    config = from_asset()
    config["exports"]["newsletter"]["segments"] = ["platinum"]
    config["exports"]["newsletter"]["mapping"]["LASTNAME"] = "last_name"
    assert load_settings(write_project(config)).exports["newsletter"].mapping["LASTNAME"] == "last_name"
    config["exports"]["newsletter"]["segments"] = ["platinum", "seattle_high_value"]
    assert problems_of(write_project, config) == [
        "exports.newsletter.mapping.LASTNAME: column 'last_name' is not in the profiles"
    ]


def test_the_email_column_cannot_be_an_assets_own_key(write_project):
    [problem] = problems_of(write_project, from_asset(key="Email"))
    assert problem == "profiles.email: the email column 'Email' cannot also be the profile key"


def test_settings_built_in_python_take_the_asset_definition():
    @dg.asset(key=DIM_CUSTOMERS)
    def dim_customers() -> None: ...

    settings = Settings(
        profiles={"key": "CustomerId"},
        segments={"platinum": {"where": RULE, "profiles": dim_customers}},
        connections={"brevo": {}},
    )
    assert settings.profiles.path is None
    assert settings.profiles_asset("platinum") == DIM_CUSTOMERS
