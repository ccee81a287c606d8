"""One asset per configured segment: the profiles its rule selects, with a usable email, less those opted out
in Brevo when the segment asks (`exclude_optouts`)."""

import warnings

import dagster as dg
import numpy as np
import pandas as pd
import pandera.pandas as pa
from dagster_pandera import pandera_schema_to_dagster_type

from ci_sendinblue.columns import frame_schema, passed_through
from ci_sendinblue.config.models import SegmentSettings, Settings
from ci_sendinblue.privacy import mask_email
from ci_sendinblue.segments.checks import REJECTED_SHARE_CHECK
from ci_sendinblue.segments.emails import normalize_emails
from ci_sendinblue.segments.optouts import without_optouts
from ci_sendinblue.segments.rules import evaluate
from ci_sendinblue.segments.schemas import contract_columns, segment_members_schema
from ci_sendinblue.text import rows_where


def build_segment_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    return [build_segment_asset(name, segment, settings) for name, segment in settings.segments.items()]


def build_segment_asset(name: str, segment: SegmentSettings, settings: Settings) -> dg.AssetsDefinition:
    names = settings.names
    key = names.segment(name)
    profiles = names.customer_profiles
    key_column = settings.profiles.key
    email_column = settings.segment_email_column(name)
    schema = segment_members_schema(key_column, email_column).set_name(names.dagster_name(f"{name}_members"))
    members_type = _dagster_type(schema)
    contract = contract_columns(schema)
    mask = settings.mask_personal_data

    @dg.asset(
        key=key,
        group_name=names.group("segments"),
        io_manager_key=names.io_manager,
        kinds={"pandas", "pandera"},
        ins={
            "customer_profiles": dg.AssetIn(profiles),
            **{_optouts_input(c): dg.AssetIn(names.optouts(c)) for c in segment.exclude_optouts},
        },
        dagster_type=members_type,
        description=segment.description or f"Profiles in segment {name}.",
        metadata={
            "rule": dg.MetadataValue.json(segment.where.model_dump(by_alias=True, exclude_defaults=True)),
            "dagster/column_schema": dg.TableSchema(columns=list(contract.values())),
        },
        check_specs=[REJECTED_SHARE_CHECK.spec(key)],
    )
    def _segment(context: dg.AssetExecutionContext, customer_profiles: pd.DataFrame, **optouts: pd.DataFrame):
        selected = evaluate(segment.where, customer_profiles)
        matched = customer_profiles if selected.all() else rows_where(customer_profiles, selected)
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
        sample = [
            f"row {index + 1}: {mask_email(value) if mask else value} ({reason})"
            for index, value, reason in zip(
                matched.index[rejected[:10]],
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
                "dagster/column_lineage": passed_through(map(str, members.columns), profiles),
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

    return _segment


def _optouts_input(connection: str) -> str:
    return f"{connection}_optouts"


def _dagster_type(schema: pa.DataFrameSchema) -> dg.DagsterType:
    """The schema as a Dagster type, so the UI shows the contract and each output is validated against it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return pandera_schema_to_dagster_type(schema)
