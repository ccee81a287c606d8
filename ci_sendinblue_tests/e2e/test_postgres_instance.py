"""The README's team instance for real: ``DAGSTER_HOME`` at ``deploy/postgres`` and ``DAGSTER_PG_URL`` naming a
fresh database of this module's own (dropped at the end). An export of the bundled demo, run by ``dagster job
execute`` as the README says, is in the run history that new processes read from PostgreSQL: a plain reader
of the instance and ``ci-sendinblue ui`` (./dev ui) with the same variables. The sync state went to the same
server through ``state.url_env``, and no SQLite file was written under DAGSTER_HOME.

Needs ``CI_SENDINBLUE_TEST_POSTGRES_URL`` (CI sets it); skipped, saying why, without it or without a server.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from ci_sendinblue.config.loading import BUNDLED_CONFIG
from ci_sendinblue.demo import project_root
from ci_sendinblue.emulator.process import EmulatorProcess
from ci_sendinblue.ui import instance_storage_directory
from ci_sendinblue_tests.helpers import API_KEY, ATTRIBUTES, KEY_ENV
from ci_sendinblue_tests.processes import environment_without, free_port, wait_for_http
from ci_sendinblue_tests.ui.graphql import run_status
from ci_sendinblue_tests.ui.stack import write_project

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

ROOT = project_root(Path(__file__).parent)
VARIANT = ROOT / "deploy" / "postgres" / "dagster.yaml"
POSTGRES_URL_VARIABLE = "CI_SENDINBLUE_TEST_POSTGRES_URL"
STATE_URL_VARIABLE = "CI_SENDINBLUE_STATE_URL"
LIST_ID = 12
SQLITE_HEADER = b"SQLite format 3\x00"
DEMO_ASSETS = [
    "customer_profiles",
    "segments/loyal_members",
    "segments/seattle_high_value",
    "sendinblue/newsletter",
]


@dataclass(frozen=True)
class Database:
    """A database of the test's own on the test server, as Dagster and the sync state each address it."""

    name: str
    dagster_url: str  # psycopg2, as dagster-postgres needs (see deploy/postgres/dagster.yaml)
    state_url: str  # psycopg, as the sync state takes it


@dataclass(frozen=True)
class Export:
    """What the export left: the instance's folder, the variables that select it, the run and the list."""

    home: Path
    project: Path
    environment: dict[str, str]
    database: Database
    members: list[dict[str, Any]]


def server_url() -> str:
    """The test server's administrative URL, from the environment; the tests are skipped without one."""
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if not url:
        pytest.skip(f"PostgreSQL instance tests skipped: {POSTGRES_URL_VARIABLE} is not set")
    return url


@pytest.fixture(scope="module")
def database() -> Iterator[Database]:
    admin_url = server_url()
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"ci_sb_instance_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        shown = sa.engine.make_url(admin_url).render_as_string(hide_password=True)
        pytest.skip(
            f"PostgreSQL instance tests skipped: server at {shown} does not answer ({type(error.orig).__name__})"
        )
    url = sa.engine.make_url(admin_url).set(database=name)
    try:
        yield Database(
            name=name,
            dagster_url=url.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False),
            state_url=url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False),
        )
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def demo_project(folder: Path, api_url: str) -> Path:
    """A dg project holding the bundled demo's component sent to ``api_url``, its sync state in the database
    ``state.url_env`` names (the README's team setting). Returns the project's folder."""
    workspace = write_project(folder, api_url)
    defs_yaml = workspace.parent / "ui_project" / "defs" / "demo" / "defs.yaml"
    component = yaml.safe_load(defs_yaml.read_text("utf-8"))
    component["attributes"]["state"] = {"url_env": STATE_URL_VARIABLE}
    defs_yaml.write_text(yaml.safe_dump(component, sort_keys=False, allow_unicode=True), "utf-8")
    return workspace.parent


@pytest.fixture(scope="module")
def export(emulator_process: EmulatorProcess, database: Database, tmp_path_factory: pytest.TempPathFactory) -> Export:
    """The demo exported once with the variant as the instance, by the command the README gives."""
    emulator_process.reset(lists={LIST_ID: "Newsletter"}, attributes=ATTRIBUTES, process_delay=0.05)
    folder = tmp_path_factory.mktemp("postgres_instance")
    home = folder / "dagster_home"
    home.mkdir()
    shutil.copy(VARIANT, home / "dagster.yaml")
    project = demo_project(folder, emulator_process.api_url)
    environment = {
        **environment_without("CI_SENDINBLUE_CONFIG", "DAGSTER_PG_URL", STATE_URL_VARIABLE),
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_URL": database.dagster_url,
        STATE_URL_VARIABLE: database.state_url,
        KEY_ENV: API_KEY,
    }
    completed = subprocess.run(
        [sys.executable, "-m", "dagster", "job", "execute", "-m", "ui_project.definitions", "-j", "all_exports_job"],
        cwd=project, env=environment, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    members = emulator_process.members(LIST_ID)
    assert members, "the export sent nobody to the list"
    return Export(home=home, project=project, environment=environment, database=database, members=members)


def sqlite_files(folder: Path) -> list[Path]:
    """Every SQLite database file under ``folder``, found by its header rather than by its name."""
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as file:
                if file.read(len(SQLITE_HEADER)) == SQLITE_HEADER:
                    found.append(path)
    return found


def stored_run_ids(database: Database) -> list[str]:
    engine = sa.create_engine(database.state_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.text("SELECT run_id FROM runs")).scalars())
    finally:
        engine.dispose()


def test_a_new_process_reads_the_export_from_postgresql(export: Export):
    reader = subprocess.run(
        [sys.executable, "-m", "ci_sendinblue_tests.e2e.run_history"],
        cwd=ROOT, env=export.environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert reader.returncode == 0, reader.stderr[-3000:]
    history = json.loads(reader.stdout)
    assert history["storage"] == {
        "runs": "PostgresRunStorage",
        "events": "PostgresEventLogStorage",
        "schedules": "PostgresScheduleStorage",
    }
    [run] = history["runs"]
    assert (run["job_name"], run["status"]) == ("all_exports_job", "SUCCESS")
    assert run["materialized"] == DEMO_ASSETS
    assert stored_run_ids(export.database) == [run["run_id"]]
    assert Path(history["storage_directory"]) == instance_storage_directory(export.home, export.project)

    engine = sa.create_engine(export.database.state_url)
    try:
        with engine.connect() as connection:
            state = connection.execute(sa.text("SELECT count(*) FROM ci_sendinblue_sync_state")).scalar_one()
    finally:
        engine.dispose()
    assert state == len(export.members), "the sync state holds one row per member Brevo confirmed"
    assert sqlite_files(export.home) == [], "runs, events, schedules and the sync state all belong in PostgreSQL"


def bundled_config_on_port(folder: Path, port: int) -> Path:
    """The bundled configuration with its emulator connection on ``port`` (dagster dev reads this file)."""
    config = yaml.safe_load(BUNDLED_CONFIG.read_text("utf-8"))["attributes"]
    config["profiles"]["path"] = str((BUNDLED_CONFIG.parent / config["profiles"]["path"]).resolve())
    for connection in config["connections"].values():
        connection["api_url"] = connection["api_url"].replace(":8765/", f":{port}/")
    path = folder / "ci_sendinblue.yaml"
    path.write_text(yaml.safe_dump(config), "utf-8")
    return path


def test_the_ui_command_serves_the_run_history_of_the_instance_dagster_home_names(export: Export, tmp_path: Path):
    project = tmp_path / "project"
    project.mkdir()
    for name in ("workspace.yaml", "dagster.yaml"):
        shutil.copy(ROOT / name, project / name)
    [run_id] = stored_run_ids(export.database)
    ui_port, emulator_port = free_port(), free_port()
    environment = {
        **export.environment,
        "CI_SENDINBLUE_CONFIG": str(bundled_config_on_port(tmp_path, emulator_port)),
    }
    output = tmp_path / "ui-output.txt"
    with output.open("w") as sink:
        command = ["ui", "--port", str(ui_port), "--emulator-port", str(emulator_port)]
        ui = subprocess.Popen(
            [sys.executable, "-m", "ci_sendinblue.cli", *command],
            cwd=project, env=environment, stdout=sink, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{ui_port}"
        wait_for_http(f"{url}/server_info", 120, lambda: ui.poll() is None, output.read_text)
        assert run_status(url, run_id) == "SUCCESS"
        ui.send_signal(signal.SIGTERM)
        assert ui.wait(timeout=60) == 0, output.read_text()[-4000:]
    finally:
        if ui.poll() is None:
            ui.kill()
    text = output.read_text()
    assert f"Dagster instance: {export.home} (DAGSTER_HOME); run history in PostgreSQL." in text.splitlines()
    assert not (project / ".dagster_home").exists(), "the project root's instance was not the one opened"
    assert sqlite_files(export.home) == []
