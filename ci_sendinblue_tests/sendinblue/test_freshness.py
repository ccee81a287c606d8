"""The freshness policy derived from an export's schedule: overdue when a scheduled refresh has not landed
within the grace, as Dagster's freshness daemon evaluates it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import dagster as dg
import pytest

# Dagster's own cron iterator and freshness daemon, to check the policy the way Dagster evaluates it; the
# package itself uses only Dagster's public API.
from dagster._core.definitions.freshness import CronFreshnessPolicy, FreshnessState
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.test_utils import create_test_daemon_workspace_context, freeze_time, instance_for_test
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
from dagster._daemon.freshness import FreshnessDaemon
from dagster._vendored.croniter import croniter

from ci_sendinblue.config.loading import BUNDLED_CONFIG, ConfigError, load_settings
from ci_sendinblue.config.models import ExportSettings
from ci_sendinblue.sendinblue.freshness import FreshnessNotDerivedWarning, freshness_policy, refresh_deadline
from ci_sendinblue_tests.helpers import base_config


def export(schedule: str | None, **settings) -> ExportSettings:
    return ExportSettings(
        connection="brevo", list_id=12, segments=["s"], mapping={"email": "Email"}, schedule=schedule, **settings
    )


def test_a_nightly_export_is_due_an_hour_after_its_tick_by_default():
    policy = freshness_policy(export("0 2 * * *"))
    assert isinstance(policy, CronFreshnessPolicy)
    assert (policy.deadline_cron, policy.lower_bound_delta, policy.timezone) == (
        "0 3 * * *",
        dt.timedelta(hours=1),
        "UTC",
    )


def test_the_grace_is_a_setting_of_the_export():
    policy = freshness_policy(export("30 6 * * 1-5", freshness_grace_minutes=20))
    assert (policy.deadline_cron, policy.lower_bound_delta) == ("50 6 * * 1-5", dt.timedelta(minutes=20))


def test_a_quarter_hourly_export_must_land_before_its_next_tick():
    policy = freshness_policy(export("*/15 * * * *"))
    assert (policy.deadline_cron, policy.lower_bound_delta) == ("*/15 * * * *", dt.timedelta(minutes=15))


def test_on_demand_exports_and_a_null_grace_have_no_policy():
    assert freshness_policy(export(None)) is None
    assert freshness_policy(export("0 2 * * *", freshness_grace_minutes=None)) is None


def test_a_deadline_no_cron_expression_can_write_leaves_the_export_without_a_policy_and_says_so():
    with pytest.warns(FreshnessNotDerivedWarning, match=r"schedule '59 23 \* \* 1-5'"):
        assert freshness_policy(export("59 23 * * 1-5")) is None


def test_the_bundled_exports_get_a_policy():
    settings = load_settings(BUNDLED_CONFIG)
    assert all(freshness_policy(export) for export in settings.enabled_exports().values() if export.schedule)


def test_a_grace_longer_than_a_day_is_refused_with_its_key_path(write_project):
    config = base_config()
    config["exports"]["newsletter"]["freshness_grace_minutes"] = 2000
    with pytest.raises(ConfigError) as raised:
        load_settings(write_project(config))
    assert raised.value.problems == [
        "exports.newsletter.freshness_grace_minutes: Input should be less than or equal to 1440"
    ]


@pytest.mark.parametrize(
    ("schedule", "grace", "deadline", "minutes"),
    [
        ("0 2 * * *", 60, "0 3 * * *", 60),
        ("@daily", 60, "0 1 * * *", 60),
        ("30 23 * * *", 60, "30 0 * * *", 60),  # past midnight: every day, so the next day's 00:30
        ("0 23 * * 1-5", 120, "59 23 * * 1-5", 59),  # past midnight would be Saturday's: grace kept within the day
        ("0,30 2 * * *", 60, "29,59 2 * * *", 29),  # capped at the 30 minutes between ticks, then written
        ("45 9-17 * * 1-5", 30, "15 10-18 * * 1-5", 30),
        ("*/5 9-17 * * *", 10, "4-59/5 9-17 * * *", 4),
        ("0 */6 * * *", 60, "0 1-23/6 * * *", 60),
        ("15 * * * *", 90, "15 * * * *", 60),
        ("0 8,12,18 * * *", 1440, "0 12,16,22 * * *", 240),
    ],
)
def test_each_deadline_is_the_schedules_ticks_moved_by_the_grace(schedule, grace, deadline, minutes):
    found = refresh_deadline(schedule, grace)
    assert (found.cron, found.grace_minutes) == (deadline, minutes)
    start = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)  # a Wednesday; ten days cover every weekday
    ticks = [tick + dt.timedelta(minutes=minutes) for tick in cron_ticks(schedule, start, days=10)]
    assert ticks == [tick for tick in cron_ticks(deadline, start, days=11) if tick <= ticks[-1]][-len(ticks) :]
    dg.FreshnessPolicy.cron(deadline_cron=found.cron, lower_bound_delta=dt.timedelta(minutes=found.grace_minutes))


def cron_ticks(expression: str, start: dt.datetime, days: int) -> list[dt.datetime]:
    ticks, iterator = [], croniter(expression, start)
    while (tick := iterator.get_next(dt.datetime)) < start + dt.timedelta(days=days):
        ticks.append(tick)
    return ticks


def test_dagster_accepts_the_policy_on_an_asset():
    @dg.asset(freshness_policy=freshness_policy(export("0 2 * * *")))
    def nightly_list() -> None:
        return None

    defs = dg.Definitions(assets=[nightly_list])
    dg.Definitions.validate_loadable(defs)
    node = defs.resolve_asset_graph().get(dg.AssetKey("nightly_list"))
    assert node.freshness_policy == freshness_policy(export("0 2 * * *"))


NIGHTLY = dg.AssetKey(["sendinblue", "nightly"])
NEVER_RUN = dg.AssetKey(["sendinblue", "never_run"])


@pytest.fixture
def daemon_and_instance() -> Iterator[tuple]:
    target = InProcessWorkspaceLoadTarget(
        InProcessCodeLocationOrigin(
            LoadableTargetOrigin(module_name="ci_sendinblue_tests.sendinblue.freshness_location", attribute="defs"),
            location_name="freshness_test",
        )
    )
    with instance_for_test() as instance, create_test_daemon_workspace_context(target, instance) as workspace:
        yield lambda: list(FreshnessDaemon().run_iteration(workspace)), instance


def states(instance: dg.DagsterInstance) -> dict[dg.AssetKey, FreshnessState]:
    records = instance.get_freshness_state_records([NIGHTLY, NEVER_RUN])
    return {key: record.freshness_state for key, record in records.items()}


def at(day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=dt.UTC)


def test_the_freshness_daemon_shows_a_list_overdue_once_a_nightly_refresh_is_missed(daemon_and_instance):
    evaluate, instance = daemon_and_instance
    with freeze_time(at(10, 2, 20)):
        instance.report_runless_asset_event(dg.AssetMaterialization(NIGHTLY))  # the 02:00 run landed at 02:20
    with freeze_time(at(10, 3, 5)):
        evaluate()
    assert states(instance) == {NIGHTLY: FreshnessState.PASS, NEVER_RUN: FreshnessState.UNKNOWN}

    with freeze_time(at(11, 2, 59)):  # the next night's refresh is running, the deadline is 03:00
        evaluate()
    assert states(instance)[NIGHTLY] == FreshnessState.PASS

    with freeze_time(at(11, 3, 1)):  # it has not landed by 03:00: overdue
        evaluate()
    assert states(instance)[NIGHTLY] == FreshnessState.FAIL

    with freeze_time(at(11, 3, 40)):  # late, but it landed: fresh until the next deadline
        instance.report_runless_asset_event(dg.AssetMaterialization(NIGHTLY))
        evaluate()
    assert states(instance)[NIGHTLY] == FreshnessState.PASS
