"""The unified customer profiles every segment is cut from.

Two shapes, one asset key: a small file is read whole and stored as a keyed frame (the pandas path); any other
source stays where it lives, and the asset records what it holds (row count, schema, keys) without copying it,
while each segment queries it (``profiles/evaluation.py``).
"""

import dagster as dg
import pandas as pd

from ci_sendinblue.columns import frame_schema, type_name
from ci_sendinblue.config.columns import NamedColumn, missing_columns, segment_columns
from ci_sendinblue.config.models import ProfilesSettings, Settings
from ci_sendinblue.naming import Names
from ci_sendinblue.profiles.checks import KEY_CHECK
from ci_sendinblue.profiles.evaluation import evaluated_in_pandas
from ci_sendinblue.profiles.keys import keyed_profiles
from ci_sendinblue.profiles.source_runs import profiles_source, source_label
from ci_sendinblue.profiles.sources import ProfilesFileError, read_profiles, unavailable_reason


def build_customer_profiles(settings: Settings) -> dg.AssetsDefinition:
    """The profiles asset for ``settings.profiles`` (which names a source: a file, dataset, CDM folder, ...)."""
    if evaluated_in_pandas(settings.profiles):
        return build_profiles_file(settings.profiles, settings.names)
    return build_profiles_source(settings)


def build_profiles_source(settings: Settings) -> dg.AssetsDefinition:
    """The profiles where they live, described: each run opens the source, checks the columns every segment
    reading it needs, and counts rows and keys in the source's engine. Nothing is copied or stored."""
    profiles, names = settings.profiles, settings.names
    assert profiles.key is not None
    key, asset_key = profiles.key, names.customer_profiles
    needed = source_columns(settings)
    kind = profiles.kind or ""

    @dg.asset(
        key=asset_key,
        group_name=names.group("profiles"),
        kinds={"ibis", *engine_kinds(profiles)},
        description=(
            f"Unified customer profiles from {source_label(profiles)}, keyed by {key}, queried "
            "where they live: each segment fetches only its members. Profiles with a missing or shared key are "
            "left out and reported."
        ),
        metadata={"source": source_label(profiles), "source_kind": kind, "key": key},
        check_specs=[KEY_CHECK.spec(asset_key)],
    )
    def customer_profiles(context: dg.AssetExecutionContext):
        """Count the rows and the unusable keys where the profiles are; check the columns the segments need."""
        from ci_sendinblue.profiles.table_keys import key_counts
        from ci_sendinblue.profiles.tables import source_metadata

        with profiles_source(profiles) as source:
            problems = missing_columns(needed, list(source.table.columns), source.description)
            if problems:
                raise dg.Failure(description="\n".join(problems), allow_retries=False)
            counts = key_counts(source.table, key)
            metadata = source_metadata(source, counts.rows - counts.refused)
        if counts.missing or counts.duplicated:
            context.log.warning(
                f"{counts.missing} profiles without a {key} and {counts.duplicated} sharing one are left out of "
                "every segment; see the materialization's metadata for the shared keys."
            )
        yield dg.MaterializeResult(metadata={**metadata, "rows_read": counts.rows, **counts.metadata()})
        yield KEY_CHECK.result(
            asset_key,
            refused=counts.refused,
            total=counts.rows,
            threshold=profiles.max_invalid_key_share,
            setting="profiles.max_invalid_key_share",
            reasons=counts.check_reasons(),
        )

    return customer_profiles


def source_columns(settings: Settings) -> list[NamedColumn]:
    """Every column the segments reading the profiles source name, with the setting naming it."""
    return [
        column
        for name in settings.segments
        if settings.profiles_asset(name) is None
        for column in segment_columns(settings, name)
    ]


def engine_kinds(profiles: ProfilesSettings) -> set[str]:
    """The engine the UI shows on the asset: DuckDB for files and CDM folders, the database, or Spark."""
    if profiles.kind == "spark":
        return {"spark"}
    if profiles.kind == "sql" and profiles.sql is not None and profiles.sql.database is None:
        return {"sql"}
    return {"duckdb"}


def build_profiles_file(profiles: ProfilesSettings, names: Names) -> dg.AssetsDefinition:
    """The profiles file as an asset (``profiles.path`` is set: the settings require ``key`` with it)."""
    assert profiles.path is not None and profiles.key is not None
    path, key = profiles.path, profiles.key
    asset_key = names.customer_profiles
    description = (
        f"Unified customer profiles from {path.name}, keyed by {key}. Profiles with a "
        "missing or shared key are left out and reported."
    )
    unavailable = unavailable_reason(path)
    if unavailable:
        description += (
            f"\n\nWhen this code location loaded, the {unavailable}: the columns the configuration names "
            "were not checked, and a run fails until the file is there."
        )

    @dg.asset(
        key=asset_key,
        group_name=names.group("profiles"),
        io_manager_key=names.io_manager,
        kinds={"pandas", path.suffix.lstrip(".").lower()},
        description=description,
        metadata={"path": dg.MetadataValue.path(str(path)), "key": key},
        check_specs=[KEY_CHECK.spec(asset_key)],
    )
    def customer_profiles(context: dg.AssetExecutionContext):
        """Read the file; set aside rows whose key is missing or appears more than once."""
        try:
            frame = read_profiles(path)
        except ProfilesFileError as error:
            raise dg.Failure(
                description=f"Cannot read the profiles (profiles.path): {error}", allow_retries=False
            ) from None
        keyed = keyed_profiles(frame, key)
        if keyed.refused.any():
            context.log.warning(
                f"{keyed.missing_count} profiles without a {key} and {keyed.duplicated_count} sharing one "
                "are left out of every segment; see the materialization's metadata for their rows."
            )
        yield dg.Output(
            keyed.kept,
            metadata={
                "dagster/row_count": len(keyed.kept),
                "rows_read": len(frame),
                **keyed.metadata(),
                "dagster/column_schema": frame_schema(frame, {key: key_column(key, frame)}),
            },
        )
        yield KEY_CHECK.result(
            asset_key,
            refused=int(keyed.refused.sum()),
            total=len(frame),
            threshold=profiles.max_invalid_key_share,
            setting="profiles.max_invalid_key_share",
            reasons=keyed.check_reasons(),
        )

    return customer_profiles


def key_column(key: str, frame: pd.DataFrame) -> dg.TableColumn:
    """The key column as the UI shows it: not null, unique, and why."""
    return dg.TableColumn(
        key,
        type_name(frame[key].dtype),
        description="Identifies the profile; rows where it is missing or shared are left out (see the check).",
        constraints=dg.TableColumnConstraints(nullable=False, unique=True),
    )
