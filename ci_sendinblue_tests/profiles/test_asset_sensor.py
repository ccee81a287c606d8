"""When a user's asset that segments read is materialized, the sensor starts the jobs of exactly the exports
sending those segments; those jobs read the asset without rebuilding it (or what it is built from)."""

from __future__ import annotations

import copy
from typing import Any

import dagster as dg
import pytest

from ci_sendinblue.config.models import Settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue.naming import Names
from ci_sendinblue_tests.helpers import base_config

NAMES = Names()

RAW = dg.AssetKey(["raw", "customers"])
DIM_CUSTOMERS = dg.AssetKey(["analytics", "dim_customers"])
DIM_LEADS = dg.AssetKey(["analytics", "dim_leads"])


@dg.asset(key=RAW)
def raw_customers() -> None: ...


@dg.asset(key=DIM_CUSTOMERS, deps=[raw_customers])
def dim_customers() -> None: ...


@dg.asset(key=DIM_LEADS)
def dim_leads() -> None: ...


def config(**changes: Any) -> dict[str, Any]:
    """Export ``newsletter`` sends platinum (from analytics/dim_customers) and seattle_high_value (from the
    file); export ``seattle`` sends seattle_high_value alone."""
    written = copy.deepcopy(base_config())
    written["segments"]["platinum"]["profiles"] = {"asset": "analytics/dim_customers"}
    written["exports"]["seattle"] = {
        **written["exports"]["newsletter"],
        "list_id": 13,
        "segments": ["seattle_high_value"],
    }
    written.update(changes)
    return written


def definitions(settings: dict[str, Any]) -> dg.Definitions:
    users = dg.Definitions(assets=[raw_customers, dim_customers, dim_leads])
    return dg.Definitions.merge(users, build_definitions(Settings.model_validate(settings)))


def sensor(settings: dict[str, Any] | None = None) -> dg.SensorDefinition:
    return definitions(settings or config()).resolve_sensor_def(NAMES.profiles_asset_sensor)


def materialized(instance: dg.DagsterInstance, *keys: dg.AssetKey) -> None:
    for key in keys:
        instance.report_runless_asset_event(dg.AssetMaterialization(key))


def tick(watching: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None) -> Any:
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    result = watching.evaluate_tick(context)
    return result, context.cursor


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


def test_the_first_look_remembers_and_starts_nothing(instance):
    result, cursor = tick(sensor(), instance, None)
    assert result.run_requests == []
    assert result.skip_message == (
        "first look at asset analytics/dim_customers (not materialized yet): remembered, nothing started"
    )
    assert cursor is not None


def test_a_materialization_starts_the_jobs_of_the_exports_sending_segments_of_that_asset(instance):
    watching = sensor()
    _, cursor = tick(watching, instance, None)
    materialized(instance, DIM_CUSTOMERS)
    result, cursor = tick(watching, instance, cursor)

    [request] = result.run_requests
    assert request.job_name == "newsletter_export_job", "export seattle reads the file alone"
    [stored] = instance.fetch_materializations(DIM_CUSTOMERS, limit=1).records
    assert request.run_key == f"profiles_asset_materialized:newsletter:analytics/dim_customers@{stored.storage_id}"
    assert request.tags["ci_sendinblue/trigger"] == "profiles_asset_materialized"
    assert request.tags["ci_sendinblue/profiles_assets"] == "analytics/dim_customers"
    assert request.tags["ci_sendinblue/reason"].startswith("asset analytics/dim_customers materialized ")

    again, _ = tick(watching, instance, cursor)
    assert again.run_requests == []
    assert again.skip_message.startswith("no new materialization of asset analytics/dim_customers since ")


def test_a_materialization_before_the_first_look_is_remembered_not_exported(instance):
    materialized(instance, DIM_CUSTOMERS)
    result, _ = tick(sensor(), instance, None)
    assert result.run_requests == []
    assert result.skip_message.startswith("first look at asset analytics/dim_customers (last materialized ")


def test_an_export_reading_two_changed_assets_runs_once(instance):
    settings = config()
    settings["segments"]["seattle_high_value"]["profiles"] = {"asset": ["analytics", "dim_leads"]}
    watching = sensor(settings)
    _, cursor = tick(watching, instance, None)
    materialized(instance, DIM_CUSTOMERS, DIM_LEADS)
    result, _ = tick(watching, instance, cursor)
    assert sorted(r.job_name for r in result.run_requests) == ["newsletter_export_job", "seattle_export_job"]
    [newsletter] = [r for r in result.run_requests if r.job_name == "newsletter_export_job"]
    assert newsletter.tags["ci_sendinblue/profiles_assets"] == "analytics/dim_leads,analytics/dim_customers"


def test_the_export_jobs_read_the_users_asset_without_rebuilding_it_or_its_sources():
    defs = definitions(config())
    for job in ("newsletter_export_job", "all_exports_job"):
        selected = {key.to_user_string() for key in defs.resolve_job_def(job).asset_layer.executable_asset_keys}
        assert "analytics/dim_customers" not in selected and "raw/customers" not in selected
        assert {"segments/platinum", "sendinblue/newsletter"} <= selected


@pytest.mark.parametrize(("watch", "status"), [(True, "RUNNING"), (False, "STOPPED")])
def test_the_sensor_runs_by_default_when_profiles_watch_is_on(watch, status):
    settings = config()
    settings["profiles"]["watch"] = watch
    assert sensor(settings).default_status == dg.DefaultSensorStatus[status]


def test_no_sensor_when_no_enabled_export_sends_a_segment_of_an_asset():
    settings = config()
    settings["exports"]["newsletter"]["enabled"] = False
    names = {s.name for s in definitions(settings).sensors or []}
    assert NAMES.profiles_asset_sensor not in names
    assert "profiles_file_changed_sensor" in names
