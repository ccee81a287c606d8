"""The team instance (deploy/postgres/dagster.yaml) beside the embedded default, and how ``./dev ui`` picks the
instance: ``DAGSTER_HOME`` when set, refused in one line when it cannot work. The run against a real
PostgreSQL server is in e2e/test_postgres_instance.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy
import yaml
from sqlalchemy.engine import make_url

from ci_sendinblue.demo import project_root
from ci_sendinblue.instance_home import (
    InstanceHomeError,
    describe_instance,
    instance_home,
    instance_problems,
    storage_kind,
)
from ci_sendinblue.ui import instance_storage_directory
from ci_sendinblue_tests.processes import environment_without

ROOT = project_root(Path(__file__).parent)
VARIANT_HOME = ROOT / "deploy" / "postgres"
PASSWORD = "s3cret-pw"


def settings(home: Path) -> dict:
    return yaml.safe_load((home / "dagster.yaml").read_text("utf-8"))


def test_the_variant_differs_from_the_default_only_in_its_storage():
    default, variant = settings(ROOT), settings(VARIANT_HOME)
    assert variant["storage"] == {"postgres": {"postgres_url": {"env": "DAGSTER_PG_URL"}}}
    assert variant["concurrency"] == default["concurrency"]
    assert variant["telemetry"] == default["telemetry"] == {"enabled": False}
    # No folder of its own: what stays in files goes under DAGSTER_HOME, whatever the working directory.
    assert set(variant) == {"storage", "concurrency", "telemetry"}


def test_the_variants_folder_keeps_only_its_settings_in_git():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: nothing to ignore")
    for leftover in ("storage/customer_profiles.arrow", "logs/x.out", ".nux/nux.yaml", ".logs_queue/x"):
        ignored = subprocess.run(["git", "check-ignore", "--no-index", "-q", f"deploy/postgres/{leftover}"], cwd=ROOT)
        assert ignored.returncode == 0, f"deploy/postgres/{leftover} is not ignored"
    kept = subprocess.run(["git", "check-ignore", "--no-index", "-q", "deploy/postgres/dagster.yaml"], cwd=ROOT)
    assert kept.returncode == 1


def test_dagster_home_names_the_instance_and_the_project_root_is_the_default(tmp_path, monkeypatch):
    assert instance_home(ROOT, {}) == ROOT
    assert instance_home(ROOT, {"DAGSTER_HOME": " "}) == ROOT
    assert instance_home(ROOT, {"DAGSTER_HOME": str(VARIANT_HOME)}) == VARIANT_HOME
    monkeypatch.chdir(ROOT)  # ./dev runs from the project root: DAGSTER_HOME=deploy/postgres ./dev ui
    assert instance_home(ROOT, {"DAGSTER_HOME": "deploy/postgres"}) == VARIANT_HOME
    with pytest.raises(InstanceHomeError) as raised:
        instance_home(ROOT, {"DAGSTER_HOME": str(tmp_path / "nowhere")})
    assert str(raised.value).startswith(f"DAGSTER_HOME={tmp_path / 'nowhere'}: no such folder.")


def test_the_variant_needs_its_url_and_says_which_setting_reads_it():
    assert instance_problems(VARIANT_HOME, {}) == [
        f"storage.postgres.postgres_url: the environment variable DAGSTER_PG_URL is not set "
        f"({VARIANT_HOME / 'dagster.yaml'})"
    ]
    assert instance_problems(VARIANT_HOME, {"DAGSTER_PG_URL": f"postgresql+psycopg2://d:{PASSWORD}@db/d"}) == []
    assert instance_problems(ROOT, {}) == [], "the embedded default reads no variable"


@pytest.mark.parametrize("scheme", ["postgresql", "postgresql+psycopg"])
def test_a_psycopg3_url_is_refused_before_every_run_fails_on_it(scheme):
    """dagster-postgres sends NOTIFY with a bound parameter, which psycopg 3 sends to the server as $1."""
    if make_url(f"{scheme}://h/d").get_dialect().driver != "psycopg":
        pytest.skip(f"this SQLAlchemy ({sqlalchemy.__version__}) takes {scheme}:// to psycopg2, which works")
    [problem] = instance_problems(VARIANT_HOME, {"DAGSTER_PG_URL": f"{scheme}://dagster:{PASSWORD}@db/dagster"})
    assert problem.startswith(
        "storage.postgres.postgres_url: the URL in DAGSTER_PG_URL uses the psycopg driver; dagster-postgres "
        "needs psycopg2: start it with postgresql+psycopg2://"
    )
    assert PASSWORD not in problem


def test_a_url_that_is_no_url_is_refused_without_being_echoed():
    [problem] = instance_problems(VARIANT_HOME, {"DAGSTER_PG_URL": f"dagster:{PASSWORD}@db"})
    assert problem.startswith("storage.postgres.postgres_url: the URL in DAGSTER_PG_URL is not a SQLAlchemy URL")
    assert PASSWORD not in problem


def test_the_ui_says_which_instance_it_opens():
    assert storage_kind(ROOT) == "sqlite" and storage_kind(VARIANT_HOME) == "postgres"
    assert describe_instance(ROOT, ROOT) == f"Dagster instance: {ROOT} (the project root); run history in SQLite."
    assert describe_instance(VARIANT_HOME, ROOT) == (
        f"Dagster instance: {VARIANT_HOME} (DAGSTER_HOME); run history in PostgreSQL."
    )


def test_the_demo_state_of_the_variant_is_under_its_home_and_relative_folders_come_from_dagster_dev(tmp_path):
    assert instance_storage_directory(VARIANT_HOME, ROOT) == VARIANT_HOME / "storage"
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        yaml.safe_dump({"local_artifact_storage": {"config": {"base_dir": "artifacts"}}}), "utf-8"
    )
    assert instance_storage_directory(home, ROOT) == ROOT / "artifacts" / "storage"
    assert instance_storage_directory(home) == home / "artifacts" / "storage"


def test_the_ui_command_stops_before_starting_anything_when_the_url_is_missing():
    completed = subprocess.run(
        [sys.executable, "-m", "ci_sendinblue.cli", "ui"],
        cwd=ROOT,
        env={**environment_without("DAGSTER_PG_URL"), "DAGSTER_HOME": "deploy/postgres"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert completed.stderr.strip() == (
        f"storage.postgres.postgres_url: the environment variable DAGSTER_PG_URL is not set "
        f"({VARIANT_HOME / 'dagster.yaml'})"
    )
    assert "Brevo emulator" not in completed.stdout, "the emulator must not start for an instance that cannot open"
