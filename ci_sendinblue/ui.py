"""``./dev ui``: the Dagster UI (``dagster dev``) wired to a fresh local Brevo emulator.

Every start gets an empty emulator, so the sync state the last session left behind would describe contacts
this emulator never received: the next run would send only the changes and the list would stay short of
its members until a reconcile. The demo's sync state is therefore reset at each start (said in one line).
It is reset only when it is the default SQLite file in the instance's storage and every connection points
at this machine: a configuration that talks to a real Brevo account or keeps its state in a database of
its own never loses it to ``./dev ui``.

The instance is the project root's ``dagster.yaml`` unless ``DAGSTER_HOME`` names another (see
instance_home.py): the PostgreSQL variant in ``deploy/postgres`` is selected that way.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ci_sendinblue.config.models import Settings, is_loopback
from ci_sendinblue.dagster_dev import (
    dagster_dev_command,
    start_dagster_dev,
    stop_dagster_dev,
    stop_requests,
    wait_until_exit_or_stop,
)
from ci_sendinblue.instance_home import HOME_VARIABLE, describe_instance, instance_settings
from ci_sendinblue.sendinblue.resources import STATE_COPIES, STATE_DATABASE


def instance_storage_directory(home: Path, working_directory: Path | None = None) -> Path:
    """The folder ``instance.storage_directory()`` names for the instance configured in ``home``.

    Read from ``dagster.yaml`` rather than by loading the instance, which would create its storage relative to
    the current directory (or connect to its database). A relative ``base_dir`` is taken from
    ``working_directory``, where ``dagster dev`` runs (by default ``home``: the project root is both); without
    one the storage is under ``home``, Dagster's default.
    """
    config = instance_settings(home)
    base_dir = ((config.get("local_artifact_storage") or {}).get("config") or {}).get("base_dir")
    if base_dir is None:
        return home / "storage"
    return (working_directory or home) / base_dir / "storage"


def owns_demo_state(settings: Settings) -> bool:
    """Whether the sync state is the demo's: default SQLite storage and every connection on this machine."""
    default_storage = settings.state.url is None and settings.state.url_env is None
    return default_storage and all(is_loopback(c.api_url.host or "") for c in settings.connections.values())


def reset_demo_state(storage: Path) -> str:
    """Remove the sync state database and its local copies from ``storage``; say what was done."""
    removed = []
    for name in (STATE_DATABASE, f"{STATE_DATABASE}-journal", f"{STATE_DATABASE}-wal", f"{STATE_DATABASE}-shm"):
        if (storage / name).is_file():
            (storage / name).unlink()
            removed.append(name)
    if (storage / STATE_COPIES).is_dir():
        shutil.rmtree(storage / STATE_COPIES)
        removed.append(STATE_COPIES + "/")
    what = f"removed {', '.join(removed)} from {storage}" if removed else f"nothing to remove in {storage}"
    return f"Fresh emulator, fresh sync state: {what}."


def run_ui(root: Path, settings: Settings, port: int, emulator_port: int, home: Path | None = None) -> int:
    """Serve until Ctrl-C or SIGTERM, then stop ``dagster dev`` (and all it started) and the emulator.

    ``home`` is the Dagster instance's folder (DAGSTER_HOME), by default the project ``root``; ``dagster dev``
    runs in ``root`` either way, where workspace.yaml's code location is found."""
    from ci_sendinblue.demo import demo_environment

    home = home or root
    with stop_requests() as requested, demo_environment(settings, emulator_port) as (_, emulator):
        print(f"Brevo emulator: {emulator.api_url}  (members: {emulator.base_url}/_emulator/lists/<id>/members)")
        print(describe_instance(home, root))
        if owns_demo_state(settings):
            print(reset_demo_state(instance_storage_directory(home, root)))
        else:
            print("Sync state kept: this configuration talks to Brevo or keeps its state elsewhere.")
        if requested.is_set():
            return 0
        environment = {**os.environ, HOME_VARIABLE: str(home)}
        child = start_dagster_dev(
            dagster_dev_command(root / "workspace.yaml", "127.0.0.1", port), cwd=root, env=environment
        )
        try:
            stopped = wait_until_exit_or_stop(child, requested)
        finally:
            stop_dagster_dev(child)
        return 0 if stopped else child.returncode
