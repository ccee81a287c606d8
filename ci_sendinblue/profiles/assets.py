"""The unified customer profiles every segment is cut from."""

import dagster as dg
import pandas as pd

from ci_sendinblue.columns import frame_schema, type_name
from ci_sendinblue.config.models import ProfilesSettings
from ci_sendinblue.naming import Names
from ci_sendinblue.profiles.checks import KEY_CHECK
from ci_sendinblue.profiles.sources import ProfilesFileError, read_profiles, unavailable_reason
from ci_sendinblue.text import TEXT, duplicated_values, rows_where


def build_customer_profiles(profiles: ProfilesSettings, names: Names) -> dg.AssetsDefinition:
    key = names.customer_profiles
    description = (
        f"Unified customer profiles from {profiles.path.name}, keyed by {profiles.key}. Profiles with a "
        "missing or shared key are left out and reported."
    )
    unavailable = unavailable_reason(profiles.path)
    if unavailable:
        description += (
            f"\n\nWhen this code location loaded, the {unavailable}: the columns the configuration names "
            "were not checked, and a run fails until the file is there."
        )

    @dg.asset(
        key=key,
        group_name=names.group("profiles"),
        io_manager_key=names.io_manager,
        kinds={"pandas", profiles.path.suffix.lstrip(".").lower()},
        description=description,
        metadata={"path": dg.MetadataValue.path(str(profiles.path)), "key": profiles.key},
        check_specs=[KEY_CHECK.spec(key)],
    )
    def customer_profiles(context: dg.AssetExecutionContext):
        """Read the file; set aside rows whose key is missing or appears more than once."""
        try:
            frame = read_profiles(profiles.path)
        except ProfilesFileError as error:
            raise dg.Failure(
                description=f"Cannot read the profiles (profiles.path): {error}", allow_retries=False
            ) from None
        keys = frame[profiles.key].astype(TEXT).str.strip()
        missing = keys.isna() | (keys == "")
        duplicated = pd.Series(duplicated_values(keys), index=keys.index) & ~missing
        refused = missing | duplicated
        kept = rows_where(frame, ~refused) if refused.any() else frame.copy(deep=False)
        kept[profiles.key] = keys[~refused]
        if refused.any():
            context.log.warning(
                f"{int(missing.sum())} profiles without a {profiles.key} and {int(duplicated.sum())} sharing one "
                "are left out of every segment; see the materialization's metadata for their rows."
            )
        yield dg.Output(
            kept,
            metadata={
                "dagster/row_count": len(kept),
                "rows_read": len(frame),
                "missing_key": int(missing.sum()),
                "duplicate_key": int(duplicated.sum()),
                "missing_key_rows": _row_numbers(missing),
                "duplicate_keys": dg.MetadataValue.json(sorted(set(keys[duplicated].astype(str)))[:20]),
                "dagster/column_schema": frame_schema(frame, {profiles.key: _key_column(profiles.key, frame)}),
            },
        )
        yield KEY_CHECK.result(
            key,
            refused=int(refused.sum()),
            total=len(frame),
            threshold=profiles.max_invalid_key_share,
            setting="profiles.max_invalid_key_share",
            reasons={"missing key": int(missing.sum()), "shared key": int(duplicated.sum())},
        )

    return customer_profiles


def _key_column(key: str, frame: pd.DataFrame) -> dg.TableColumn:
    return dg.TableColumn(
        key,
        type_name(frame[key].dtype),
        description="Identifies the profile; rows where it is missing or shared are left out (see the check).",
        constraints=dg.TableColumnConstraints(nullable=False, unique=True),
    )


def _row_numbers(mask: pd.Series, limit: int = 20) -> str:
    """Data row numbers (1 = the first row after the header) of the first rows in ``mask``."""
    rows = [str(i + 1) for i in mask[mask].index[:limit]]
    more = int(mask.sum()) - len(rows)
    return ", ".join(rows) + (f" and {more} more" if more > 0 else "") if rows else "none"
