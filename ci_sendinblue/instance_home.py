"""Which Dagster instance ``./dev ui`` opens, and whether the variables its settings read are set.

The project root's ``dagster.yaml`` (SQLite under ``.dagster_home/``) is the default. A ``DAGSTER_HOME`` the
user set wins, as it does for every Dagster command: ``DAGSTER_HOME=$PWD/deploy/postgres`` selects the
PostgreSQL variant, whose settings read the server's URL from ``DAGSTER_PG_URL`` (Dagster's ``{env: ...}``).
Left unset, that variable would surface as a traceback from each process ``dagster dev`` starts, after the
emulator is up; so it is reported first, in one line naming the setting, the variable and the file. So is a
URL on the psycopg 3 driver (``postgresql://`` means psycopg 3 since SQLAlchemy 2.1): dagster-postgres sends
``NOTIFY`` with a bound parameter, which only psycopg2's client-side binding accepts, so every run would fail
on its first event. The URL itself is never printed: it holds the password.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

HOME_VARIABLE = "DAGSTER_HOME"
SETTINGS_FILE = "dagster.yaml"
POSTGRES_URL_SETTING = ("storage", "postgres", "postgres_url")


class InstanceHomeError(Exception):
    """The Dagster instance the environment names cannot be used: the message says why and what to change."""


def instance_home(root: Path, environ: Mapping[str, str]) -> Path:
    """``DAGSTER_HOME`` when set (a relative one taken from the current folder), else the project ``root``."""
    named = environ.get(HOME_VARIABLE, "").strip()
    if not named:
        return root
    home = (Path.cwd() / Path(named).expanduser()).resolve()
    if not home.is_dir():
        raise InstanceHomeError(
            f"{HOME_VARIABLE}={named}: no such folder. It names the Dagster instance ./dev ui uses "
            f"(deploy/postgres for PostgreSQL); unset it to use the project root's {SETTINGS_FILE}."
        )
    return home


def instance_settings(home: Path) -> dict[str, Any]:
    """The settings in ``home``'s ``dagster.yaml``; none (Dagster's defaults) when there is no such file."""
    path = home / SETTINGS_FILE
    settings = yaml.safe_load(path.read_text("utf-8")) if path.is_file() else None
    return settings if isinstance(settings, dict) else {}


def instance_problems(home: Path, environ: Mapping[str, str]) -> list[str]:
    """Why the instance in ``home`` would not work with ``environ``, one line each; empty when it would."""
    return [*unset_variables(home, environ), *_postgres_driver_problems(home, environ)]


def unset_variables(home: Path, environ: Mapping[str, str]) -> list[str]:
    """One line per ``{env: NAME}`` in ``home``'s settings whose variable is unset or empty."""
    return [
        f"{setting}: the environment variable {name} is not set ({home / SETTINGS_FILE})"
        for setting, name in _environment_sources(instance_settings(home))
        if not environ.get(name, "").strip()
    ]


def _postgres_driver_problems(home: Path, environ: Mapping[str, str]) -> list[str]:
    """A ``storage.postgres.postgres_url`` that is not a psycopg2 URL (see the module's docstring)."""
    value: Any = instance_settings(home)
    for key in POSTGRES_URL_SETTING:
        value = value.get(key) if isinstance(value, dict) else None
    if isinstance(value, dict) and set(value) == {"env"}:
        source, url = f"the URL in {value['env']}", environ.get(str(value["env"]), "").strip()
    else:
        source, url = "the URL", value if isinstance(value, str) else ""
    if not url:
        return []  # no such setting, or its variable is unset (said by unset_variables)
    setting = f"{'.'.join(POSTGRES_URL_SETTING)}: {source}"
    try:
        driver = make_url(url).get_dialect().driver
    except (ArgumentError, ImportError, ValueError):  # NoSuchModuleError is an ArgumentError
        return [
            f"{setting} is not a SQLAlchemy URL such as postgresql+psycopg2://user:password@host/db "
            f"({home / SETTINGS_FILE})"
        ]
    if driver != "psycopg2":
        return [
            f"{setting} uses the {driver} driver; dagster-postgres needs psycopg2: start it with "
            f"postgresql+psycopg2:// ({home / SETTINGS_FILE})"
        ]
    return []


def _environment_sources(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(key path, variable) of every value Dagster reads from the environment, as ``{env: NAME}``."""
    if isinstance(value, dict):
        if set(value) == {"env"} and isinstance(value["env"], str):
            yield path, value["env"]
            return
        for key, item in value.items():
            yield from _environment_sources(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _environment_sources(item, f"{path}[{index}]")


def storage_kind(home: Path) -> str:
    """Where the instance keeps runs, event logs and schedules: ``postgres``, ``sqlite``, or another kind."""
    storage = instance_settings(home).get("storage")
    if isinstance(storage, dict) and len(storage) == 1:
        return str(next(iter(storage)))
    return "sqlite"  # Dagster's default, and what the project root's dagster.yaml names


def describe_instance(home: Path, root: Path) -> str:
    """The line ``./dev ui`` prints: which instance it opens and where its run history lives."""
    source = "the project root" if home == root else HOME_VARIABLE
    where = {"postgres": "PostgreSQL", "sqlite": "SQLite"}.get(storage_kind(home), storage_kind(home))
    return f"Dagster instance: {home} ({source}); run history in {where}."
