"""One asset per configured segment: the profiles its rule selects, with a usable email, less those opted out
in Brevo when the segment asks (`exclude_optouts`). The profiles come from one of three places:

- the profiles asset's stored frame (a small file, evaluated in pandas);
- the profiles source itself (a large file, a dataset, a CDM folder, a database, Spark): the rule runs there,
  compiled to ibis, and only the members' needed columns come back;
- a user's own asset (`profiles: {asset: ...}`), which this step reads, checks and keys as the profiles asset
  does the file.

Members are ordered by key on every path, so when two profiles share an email the same one is sent whichever
path found them."""

import warnings
from typing import Any

import dagster as dg
import numpy as np
import pandas as pd
import pandera.pandas as pa
from dagster_pandera import pandera_schema_to_dagster_type

from ci_sendinblue.columns import frame_schema, passed_through
from ci_sendinblue.config.columns import NamedColumn, member_columns, missing_columns, segment_columns
from ci_sendinblue.config.models import SegmentSettings, Settings
from ci_sendinblue.privacy import mask_email
from ci_sendinblue.profiles.checks import KEY_CHECK
from ci_sendinblue.profiles.evaluation import evaluated_in_pandas
from ci_sendinblue.profiles.keys import keyed_profiles
from ci_sendinblue.profiles.source_runs import profiles_source
from ci_sendinblue.segments.checks import REJECTED_SHARE_CHECK
from ci_sendinblue.segments.emails import normalize_emails
from ci_sendinblue.segments.optouts import without_optouts
from ci_sendinblue.segments.rules import evaluate
from ci_sendinblue.segments.schemas import contract_columns, segment_members_schema
from ci_sendinblue.segments.upstream import UnreadableProfiles, profiles_frame
from ci_sendinblue.text import frame_from_arrow, rows_where, sorted_by

PROFILES_INPUT = "customer_profiles"
"""The segment's input holding its profiles, from the profiles file's asset or the user's asset."""


def build_segment_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    return [build_segment_asset(name, segment, settings) for name, segment in settings.segments.items()]


def build_segment_asset(name: str, segment: SegmentSettings, settings: Settings) -> dg.AssetsDefinition:
    names = settings.names
    key = names.segment(name)
    key_column = settings.segment_key_column(name)
    email_column = settings.segment_email_column(name)
    schema = segment_members_schema(key_column, email_column).set_name(names.dagster_name(f"{name}_members"))
    members_type = _dagster_type(schema)
    contract = contract_columns(schema)
    mask = settings.mask_personal_data
    # A user's asset is read as its own IO manager stores it (no input manager here), and its profiles get
    # at this step what the profiles file's get from the profiles asset: a key check, and a column check.
    upstream = settings.profiles_asset(name)
    source = upstream or names.customer_profiles
    needed = segment_columns(settings, name)
    # The profiles where they live: the profiles asset only describes them, and this step queries them for
    # the columns the exports map, as their connection resources hold the mappings when the run starts.
    in_source = upstream is None and not evaluated_in_pandas(settings.profiles)
    feeding = {
        export_name: names.connection_resource(export.connection)
        for export_name, export in settings.enabled_exports().items()
        if name in export.segments
    }
    profiles_in = {} if in_source else {PROFILES_INPUT: dg.AssetIn(source)}

    @dg.asset(
        key=key,
        group_name=names.group("segments"),
        io_manager_key=names.io_manager,
        kinds={"pandas", "pandera", *(["ibis"] if in_source else [])},
        ins={
            **profiles_in,
            **{_optouts_input(c): dg.AssetIn(names.optouts(c)) for c in segment.exclude_optouts},
        },
        deps=[source] if in_source else None,
        required_resource_keys=set(feeding.values()) if in_source else None,
        dagster_type=members_type,
        description=segment.description or f"Profiles in segment {name}.",
        metadata={
            "rule": dg.MetadataValue.json(segment.where.model_dump(by_alias=True, exclude_defaults=True)),
            "dagster/column_schema": dg.TableSchema(columns=list(contract.values())),
            **({"profiles_asset": dg.MetadataValue.asset(upstream)} if upstream else {}),
        },
        check_specs=[REJECTED_SHARE_CHECK.spec(key), *([KEY_CHECK.spec(key)] if upstream else [])],
    )
    def _segment(context: dg.AssetExecutionContext, **inputs: Any):
        profiles, keyed = inputs.pop(PROFILES_INPUT, None), None
        optouts: dict[str, pd.DataFrame] = inputs
        if in_source:
            # Keys, rule and columns are applied where the profiles are (the profiles asset checked the columns).
            from ci_sendinblue.segments.members import select_members

            wanted = _fetched_columns(context, member_columns(settings, name), feeding)
            with profiles_source(settings.profiles) as where_they_live:
                _require_mapped_columns(wanted, list(where_they_live.table.columns), where_they_live.description)
                found = select_members(where_they_live.table, segment.where, key_column, list(wanted))
            matched = frame_from_arrow(found)
        elif upstream is None:
            _require_columns(profiles, needed, "the profiles file")
        else:
            keyed = keyed_profiles(_read_upstream(profiles, upstream, needed), key_column)
            if keyed.refused.any():
                context.log.warning(
                    f"{keyed.missing_count} profiles of {upstream.to_user_string()} without a {key_column} and "
                    f"{keyed.duplicated_count} sharing one are left out of {name}; see the materialization's "
                    "metadata for their rows."
                )
            profiles = keyed.kept
        if not in_source:
            selected = evaluate(segment.where, profiles)
            matched = profiles if selected.all() else rows_where(profiles, selected)
        matched = sorted_by(matched, key_column)
        emails, reasons = normalize_emails(matched[email_column])
        refused = reasons.notna().to_numpy(dtype=bool)
        normalised = matched.copy(deep=False)
        normalised[email_column] = emails
        # One filter over every column, the normalised emails included; the refused rows are few, so they
        # are read by position rather than copied out of the profiles.
        members = rows_where(normalised, ~refused) if refused.any() else normalised
        members, excluded = without_optouts(members, email_column, optouts.values())
        if excluded:
            context.log.info(f"{excluded} members of {name} left out: opted out in Brevo")
        rejected = np.flatnonzero(refused)
        # Rows of a file are named by their number; profiles queried where they live have no row number.
        where_found = (
            [f"{key_column} {k}" for k in matched[key_column].iloc[rejected[:10]]]
            if in_source
            else [f"row {index + 1}" for index in matched.index[rejected[:10]]]
        )
        sample = [
            f"{found_at}: {mask_email(value) if mask else value} ({reason})"
            for found_at, value, reason in zip(
                where_found,
                matched[email_column].iloc[rejected[:10]],
                reasons.iloc[rejected[:10]],
                strict=True,
            )
        ]
        by_reason = {str(k): int(v) for k, v in reasons[refused].value_counts().items()}
        if len(rejected):
            context.log.warning(f"{len(rejected)} of {len(matched)} profiles in {name} left out: unusable email")
        yield dg.Output(
            members,
            metadata={
                "dagster/row_count": len(members),
                "dagster/column_schema": frame_schema(members, contract),
                "dagster/column_lineage": passed_through(map(str, members.columns), source),
                **({"rows_read": len(keyed.keys), **keyed.metadata()} if keyed is not None else {}),
                "matched": len(matched),
                "rejected": len(rejected),
                "rejected_by_reason": dg.MetadataValue.json(by_reason),
                "rejected_sample": dg.MetadataValue.json(sample),
                **({"excluded_optouts": excluded} if segment.exclude_optouts else {}),
            },
        )
        yield REJECTED_SHARE_CHECK.result(
            key,
            refused=len(rejected),
            total=len(matched),
            threshold=segment.max_rejected_share,
            setting=f"segments.{name}.max_rejected_share",
            reasons=by_reason,
        )
        if keyed is not None:
            yield KEY_CHECK.result(
                key,
                refused=int(keyed.refused.sum()),
                total=len(keyed.keys),
                threshold=settings.profiles.max_invalid_key_share,
                setting="profiles.max_invalid_key_share",
                reasons=keyed.check_reasons(),
            )

    return _segment


def _read_upstream(value: Any, upstream: dg.AssetKey, needed: list[NamedColumn]) -> pd.DataFrame:
    """The user's asset's value as the segment's frame, holding every column the settings name; a failure
    naming the asset otherwise (retrying would read the same value)."""
    try:
        profiles = profiles_frame(value)
    except UnreadableProfiles as error:
        raise dg.Failure(
            description=f"Cannot read the profiles of asset {upstream.to_user_string()}: {error}",
            allow_retries=False,
        ) from None
    _require_columns(profiles, needed, f"asset {upstream.to_user_string()}")
    return profiles


def _fetched_columns(
    context: dg.AssetExecutionContext, configured: list[str], feeding: dict[str, str]
) -> dict[str, str]:
    """Each column to fetch from the source, with the setting that names it: the segment's own and the
    configuration's mapping, then whatever the connection resources map for this run (a mapping changed in
    the launchpad names columns the configuration does not)."""
    wanted = dict.fromkeys(configured, "the configuration")
    for export_name, resource_key in feeding.items():
        mapping = getattr(context.resources, resource_key).field_mappings.get(export_name) or {}
        for attribute, column in mapping.items():
            wanted.setdefault(column, f"{resource_key} field_mappings.{export_name}.{attribute}")
    return wanted


def _require_mapped_columns(wanted: dict[str, str], columns: list[str], source: str) -> None:
    """A column a resource maps at run time is checked here, the configuration's by the profiles asset."""
    present = set(columns)
    problems = [
        f"{setting}: column '{column}' is not in {source}"
        for column, setting in wanted.items()
        if column not in present
    ]
    if problems:
        raise dg.Failure(description="\n".join(problems), allow_retries=False)


def _require_columns(profiles: pd.DataFrame, needed: list[NamedColumn], source: str) -> None:
    problems = missing_columns(needed, [str(c) for c in profiles.columns], source)
    if problems:
        raise dg.Failure(description="\n".join(problems), allow_retries=False)


def _optouts_input(connection: str) -> str:
    return f"{connection}_optouts"


def _dagster_type(schema: pa.DataFrameSchema) -> dg.DagsterType:
    """The schema as a Dagster type, so the UI shows the contract and each output is validated against it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return pandera_schema_to_dagster_type(schema)
