"""Loading and cross-checking the configuration file.

Pydantic checks each value; this module checks what only the whole file (and the profiles' header) can tell:
that exports name existing connections and segments, that each export sends the email column its segments
validate, that a guarded connection is used only by exports it names an owner of (``owners``), and that
every column a rule or a mapping names exists. Every problem is reported with the key path the user has to
edit (and, from a file, its line). A segment that reads a Dagster asset instead of the file has those
columns checked by each run, against what the asset holds then (``config/columns.py``).

A profiles source that cannot be opened at load time (an upstream job has not written the file yet, a share is
down) does not stop the load: its columns are then not checked, a ``ProfilesNotCheckedWarning`` says why, and
the run that needs the source fails naming the setting and the reason. Dagster keeps showing the schedules,
sensors and assets meanwhile. Files, datasets, CDM folders and a DuckDB file's table are checked at load (from
headers, footers and metadata alone); a database URL, a query and Spark are checked by each run.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ci_sendinblue.config.columns import rule_leaves
from ci_sendinblue.config.models import ProfilesSettings, Settings
from ci_sendinblue.config.owners import usage_problems
from ci_sendinblue.config.positions import file_positions, line_of
from ci_sendinblue.naming import OPTOUTS_SUFFIX
from ci_sendinblue.profiles.source_errors import ColumnsKnownAtRun, ProfilesSourceError, ProfilesSourceUnavailable
from ci_sendinblue.sendinblue.mapping import EMAIL_KEY

CONFIG_ENV = "CI_SENDINBLUE_CONFIG"
COMPONENT_TYPE = "ci_sendinblue.BrevoExports"
BUNDLED_CONFIG = Path(__file__).resolve().parent.parent / "defs" / "demo" / "defs.yaml"
"""The bundled project's own component: sample profiles exported to the local emulator."""


class ProfilesNotCheckedWarning(UserWarning):
    """The profiles file could not be opened at load time, so the columns the configuration names were not
    checked against it."""


class ConfigError(Exception):
    """The configuration file cannot be used; the message lists every problem with its key path."""

    def __init__(self, source: Path, problems: list[str], locate: Callable[[str], str] = lambda problem: "") -> None:
        self.source = source
        self.problems = problems
        """Each problem: the key path, then what is wrong with it."""
        self.locations = [locate(problem) for problem in problems]
        """Where the source spells each problem's key out, e.g. "defs.yaml line 12" (empty if unknown)."""
        listing = "\n".join(
            f"  - {problem} ({where})" if where else f"  - {problem}"
            for problem, where in zip(problems, self.locations, strict=True)
        )
        super().__init__(f"Invalid configuration in {source}:\n{listing}")


def config_path() -> Path:
    """The file named by CI_SENDINBLUE_CONFIG, else the bundled demo's ``defs.yaml``."""
    return Path(os.environ.get(CONFIG_ENV) or BUNDLED_CONFIG).resolve()


def load_settings(path: Path | None = None) -> Settings:
    """The settings of a configuration file: a plain one, or a component's ``defs.yaml`` (its attributes)."""
    source = (path or config_path()).resolve()
    text = _read_text(source)
    raw = _read_yaml(source, text)
    prefix: tuple[str, ...] = ()
    if isinstance(raw, dict) and raw.get("type") == COMPONENT_TYPE:
        raw, prefix = raw.get("attributes") or {}, ("attributes",)
    positions = cache(lambda: file_positions(source, text))
    return settings_from_mapping(
        raw, source=source, base_dir=source.parent, locate=lambda problem: line_of(problem, positions(), prefix)
    )


def settings_from_mapping(
    raw: Any, *, source: Path, base_dir: Path, locate: Callable[[str], str] = lambda problem: ""
) -> Settings:
    """Validate a configuration given as data (a file's, a component's attributes, a Python call's).

    ``base_dir`` is what a relative profiles path is relative to; ``locate`` tells where the source spells a
    problem's key out (a YAML line)."""
    if not isinstance(raw, dict):
        raise ConfigError(source, ["the configuration must be a mapping with profiles, segments, connections, exports"])
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(source, [_describe(e) for e in error.errors()], locate) from None
    settings = settings.model_copy(update={"profiles": _relative_to(settings.profiles, base_dir)})
    problems = list(dict.fromkeys(_reference_problems(settings)))  # a shared setting's problem once
    if problems:
        raise ConfigError(source, problems, locate)
    return settings


def _relative_to(profiles: ProfilesSettings, base_dir: Path) -> ProfilesSettings:
    """The profiles' paths on this machine (path, cdm.folder, sql.database, spark.path) made absolute from the
    configuration's folder; URLs stay as they are."""

    def resolved(location: Any) -> Any:
        if isinstance(location, Path) and not location.is_absolute():
            return (base_dir / location).resolve()
        return location

    update: dict[str, Any] = {"path": resolved(profiles.path)}
    for section, field in (("cdm", "folder"), ("sql", "database"), ("spark", "path")):
        model = getattr(profiles, section)
        if model is not None:
            update[section] = model.model_copy(update={field: resolved(getattr(model, field))})
    return profiles.model_copy(update=update)


def _read_text(source: Path) -> str:
    try:
        return source.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(source, [f"cannot read the file: {error.strerror}"]) from None


def _read_yaml(source: Path, text: str) -> Any:
    try:
        documents = [document for document in yaml.safe_load_all(text) if document is not None]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(source, [f"{where}not valid YAML ({getattr(error, 'problem', error)})"]) from None
    if len(documents) != 1:
        raise ConfigError(source, [f"the file must hold one configuration (it holds {len(documents)} YAML documents)"])
    return documents[0]


def _describe(error: Any) -> str:
    path = ""
    for part in error["loc"]:
        if isinstance(part, str) and part.startswith("{") and part.endswith("}"):
            continue  # a union tag, not a key the user wrote
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key (check its spelling)"
    return f"{path}: {message}"


def _profile_columns(profiles: ProfilesSettings) -> list[str]:
    """The profiles' columns for the load-time check. A local file's header is read without importing ibis and
    DuckDB (about a second), which a code location reading a small file never needs; any other source
    through ``open``'s module."""
    if profiles.kind == "file" and isinstance(profiles.path, Path):
        from ci_sendinblue.profiles.sources import ProfilesFileError, ProfilesUnavailable, read_profile_columns

        try:
            return read_profile_columns(profiles.path)
        except ProfilesUnavailable as error:
            raise ProfilesSourceUnavailable("profiles.path", str(error)) from None
        except ProfilesFileError as error:
            raise ProfilesSourceError("profiles.path", str(error)) from None
    from ci_sendinblue.profiles.tables import profile_columns

    return profile_columns(profiles)


def _reference_problems(settings: Settings) -> Iterator[str]:
    if settings.profiles.engine == "pandas" and settings.profiles.kind == "dataset":
        # Only now is a relative path resolved, so only now is a folder named like a file known to be one.
        yield (
            "profiles.engine: the pandas engine reads a single file into memory, not a dataset of parts: use "
            "engine auto or ibis"
        )
    columns: set[str] | None = None
    try:
        if settings.profiles.kind is not None:
            columns = set(_profile_columns(settings.profiles))
    except ColumnsKnownAtRun:
        pass  # a database's or Spark's columns: each run checks them when it opens the source
    except ProfilesSourceUnavailable as error:
        warnings.warn(
            f"{error}; the columns the configuration names are checked when a run reads it",
            ProfilesNotCheckedWarning,
            stacklevel=3,
        )
    except ProfilesSourceError as error:
        yield str(error)

    if columns is not None and settings.profiles.key not in columns:
        yield f"profiles.key: column '{settings.profiles.key}' is not in the profiles ({_listing(columns)})"

    # A segment reading an asset has its columns checked by each run, against what the asset holds then.
    from_file = {name for name in settings.segments if settings.profiles_asset(name) is None}
    for name, segment in settings.segments.items():
        email, email_setting = _email_column(settings, name)
        if email == settings.segment_key_column(name):
            yield f"{email_setting}: the email column '{email}' cannot also be the profile key"
        if columns is None or name not in from_file:
            continue
        if email not in columns:
            yield f"{email_setting}: column '{email}' is not in the profiles ({_listing(columns)})"
        for where, condition in rule_leaves(segment.where, f"segments.{name}.where"):
            if condition.field not in columns:
                yield f"{where}.field: column '{condition.field}' is not in the profiles ({_listing(columns)})"

    for name, segment in settings.segments.items():
        for index, connection in enumerate(segment.exclude_optouts):
            if connection not in settings.connections:
                yield (
                    f"segments.{name}.exclude_optouts[{index}]: no connection named '{connection}' "
                    f"(defined: {_listing(settings.connections)})"
                )

    for name, export in settings.exports.items():
        prefix = f"exports.{name}"
        taken_by = next((c for c in settings.connections if name == f"{c}{OPTOUTS_SUFFIX}"), None)
        if taken_by is not None:
            asset = settings.names.optouts(taken_by).to_user_string()
            yield f"{prefix}: the name is taken by connection '{taken_by}''s opt-outs asset ({asset})"
        if export.connection not in settings.connections:
            yield (
                f"{prefix}.connection: no connection named '{export.connection}' "
                f"(defined: {_listing(settings.connections)})"
            )
        else:
            yield from usage_problems(name, export, export.connection, settings.connections[export.connection])
        for index, segment in enumerate(export.segments):
            if segment not in settings.segments:
                yield (
                    f"{prefix}.segments[{index}]: no segment named '{segment}' (defined: {_listing(settings.segments)})"
                )
                continue
            email, email_setting = _email_column(settings, segment)
            if export.mapping[EMAIL_KEY] != email:
                yield (
                    f"{prefix}.mapping.email: column '{export.mapping[EMAIL_KEY]}' is not the email column of "
                    f"segment '{segment}' ('{email}', from {email_setting}): the segment validates that "
                    f"column's addresses, so map email to '{email}' or set {email_setting} to "
                    f"'{export.mapping[EMAIL_KEY]}'"
                )
        if columns is not None and from_file.intersection(export.segments):
            for attribute, column in export.mapped_columns().items():
                if column not in columns:
                    yield f"{prefix}.mapping.{attribute}: column '{column}' is not in the profiles"
            if export.phone_region_column and export.phone_region_column not in columns:
                yield f"{prefix}.phone_region_column: column '{export.phone_region_column}' is not in the profiles"


def _email_column(settings: Settings, segment: str) -> tuple[str, str]:
    """A segment's email column and the setting it comes from."""
    own = settings.segments[segment].email is not None
    return settings.segment_email_column(segment), f"segments.{segment}.email" if own else "profiles.email"


def _listing(names: Any) -> str:
    shown = sorted(map(str, names))
    return ", ".join(shown[:12]) + (", ..." if len(shown) > 12 else "")
