"""One asset per enabled export: the Brevo list, kept in step with the export's segments.

The asset is a spec and a few lines: the sync itself is ``list_sync.ListSync``, what it reports is
``reports``, its checks are ``checks``, the HTTP side is ``list_writer.ListWriter``. (No ``from __future__
import annotations`` here: Dagster reads the run config's type from the function's annotations at definition
time.)
"""

from collections.abc import Iterator, Mapping

import dagster as dg
import pandas as pd

from ci_sendinblue.config.models import ExportSettings, Settings
from ci_sendinblue.naming import Names
from ci_sendinblue.sendinblue.attributes import AttributeConversion
from ci_sendinblue.sendinblue.checks import (
    REFUSED_SHARE_CHECK,
    UNCONVERTIBLE_CHECK,
    cap_result,
    drift_result,
    list_check_specs,
)
from ci_sendinblue.sendinblue.conversion import UnconvertibleReport
from ci_sendinblue.sendinblue.errors import BrevoError, ExportError, TooManyProfiles, TooManyUnconvertible
from ci_sendinblue.sendinblue.freshness import freshness_policy
from ci_sendinblue.sendinblue.list_sync import DryRunOutcome, ListSync, ListSyncConfig, SyncOutcome
from ci_sendinblue.sendinblue.mapping import FieldMapping
from ci_sendinblue.sendinblue.reports import dry_run_metadata, sync_metadata
from ci_sendinblue.sendinblue.resources import SendinblueResource, SyncStateResource

RUN_OPTION_TAG = "ci_sendinblue/{option}"
"""Run tags naming the options a run was launched with, so a dry run or a full refresh stands out in the
Runs list (only options that are on are tagged)."""


def build_list_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    return [build_list_asset(name, export, settings) for name, export in settings.enabled_exports().items()]


def build_list_asset(name: str, export: ExportSettings, settings: Settings) -> dg.AssetsDefinition:
    names = settings.names
    connection_key = names.connection_resource(export.connection)
    state_key = names.sync_state_resource
    key = names.export_list(name)
    mask = settings.mask_personal_data
    mapping = FieldMapping.parse(export.mapped_columns(), export.value_formats(), settings.profiles.value_defaults())
    connection = settings.connections[export.connection]
    page_url = connection.list_page_url

    @dg.asset(
        key=key,
        group_name=names.group("sendinblue"),
        kinds={"brevo"},
        owners=export.owners or connection.owners,  # who answers for the list, shown in the UI
        io_manager_key=names.io_manager,
        # The segment's schema is checked where the segment is materialized; checking the same million rows
        # again as this step's input would cost as much and could not find anything new.
        ins={segment: dg.AssetIn(names.segment(segment), dagster_type=pd.DataFrame) for segment in export.segments},
        required_resource_keys={connection_key, state_key},
        pool=names.list_pool(export),
        freshness_policy=freshness_policy(export),
        output_required=False,
        check_specs=list_check_specs(key),
        description=export.description
        or f"{export.list_label}, fed by segment(s) {', '.join(export.segments)} ({export.mode} mode).",
        metadata={
            **list_definition_metadata(export, page_url),
            "connection": export.connection,
            "mode": export.mode,
            "mapping": dg.MetadataValue.json(export.mapping_as_written()),
            "schedule": export.schedule or "on demand",
            "dagster/column_schema": list_column_schema(mapping, {}),
        },
    )
    def _list(context: dg.AssetExecutionContext, config: ListSyncConfig, **segments: pd.DataFrame):
        brevo: SendinblueResource = getattr(context.resources, connection_key)
        state: SyncStateResource = getattr(context.resources, state_key)
        _tag_run_options(context, config)
        try:
            store = state.store(context.instance)
            sync = ListSync(
                name, export, brevo.mapping_for(name), store, config, log=context.log, mask=mask, names=names
            )
            sync.require_privacy_terms(brevo.accept_data_privacy_terms)
            with brevo.list_writer(export.list_id, log=context.log) as writer:
                outcome = sync.run({segment: segments[segment] for segment in export.segments}, writer)
        except TooManyProfiles as error:
            yield cap_result(key, members=error.members, cap=error.cap, setting=f"exports.{name}.max_profiles")
            raise dg.Failure(description=f"Export {name} to {export.list_label}: {error}") from None
        except TooManyUnconvertible as error:
            yield unconvertible_result(name, export, key, error.report)
            raise dg.Failure(description=f"Export {name} to {export.list_label}: {error}") from None
        except (BrevoError, ExportError) as error:
            raise dg.Failure(
                description=f"Export {name} to {export.list_label} failed: {error}", allow_retries=False
            ) from None
        resolved = sync.export  # with the list's ID, found by name when the export names its list
        if isinstance(outcome, DryRunOutcome):
            yield dg.AssetObservation(asset_key=key, metadata=dry_run_metadata(name, resolved, outcome, mask=mask))
        else:
            list_page = page_url.format(list_id=resolved.list_id)
            metadata = sync_metadata(name, resolved, outcome, config, mask=mask, list_page=list_page)
            metadata.update(resolved_list_metadata(sync))
            metadata["dagster/column_schema"] = list_column_schema(mapping, sync.attribute_types, sync.conversions)
            metadata["dagster/column_lineage"] = list_column_lineage(mapping, export.segments, names)
            yield dg.MaterializeResult(metadata=metadata)
        yield from _check_results(name, resolved, key, outcome)

    return _list


def list_definition_metadata(export: ExportSettings, page_url: str) -> dict[str, dg.MetadataValue]:
    """The list as the configuration names it: by ID (with a link), or by name until a run resolves it."""
    if export.list_id is not None:
        return {
            "list_id": dg.MetadataValue.text(str(export.list_id)),
            "list": dg.MetadataValue.url(page_url.format(list_id=export.list_id)),
        }
    assert export.list_by_name is not None
    wanted = export.list_by_name
    created = " (created if missing)" if wanted.create_if_missing else ""
    return {"list": dg.MetadataValue.text(f"{wanted.describe()}{created}, its ID found by each run")}


def resolved_list_metadata(sync: ListSync) -> dict[str, dg.MetadataValue]:
    """The list's ID this run wrote to, and for a list named by name what it was found (or created) as."""
    metadata = {"list_id": dg.MetadataValue.text(str(sync.export.list_id))}
    if sync.resolved_list is not None:
        found = sync.resolved_list
        metadata["list_name"] = dg.MetadataValue.text(found.name)
        if found.folder is not None:
            metadata["list_folder"] = dg.MetadataValue.text(found.folder)
        metadata["list_created"] = dg.MetadataValue.bool(found.created)
    return metadata


def _check_results(
    name: str, export: ExportSettings, key: dg.AssetKey, outcome: SyncOutcome | DryRunOutcome
) -> Iterator[dg.AssetCheckResult]:
    dry_run = isinstance(outcome, DryRunOutcome)
    yield drift_result(
        key,
        list_id=export.list_id,
        before=outcome.before,
        after=None if dry_run else outcome.after,
        repaired=outcome.would_reconcile if dry_run else outcome.reconciled_drift,
        setting=f"exports.{name}.reconcile_drift",
    )
    yield REFUSED_SHARE_CHECK.result(
        key,
        refused=0 if dry_run else len(outcome.imported.rejected),
        total=len(outcome.members.raw),
        reasons=None if dry_run else outcome.imported.rejected_by_reason(),
        threshold=export.max_refused_share,
        setting=f"exports.{name}.max_refused_share",
    )
    yield unconvertible_result(name, export, key, outcome.unconvertible)
    yield cap_result(
        key, members=len(outcome.members.raw), cap=export.max_profiles, setting=f"exports.{name}.max_profiles"
    )


def unconvertible_result(
    name: str, export: ExportSettings, key: dg.AssetKey, report: UnconvertibleReport
) -> dg.AssetCheckResult:
    return UNCONVERTIBLE_CHECK.result(
        key,
        refused=report.affected,
        total=report.members,
        threshold=export.max_unconvertible_share,
        setting=f"exports.{name}.max_unconvertible_share",
        reasons=report.by_reason,
        sample=report.sample,
    )


def _tag_run_options(context: dg.AssetExecutionContext, config: ListSyncConfig) -> None:
    options = {option: value for option, value in config.model_dump().items() if value is True}
    tags = {RUN_OPTION_TAG.format(option=option): "true" for option in options}
    if tags:
        context.instance.add_run_tags(context.run_id, tags)


def list_column_schema(
    mapping: FieldMapping,
    attribute_types: Mapping[str, str],
    conversions: Mapping[str, AttributeConversion] | None = None,
) -> dg.TableSchema:
    """The contact Brevo receives: its email (the key) and each mapped attribute, with the Brevo type the
    account declares once a run has read it, and how a typed attribute's values are converted."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                "email",
                "text",
                description=f"Brevo's key for the contact, from profile column {mapping.email} (trimmed, lower-case).",
                constraints=dg.TableColumnConstraints(nullable=False, unique=True),
            ),
            *(
                dg.TableColumn(
                    attribute,
                    attribute_types.get(attribute, "attribute"),
                    description=f"From profile column {column}."
                    + (
                        " Sent in E.164 form (+ and digits), or left out when not a valid number."
                        if attribute == "SMS"
                        else _converted(conversions.get(attribute) if conversions else None)
                    ),
                )
                for attribute, column in mapping.attributes.items()
            ),
        ]
    )


def _converted(conversion: AttributeConversion | None) -> str:
    """How a typed attribute's values are sent, in words; nothing for text."""
    if conversion is None or not conversion.typed:
        return ""
    how = {
        "float": f"a JSON number (decimal separator '{conversion.format.decimal_separator}')",
        "date": "YYYY-MM-DD"
        + (f" (read as {conversion.format.date_format} or ISO)" if conversion.format.date_format else ""),
        "boolean": "true or false",
        "category": "the value of its label in the attribute's enumeration",
        "multiple-choice": f"an array of the attribute's options (text split on '{conversion.format.separator}')",
    }[conversion.kind]
    return f" Sent as {how}; a value that does not convert is left out and reported."


def list_column_lineage(mapping: FieldMapping, segments: list[str], names: Names) -> dg.TableColumnLineage:
    """Each field Brevo receives comes from one profile column, carried by every segment of the export."""
    fields = {"email": mapping.email, **mapping.attributes}  # each from one column, whatever its conversion
    return dg.TableColumnLineage(
        deps_by_column={
            field: [dg.TableColumnDep(asset_key=names.segment(segment), column_name=column) for segment in segments]
            for field, column in fields.items()
        }
    )
