"""Which settings name which profile columns, each with its key path.

The profiles file's columns are checked against these when the configuration loads; a segment that reads a
Dagster asset has them checked by each run instead (the asset's columns are only known once it is loaded).
Both name the setting to edit, so the two checks speak alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ci_sendinblue.config.models import AllOf, AnyOf, Condition, FieldCondition, NotOf, Settings
from ci_sendinblue.sendinblue.mapping import EMAIL_KEY


@dataclass(frozen=True)
class NamedColumn:
    setting: str
    """The key path naming the column: ``segments.vip.where.all[0].field``."""
    column: str


def rule_leaves(condition: Condition, where: str) -> Iterator[tuple[str, FieldCondition]]:
    """Every field condition of a rule, with its key path under ``where``."""
    if isinstance(condition, FieldCondition):
        yield where, condition
    elif isinstance(condition, AllOf):
        for i, child in enumerate(condition.all):
            yield from rule_leaves(child, f"{where}.all[{i}]")
    elif isinstance(condition, AnyOf):
        for i, child in enumerate(condition.any):
            yield from rule_leaves(child, f"{where}.any[{i}]")
    elif isinstance(condition, NotOf):
        yield from rule_leaves(condition.not_, f"{where}.not")


def segment_columns(settings: Settings, name: str) -> list[NamedColumn]:
    """Every column a segment's profiles must hold: its key and email, its rule's fields, and what the enabled
    exports sending it map (the segment passes every column through to them)."""
    segment = settings.segments[name]
    own_key = segment.profiles is not None and segment.profiles.key is not None
    named = [
        NamedColumn(f"segments.{name}.profiles.key" if own_key else "profiles.key", settings.segment_key_column(name)),
        NamedColumn(
            f"segments.{name}.email" if segment.email else "profiles.email", settings.segment_email_column(name)
        ),
        *(
            NamedColumn(f"{where}.field", leaf.field)
            for where, leaf in rule_leaves(segment.where, f"segments.{name}.where")
        ),
    ]
    for export_name, export in settings.enabled_exports().items():
        if name not in export.segments:
            continue
        for attribute, column in export.mapped_columns().items():
            if attribute == EMAIL_KEY:
                continue  # the segment's email column, named above (the load checks they agree)
            named.append(NamedColumn(f"exports.{export_name}.mapping.{attribute}", column))
        if export.phone_region_column:
            named.append(NamedColumn(f"exports.{export_name}.phone_region_column", export.phone_region_column))
    return named


def member_columns(settings: Settings, name: str) -> list[str]:
    """The columns a segment hands to its exports, once each: its key, its email, and what the enabled exports
    sending it map. A rule's own fields stay behind unless an export maps them too."""
    where = f"segments.{name}.where"
    rule_settings = {f"{leaf}.field" for leaf, _ in rule_leaves(settings.segments[name].where, where)}
    return list(dict.fromkeys(c.column for c in segment_columns(settings, name) if c.setting not in rule_settings))


def missing_columns(named: list[NamedColumn], columns: list[str], source: str) -> list[str]:
    """A problem per setting naming a column the profiles lack: ``<setting>: column 'x' is not in <source>
    (columns: ...)``."""
    present = set(columns)
    listing = ", ".join(columns[:20]) + (", ..." if len(columns) > 20 else "")
    return [
        f"{entry.setting}: column '{entry.column}' is not in {source} (columns: {listing})"
        for entry in named
        if entry.column not in present
    ]
