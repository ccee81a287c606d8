"""What ``pip install ci-sendinblue`` gives a user: a wheel whose emulator server and PostgreSQL driver are
extras, that holds what the demo reads and no tests, and a library that runs without the extras and says in
one line what to install when a command or setting needs one.

The wheel is built offline with the declared build backend (hatchling, in the dev group); the lean install
is a fresh interpreter in which the extras' modules cannot be imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from ci_sendinblue.cli import main
from ci_sendinblue.config.loading import ConfigError, load_settings
from ci_sendinblue.extras import MissingExtraError
from ci_sendinblue.sendinblue.sync_state import SyncStateStore

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ci_sendinblue"
EXTRAS = {
    "emulator": {"starlette", "uvicorn"},
    # ibis-framework is core (with DuckDB); these extras add its PostgreSQL and PySpark backends.
    "postgres": {"psycopg", "ibis-framework", "dagster-postgres"},
    "slack": {"slack-sdk"},
    "spark": {"ibis-framework"},
    "ui": {"dagster-webserver", "starlette", "uvicorn"},  # the Dagster UI and ci-sendinblue[emulator], expanded
}
OPTIONAL = set().union(*EXTRAS.values()) - {"ibis-framework"}
CORE = ("dagster", "pandas", "pandera", "httpx", "ibis-framework")
UI_HINT = "pip install 'ci-sendinblue[ui]'"
EMULATOR_HINT = "pip install 'ci-sendinblue[emulator]'"
POSTGRES_HINT = "pip install 'ci-sendinblue[postgres]'"

BLOCKER = """
import sys

class _NotInstalled:
    '''Answers for the extras' modules as an interpreter without them would.'''

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("starlette", "uvicorn", "psycopg", "slack_sdk", "dagster_webserver"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NotInstalled())
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("hatchling", reason="hatchling (dev group) builds the wheel offline: run uv sync")
    out = tmp_path_factory.mktemp("wheel")
    completed = subprocess.run(
        [sys.executable, "-c", "import sys, hatchling.build as b; print(b.build_wheel(sys.argv[1]))", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return out / completed.stdout.strip().splitlines()[-1]


def _requirements(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    assert set(metadata.get_all("Provides-Extra") or []) == set(EXTRAS)
    return [Requirement(line) for line in metadata.get_all("Requires-Dist") or []]


def test_the_emulator_server_and_postgres_driver_are_extras_only(wheel: Path):
    requirements = _requirements(wheel)
    unconditional = {r.name.lower() for r in requirements if r.marker is None}
    assert set(CORE) <= unconditional, unconditional
    assert not unconditional & set(OPTIONAL), unconditional & set(OPTIONAL)
    for extra, names in EXTRAS.items():
        under = {r.name.lower() for r in requirements if r.marker is not None and r.marker.evaluate({"extra": extra})}
        assert under == names, (extra, under)
    assert not [r for r in requirements if r.marker is not None and r.marker.evaluate({"extra": ""})]


def test_the_wheel_holds_the_package_and_its_data_but_no_tests(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = archive.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    on_disk = {
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert on_disk - names == set(), "files of the package missing from the wheel"
    demo_data = ("defs/demo/defs.yaml", "components/defs_template.yaml", "examples/brevo.yaml", "examples/profiles.csv")
    for data in demo_data:
        assert f"ci_sendinblue/{data}" in names
    packaged = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert packaged == {"ci_sendinblue"}, packaged
    basenames = {name.rsplit("/", 1)[-1] for name in names}
    assert not [name for name in basenames if name.startswith("test_") or name == "conftest.py"]
    assert "ci-sendinblue = ci_sendinblue.cli:main" in entry_points
    assert "[dagster_dg_cli.registry_modules]\nci_sendinblue = ci_sendinblue" in entry_points  # dg finds the component


def test_the_library_runs_without_any_extra_and_the_emulator_says_what_to_install():
    """The bundled Definitions build in an interpreter without the extras, importing none of them; then
    ``python -m ci_sendinblue.cli emulator`` in that same interpreter prints the install line and exits 2."""
    code = BLOCKER + (
        "import json, runpy\n"
        "import ci_sendinblue.definitions as definitions\n"
        "jobs = sorted(job.name for job in definitions.defs.resolve_all_job_defs())\n"
        "extras = ('starlette', 'uvicorn', 'psycopg', 'slack_sdk', 'dagster_webserver')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in extras)\n"
        "print(json.dumps({'jobs': jobs, 'loaded': loaded}), flush=True)\n"
        "sys.argv = ['ci-sendinblue', 'emulator', '--port', '0']\n"
        "runpy.run_module('ci_sendinblue.cli', run_name='__main__', alter_sys=True)\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "CI_SENDINBLUE_CONFIG"}
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    report = json.loads(completed.stdout.strip().splitlines()[0])
    assert "all_exports_job" in report["jobs"], report
    assert report["loaded"] == []
    assert completed.returncode == 2, completed.stderr[-2000:]
    assert completed.stderr.strip().splitlines() == [
        f"ci-sendinblue emulator needs the optional emulator extra (starlette is not installed): {EMULATOR_HINT}"
    ]


def test_python_m_emulator_says_what_to_install():
    code = BLOCKER + "import runpy\nrunpy.run_module('ci_sendinblue.emulator', run_name='__main__', alter_sys=True)\n"
    completed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        f"The Brevo API emulator needs the optional emulator extra (starlette is not installed): {EMULATOR_HINT}"
    ]


@pytest.mark.parametrize("command", ["demo", "emulator"])
def test_commands_that_run_the_emulator_say_what_to_install(command, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # an import of it fails, as without the extra
    assert main([command]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        f"ci-sendinblue {command} needs the optional emulator extra (uvicorn is not installed): {EMULATOR_HINT}"
    )


def test_the_ui_command_says_to_install_the_ui_extra(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "dagster_webserver", None)
    assert main(["ui"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"ci-sendinblue ui needs the optional ui extra (dagster_webserver is not installed): {UI_HINT}"
    )


def test_ui_outside_a_project_folder_says_why_it_cannot_start(tmp_path, capsys, monkeypatch):
    """An installed package has no workspace.yaml for ``dagster dev``: one line, not a traceback."""
    monkeypatch.delenv("CI_SENDINBLUE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["ui"]) == 2
    assert "no workspace.yaml here or above" in capsys.readouterr().err


def test_sample_profiles_are_one_command_away(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "starlette", None)  # no extra needed
    monkeypatch.chdir(tmp_path)
    assert main(["sample-profiles", "--count", "25"]) == 0
    assert "wrote 25 profiles (seed 7) to profiles.csv" in capsys.readouterr().out
    lines = (tmp_path / "profiles.csv").read_text("utf-8").splitlines()
    assert lines[0].startswith("CustomerId,")
    assert len(lines) >= 26  # a name with a newline spans two lines


def test_help_names_every_command_and_the_emulator_extra(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    for command in ("demo", "ui", "emulator", "sample-profiles"):
        assert command in shown
    assert EMULATOR_HINT in shown


def test_a_postgresql_url_in_the_file_without_psycopg_names_the_setting_and_the_extra(tmp_path, monkeypatch):
    bundled = (PACKAGE / "defs" / "demo" / "defs.yaml").read_text("utf-8")
    config = tmp_path / "defs.yaml"
    state = "\n  state:\n    url: postgresql+psycopg://sync@db.internal/brevo\n"
    config.write_text(bundled.replace("../../examples/", str(PACKAGE / "examples") + "/") + state, "utf-8")
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    assert raised.value.problems == [
        f"state.url: a PostgreSQL URL needs the optional postgres extra (psycopg is not installed): {POSTGRES_HINT}"
    ]


def test_a_postgresql_url_from_the_environment_without_psycopg_names_the_settings_and_the_extra(monkeypatch):
    """A URL in ``state.url_env`` is first seen when a run opens the state: the error names both settings."""
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(MissingExtraError) as raised:
        SyncStateStore("postgresql+psycopg://sync:s3cret-pw@db.internal/brevo")
    message = str(raised.value)
    assert message.startswith("state.url / state.url_env: a PostgreSQL sync state needs the optional postgres extra")
    assert message.endswith(POSTGRES_HINT)
    assert "s3cret-pw" not in message
