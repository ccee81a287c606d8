"""Segments cut from a user's own asset, read through that asset's IO manager: the same rule, email rule, key
checks and contract as profiles from the file, and run-time errors naming the asset, the column and the
setting. Run in process (the HTTP side is the end-to-end tests')."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq

from ci_sendinblue.config.models import Settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue.naming import Names
from ci_sendinblue.sendinblue.resources import SyncStateResource
from ci_sendinblue_tests.helpers import base_config, in_process_brevo

NAMES = Names()

DIM_CUSTOMERS = dg.AssetKey(["analytics", "dim_customers"])
PLATINUM = NAMES.segment("platinum")
SEATTLE = NAMES.segment("seattle_high_value")


class ParquetWarehouse(dg.ConfigurableIOManager):
    """A user's IO manager handing back Arrow tables, as a warehouse client does."""

    base_dir: str

    def _path(self, context: dg.OutputContext | dg.InputContext) -> Path:
        return Path(self.base_dir, *context.asset_key.path).with_suffix(".parquet")

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame) -> None:
        self._path(context).parent.mkdir(parents=True, exist_ok=True)
        obj.to_parquet(self._path(context))

    def load_input(self, context: dg.InputContext) -> Any:
        return pq.read_table(self._path(context))


def settings_reading(
    dim_customers: dg.AssetsDefinition, profiles: dict[str, Any] | None = None, **segment_changes: Any
) -> Settings:
    """The test configuration without a profiles file, each segment reading ``dim_customers`` (given as the
    definition itself, as Python code would)."""
    config = copy.deepcopy(base_config())
    del config["profiles"]["path"]
    config["profiles"].update(profiles or {})
    for name, segment in config["segments"].items():
        segment["profiles"] = dim_customers
        segment.update(segment_changes.get(name, {}))
    config["segments"]["platinum"]["max_rejected_share"] = 0.5
    return Settings.model_validate(config)


def users_asset(value: Any, io_manager_key: str = "warehouse") -> dg.AssetsDefinition:
    @dg.asset(key=DIM_CUSTOMERS, io_manager_key=io_manager_key)
    def dim_customers() -> Any:
        return value

    return dim_customers


def materialize_segments(
    tmp_path: Path,
    value: Any,
    io_manager: Any = None,
    profiles: dict[str, Any] | None = None,
    **segment_changes: Any,
) -> dg.ExecuteInProcessResult:
    """The user's asset and the segments, in one run; the lists are left out (no Brevo needed)."""
    dim_customers = users_asset(value)
    ours = build_definitions(settings_reading(dim_customers, profiles, **segment_changes))
    assets = [dim_customers, *(a for a in ours.assets or [] if a.key.path[0] == "segments")]
    warehouse = io_manager or dg.FilesystemIOManager(base_dir=str(tmp_path / "warehouse"))
    return dg.materialize(assets, resources={"warehouse": warehouse, **ours.resources}, raise_on_error=False)


def members(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> pd.DataFrame:
    return result.asset_value(key)


def metadata(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> dict[str, Any]:
    [event] = [m for m in result.get_asset_materialization_events() if m.asset_key == key]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def failures(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    """Step → the failure's description, as the run's page shows it."""
    return {
        event.step_key: event.step_failure_data.user_failure_data.description
        if event.step_failure_data.user_failure_data
        else event.step_failure_data.error.message
        for event in result.get_step_failure_events()
    }


def test_the_segment_reads_the_arrow_table_the_users_io_manager_returns(tmp_path, profiles_frame):
    warehouse = ParquetWarehouse(base_dir=str(tmp_path / "warehouse"))
    result = materialize_segments(tmp_path, profiles_frame, io_manager=warehouse)
    assert result.success, failures(result)
    seattle = members(result, SEATTLE)
    assert seattle["CustomerId"].tolist() == ["C1", "C4", "C5"]
    assert seattle["Email"].tolist() == ["ann@example.com", "ann@example.com", "carl@example.net"]
    assert members(result, PLATINUM)["CustomerId"].tolist() == ["C3"]


def test_rule_email_rule_and_contract_apply_as_to_the_file(tmp_path, profiles_frame):
    """Integer keys from a warehouse become the text the contract requires; C2's address is refused and
    counted as from the file; the pandera contract checked the output."""
    frame = profiles_frame.assign(CustomerId=range(1, len(profiles_frame) + 1))
    result = materialize_segments(tmp_path, frame)
    assert result.success, failures(result)
    seattle = members(result, SEATTLE)
    assert seattle["CustomerId"].tolist() == ["1", "4", "5"]
    described = metadata(result, SEATTLE)
    assert (described["matched"], described["rejected"]) == (4, 1)
    assert described["rejected_sample"] == ["row 2: b***@example (not a valid email address)"]
    [output] = [
        e
        for e in result.all_events
        if e.event_type_value == "STEP_OUTPUT"
        and e.step_key == "segments__seattle_high_value"
        and e.event_specific_data.step_output_handle.output_name == "result"
    ]
    assert 'of type "seattle_high_value_members". (Type check passed)' in output.message


def test_lineage_of_every_column_points_at_the_users_asset(tmp_path, profiles_frame):
    result = materialize_segments(tmp_path, profiles_frame)
    lineage = metadata(result, PLATINUM)["dagster/column_lineage"]
    assert lineage.deps_by_column["Email"] == [dg.TableColumnDep(asset_key=DIM_CUSTOMERS, column_name="Email")]


def test_a_column_the_asset_lacks_fails_the_run_naming_setting_asset_and_column(tmp_path, profiles_frame):
    result = materialize_segments(
        tmp_path,
        profiles_frame.drop(columns=["LastName"]),
        platinum={"where": {"all": [{"field": "tier", "op": "eq", "value": "Platinum"}]}},
    )
    assert not result.success
    columns = "CustomerId, FirstName, Email, Phone, City, Country, LifetimeValue, LoyaltyTier, MarketingConsent"
    failed = failures(result)
    assert failed["segments__platinum"] == (
        f"segments.platinum.where.all[0].field: column 'tier' is not in asset analytics/dim_customers "
        f"(columns: {columns})\n"
        f"exports.newsletter.mapping.LASTNAME: column 'LastName' is not in asset analytics/dim_customers "
        f"(columns: {columns})"
    )
    assert failed["segments__seattle_high_value"].startswith(
        "exports.newsletter.mapping.LASTNAME: column 'LastName' is not in asset analytics/dim_customers"
    )


def test_a_missing_key_or_email_column_names_the_profiles_setting(tmp_path, profiles_frame):
    result = materialize_segments(tmp_path, profiles_frame.rename(columns={"CustomerId": "Id", "Email": "Mail"}))
    message = failures(result)["segments__platinum"]
    assert message.startswith("profiles.key: column 'CustomerId' is not in asset analytics/dim_customers")
    assert "\nprofiles.email: column 'Email' is not in asset analytics/dim_customers" in message


def key_check(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> dg.AssetCheckEvaluation:
    [check] = [
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_key == key and e.check_name == "customer_keys_present_and_unique"
    ]
    return check


def with_bad_keys(profiles_frame: pd.DataFrame) -> pd.DataFrame:
    """C1 twice, and C2 without a key: 3 of 6 rows refused."""
    frame = pd.concat([profiles_frame, profiles_frame.iloc[[0]]], ignore_index=True)
    frame.loc[1, "CustomerId"] = " "
    return frame


def test_missing_and_shared_keys_are_left_out_and_reported(tmp_path, profiles_frame):
    result = materialize_segments(tmp_path, with_bad_keys(profiles_frame), profiles={"max_invalid_key_share": 0.5})
    assert result.success, failures(result)
    described = metadata(result, SEATTLE)
    assert (described["rows_read"], described["missing_key"], described["duplicate_key"]) == (6, 1, 2)
    assert (described["missing_key_rows"], described["duplicate_keys"]) == ("2", ["C1"])
    assert members(result, SEATTLE)["CustomerId"].tolist() == ["C4", "C5"]
    assert key_check(result, SEATTLE).passed


def test_too_many_bad_keys_fail_the_segments_blocking_check(tmp_path, profiles_frame):
    result = materialize_segments(tmp_path, with_bad_keys(profiles_frame))
    assert not result.success
    check = key_check(result, SEATTLE)
    assert check.passed is False
    assert check.description.startswith("3 of 6 rows (50.00%) refused for missing or duplicate customer key")
    assert "fix the data or raise profiles.max_invalid_key_share" in check.description


def test_a_value_that_is_no_table_fails_naming_the_asset_and_the_type(tmp_path):
    result = materialize_segments(tmp_path, {"CustomerId": "C1"})
    assert not result.success
    assert failures(result)["segments__platinum"] == (
        "Cannot read the profiles of asset analytics/dim_customers: it is dict; a segment reads a pandas "
        "DataFrame, a pyarrow Table, or a frame with __arrow_c_stream__, to_arrow() or to_pandas() "
        "(polars, DuckDB, ...)"
    )


def test_the_list_gets_the_same_members_as_from_the_file(tmp_path, profiles_frame):
    """The whole graph in one run with the emulator's Brevo model: the export maps columns of the asset."""
    brevo = in_process_brevo()
    dim_customers = users_asset(profiles_frame)
    ours = build_definitions(settings_reading(dim_customers))
    defs = dg.Definitions.merge(
        dg.Definitions(
            assets=[dim_customers],
            resources={"warehouse": dg.FilesystemIOManager(base_dir=str(tmp_path / "warehouse"))},
        ),
        ours,
    )
    mappings = ours.resources["sendinblue_brevo"].field_mappings
    resources = {
        **defs.resources,
        "sendinblue_brevo": brevo.resource(field_mappings=mappings),
        "sync_state": SyncStateResource(),
    }
    result = dg.materialize(list(defs.assets or []), resources=resources, raise_on_error=False)
    assert result.success, "\n".join(e.step_failure_data.error.message for e in result.get_step_failure_events())
    assert brevo.members(12) == {
        "ann@example.com": {"FIRSTNAME": "Ann", "LASTNAME": "Lee", "SMS": "+12065550142"},
        "carl@example.net": {"FIRSTNAME": "Carl", "LASTNAME": 'Say "hi"\nthere'},
        "zoe@example.org": {"FIRSTNAME": "Zoë", "LASTNAME": "Müller", "SMS": "+49301234567"},
    }


def test_an_assets_own_key_column_keys_its_segment(tmp_path, profiles_frame):
    frame = profiles_frame.rename(columns={"CustomerId": "customer_id"})
    own_key = {"profiles": {"asset": DIM_CUSTOMERS, "key": "customer_id"}}
    result = materialize_segments(tmp_path, frame, platinum=own_key)
    assert members(result, PLATINUM)["customer_id"].tolist() == ["C3"]
    assert failures(result)["segments__seattle_high_value"].startswith(
        "profiles.key: column 'CustomerId' is not in asset analytics/dim_customers"
    ), "a segment without its own key reads profiles.key"
