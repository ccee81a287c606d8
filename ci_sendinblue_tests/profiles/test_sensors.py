"""The profiles sensor says on every tick that starts nothing why, with the file's time and size, and a run
it starts carries a run key and tags saying which file version started it."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dagster as dg
import pytest

from ci_sendinblue.config.models import ProfilesSettings
from ci_sendinblue.naming import Names
from ci_sendinblue.profiles.sensors import build_profiles_sensor, readable_size

MODIFIED = dt.datetime(2026, 11, 29, 4, 12, 33, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 11, 30, 5, 1, 2, tzinfo=dt.UTC)


def write_profiles(path: Path, size: int, modified: dt.datetime) -> Path:
    path.write_bytes(b"CustomerId,Email\n".ljust(size, b"x"))
    stamp = int(modified.timestamp() * 1e9)
    os.utime(path, ns=(stamp, stamp))
    return path


def sensor_for(path: Path) -> dg.SensorDefinition:
    return build_profiles_sensor(ProfilesSettings(path=path, key="CustomerId"), Names())


def test_a_missing_file_is_named_with_its_setting(tmp_path):
    sensor = sensor_for(tmp_path / "profiles.csv")
    result = sensor.evaluate_tick(dg.build_sensor_context())
    assert result.skip_message == (
        f"profiles file {tmp_path / 'profiles.csv'} does not exist (setting profiles.path); nothing started"
    )


def test_a_path_that_cannot_be_read_says_why(tmp_path):
    (tmp_path / "share").write_text("a file where a folder should be")
    sensor = sensor_for(tmp_path / "share" / "profiles.csv")
    result = sensor.evaluate_tick(dg.build_sensor_context())
    assert result.skip_message == (
        f"profiles file {tmp_path / 'share' / 'profiles.csv'} cannot be read (Not a directory; setting "
        "profiles.path); nothing started"
    )


def test_the_first_look_remembers_the_file_and_says_when_it_was_modified(tmp_path):
    sensor = sensor_for(write_profiles(tmp_path / "profiles.csv", 1_234_567, MODIFIED))
    context = dg.build_sensor_context()
    result = sensor.evaluate_tick(context)
    assert result.skip_message == (
        "first look at the profiles file (modified 2026-11-29 04:12 UTC, size 1.2 MB): remembered, nothing started"
    )
    assert context.cursor is not None


def test_an_unchanged_file_says_since_when_and_its_size(tmp_path):
    sensor = sensor_for(write_profiles(tmp_path / "profiles.csv", 1_234_567, MODIFIED))
    first = dg.build_sensor_context()
    sensor.evaluate_tick(first)
    result = sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor))
    assert result.run_requests == []
    assert result.skip_message == "profiles file unchanged since 2026-11-29 04:12 UTC (size 1.2 MB)"


def test_a_changed_file_starts_a_run_whose_key_and_tags_say_why(tmp_path):
    path = write_profiles(tmp_path / "profiles.csv", 1_234_567, MODIFIED)
    sensor = sensor_for(path)
    first = dg.build_sensor_context()
    sensor.evaluate_tick(first)
    write_profiles(path, 2_500, LATER)

    [request] = sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor)).run_requests

    stamp = int(LATER.timestamp() * 1e9)
    assert request.run_key == f"profiles_file_changed:{stamp}:2500"
    assert request.tags == {
        "dagster/sensor_name": "profiles_file_changed_sensor",
        "ci_sendinblue/trigger": "profiles_file_changed",
        "ci_sendinblue/reason": "profiles file changed: modified 2026-11-30 05:01 UTC, size 2.5 kB "
        "(was modified 2026-11-29 04:12 UTC, size 1.2 MB)",
        "ci_sendinblue/profiles_modified": "2026-11-30T05:01:02+00:00",
        "ci_sendinblue/profiles_size_bytes": "2500",
    }


@pytest.mark.parametrize(
    ("size", "shown"),
    [(0, "0 bytes"), (999, "999 bytes"), (1_000, "1.0 kB"), (1_234_567, "1.2 MB"), (3_200_000_000, "3.2 GB")],
)
def test_sizes_read_as_a_file_manager_shows_them(size, shown):
    assert readable_size(size) == shown
