"""The unified customer profiles every segment is cut from."""

import dagster as dg
import pandas as pd

from ci_sendinblue.columns import frame_schema, type_name
from ci_sendinblue.config.models import ProfilesSettings
from ci_sendinblue.naming import Names
from ci_sendinblue.profiles.checks import KEY_CHECK
from ci_sendinblue.profiles.keys import keyed_profiles
from ci_sendinblue.profiles.sources import ProfilesFileError, read_profiles, unavailable_reason


def build_customer_profiles(profiles: ProfilesSettings, names: Names) -> dg.AssetsDefinition:
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
