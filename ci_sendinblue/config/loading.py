"""Loading and cross-checking the configuration file.

Pydantic checks each value; this module checks what only the whole file (and the profiles' header) can tell:
that exports name existing connections and segments, and that every column a rule or a mapping names exists.
Every problem is reported with the key path the user has to edit.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ci_sendinblue.config.models import AllOf, AnyOf, Condition, FieldCondition, NotOf, Settings
from ci_sendinblue.profiles.sources import ProfilesFileError, read_profile_columns

CONFIG_ENV = "CI_SENDINBLUE_CONFIG"
BUNDLED_CONFIG = Path(__file__).resolve().parent.parent / "examples" / "ci_sendinblue.yaml"


class ConfigError(Exception):
    """The configuration file cannot be used; the message lists every problem with its key path."""

    def __init__(self, source: Path, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"Invalid configuration in {source}:\n{listing}")


def config_path() -> Path:
    """The file named by CI_SENDINBLUE_CONFIG, else the bundled example."""
    return Path(os.environ.get(CONFIG_ENV) or BUNDLED_CONFIG).resolve()


def load_settings(path: Path | None = None) -> Settings:
    source = (path or config_path()).resolve()
    raw = _read_yaml(source)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(source, [_describe(e) for e in error.errors()]) from None
    profiles_path = settings.profiles.path
    if not profiles_path.is_absolute():
        profiles_path = (source.parent / profiles_path).resolve()
    settings = settings.model_copy(update={"profiles": settings.profiles.model_copy(update={"path": profiles_path})})
    problems = list(_reference_problems(settings))
    if problems:
        raise ConfigError(source, problems)
    return settings


def _read_yaml(source: Path) -> Any:
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(source, [f"cannot read the file: {error.strerror}"]) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(source, [f"{where}not valid YAML ({getattr(error, 'problem', error)})"]) from None
    if not isinstance(raw, dict):
        raise ConfigError(source, ["the file must be a mapping with profiles, segments, connections, exports"])
    return raw


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


def _reference_problems(settings: Settings) -> Iterator[str]:
    try:
        columns = set(read_profile_columns(settings.profiles.path))
    except ProfilesFileError as error:
        yield f"profiles.path: {error}"
        columns = None

    if columns is not None and settings.profiles.key not in columns:
        yield f"profiles.key: column '{settings.profiles.key}' is not in the profiles ({_listing(columns)})"

    for name, segment in settings.segments.items():
        if columns is None:
            break
        for where, condition in _leaves(segment.where, f"segments.{name}.where"):
            if condition.field not in columns:
                yield f"{where}.field: column '{condition.field}' is not in the profiles ({_listing(columns)})"

    for name, export in settings.exports.items():
        prefix = f"exports.{name}"
        if export.connection not in settings.connections:
            yield (
                f"{prefix}.connection: no connection named '{export.connection}' "
                f"(defined: {_listing(settings.connections)})"
            )
        for index, segment in enumerate(export.segments):
            if segment not in settings.segments:
                yield (
                    f"{prefix}.segments[{index}]: no segment named '{segment}' (defined: {_listing(settings.segments)})"
                )
        if columns is not None:
            for attribute, column in export.mapping.items():
                if column not in columns:
                    yield f"{prefix}.mapping.{attribute}: column '{column}' is not in the profiles"
            if export.phone_region_column and export.phone_region_column not in columns:
                yield f"{prefix}.phone_region_column: column '{export.phone_region_column}' is not in the profiles"

    yield from _email_column_conflicts(settings)


def _email_column_conflicts(settings: Settings) -> Iterator[str]:
    """A segment validates one email column, so every export that sends it must map the email to that column."""
    for segment in settings.segments:
        users = [(n, e.email_column) for n, e in settings.exports.items() if segment in e.segments]
        if len({column for _, column in users}) > 1:
            described = ", ".join(f"exports.{n}.mapping.email is '{c}'" for n, c in users)
            yield f"segments.{segment}: its exports disagree on the email column ({described})"


def _leaves(condition: Condition, where: str) -> Iterator[tuple[str, FieldCondition]]:
    if isinstance(condition, FieldCondition):
        yield where, condition
    elif isinstance(condition, AllOf):
        for i, child in enumerate(condition.all):
            yield from _leaves(child, f"{where}.all[{i}]")
    elif isinstance(condition, AnyOf):
        for i, child in enumerate(condition.any):
            yield from _leaves(child, f"{where}.any[{i}]")
    elif isinstance(condition, NotOf):
        yield from _leaves(condition.not_, f"{where}.not")


def _listing(names: Any) -> str:
    shown = sorted(map(str, names))
    return ", ".join(shown[:12]) + (", ..." if len(shown) > 12 else "")
