"""One asset per enabled export: the Brevo list, kept in step with the export's segments.

The asset is a spec and a few lines: the sync itself is ``list_sync.ListSync``, what it reports is
``reports``, the HTTP side is ``list_writer.ListWriter``. (No ``from __future__ import annotations`` here:
Dagster reads the run config's type from the function's annotations at definition time.)
"""

import dagster as dg
import pandas as pd

from ci_sendinblue.config.models import ExportSettings, Settings
from ci_sendinblue.segments.assets import segment_key
from ci_sendinblue.sendinblue.errors import BrevoError, ExportError
from ci_sendinblue.sendinblue.list_sync import DryRunOutcome, ListSync, ListSyncConfig
from ci_sendinblue.sendinblue.reports import dry_run_metadata, sync_metadata
from ci_sendinblue.sendinblue.resources import SendinblueResource, SyncStateResource

SYNC_STATE = "sync_state"


def list_key(export_name: str) -> dg.AssetKey:
    return dg.AssetKey(["sendinblue", export_name])


def resource_key(connection_name: str) -> str:
    return f"sendinblue_{connection_name}"


def build_list_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    return [build_list_asset(name, export, settings) for name, export in settings.enabled_exports().items()]


def build_list_asset(name: str, export: ExportSettings, settings: Settings) -> dg.AssetsDefinition:
    connection_key = resource_key(export.connection)
    mask = settings.mask_personal_data

    @dg.asset(
        key=list_key(name),
        group_name="sendinblue",
        kinds={"brevo"},
        # The segment's schema is checked where the segment is materialized; checking the same million rows
        # again as this step's input would cost as much and could not find anything new.
        ins={segment: dg.AssetIn(segment_key(segment), dagster_type=pd.DataFrame) for segment in export.segments},
        required_resource_keys={connection_key, SYNC_STATE},
        pool=f"brevo_list_{export.list_id}",
        output_required=False,
        description=export.description
        or f"Brevo list {export.list_id}, fed by segment(s) {', '.join(export.segments)} ({export.mode} mode).",
        metadata={
            "list_id": export.list_id,
            "connection": export.connection,
            "mode": export.mode,
            "mapping": dg.MetadataValue.json(export.mapping),
            "schedule": export.schedule or "on demand",
        },
    )
    def _list(context: dg.AssetExecutionContext, config: ListSyncConfig, **segments: pd.DataFrame):
        brevo: SendinblueResource = getattr(context.resources, connection_key)
        state: SyncStateResource = getattr(context.resources, SYNC_STATE)
        try:
            sync = ListSync(
                name, export, brevo.mapping_for(name), state.store(context.instance), config, log=context.log, mask=mask
            )
            sync.require_privacy_terms(brevo.accept_data_privacy_terms)
            with brevo.list_writer(export.list_id, log=context.log) as writer:
                outcome = sync.run({segment: segments[segment] for segment in export.segments}, writer)
        except (BrevoError, ExportError) as error:
            raise dg.Failure(
                description=f"Export {name} to Brevo list {export.list_id} failed: {error}", allow_retries=False
            ) from None
        if isinstance(outcome, DryRunOutcome):
            yield dg.AssetObservation(
                asset_key=context.asset_key, metadata=dry_run_metadata(export, outcome, mask=mask)
            )
        else:
            yield dg.MaterializeResult(metadata=sync_metadata(export, outcome, config, mask=mask))

    return _list
