"""One asset per enabled export: the Brevo list, kept in step with the export's segments."""

import time

import dagster as dg
import pandas as pd

from ci_sendinblue.config.models import ExportSettings, Settings
from ci_sendinblue.privacy import masked_sample
from ci_sendinblue.segments.assets import segment_key
from ci_sendinblue.sendinblue.contacts import EMAIL, build_export_contacts
from ci_sendinblue.sendinblue.errors import BrevoError, ExportRefused
from ci_sendinblue.sendinblue.imports import ContactTooLarge, import_bodies
from ci_sendinblue.sendinblue.resources import SendinblueResource


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
        ins={segment: dg.AssetIn(segment_key(segment)) for segment in export.segments},
        required_resource_keys={connection_key},
        pool=f"brevo_list_{export.list_id}",
        description=export.description
        or f"Brevo list {export.list_id}, fed by segment(s) {', '.join(export.segments)}.",
        metadata={
            "list_id": export.list_id,
            "connection": export.connection,
            "mode": export.mode,
            "mapping": dg.MetadataValue.json(export.mapping),
            "schedule": export.schedule or "on demand",
        },
    )
    def _list(context: dg.AssetExecutionContext, **segments: pd.DataFrame) -> dg.MaterializeResult:
        started = time.monotonic()
        brevo: SendinblueResource = getattr(context.resources, connection_key)
        try:
            return _export(context, name, export, brevo, segments, started, mask)
        except (BrevoError, ExportRefused, ContactTooLarge) as error:
            raise dg.Failure(
                description=f"Export {name} to Brevo list {export.list_id} failed: {error}",
                allow_retries=False,
            ) from None

    return _list


def _export(
    context: dg.AssetExecutionContext,
    name: str,
    export: ExportSettings,
    brevo: SendinblueResource,
    segments: dict[str, pd.DataFrame],
    started: float,
    mask: bool,
) -> dg.MaterializeResult:
    if not brevo.accept_data_privacy_terms:
        raise ExportRefused(
            f"connection '{export.connection}' has not accepted the data privacy terms: sending customer data to "
            f"Brevo needs connections.{export.connection}.accept_data_privacy_terms: true in the configuration."
        )
    shaped = build_export_contacts(segments, export)
    contacts = shaped.contacts
    if len(contacts) > export.max_profiles:
        raise ExportRefused(
            f"{len(contacts)} contacts exceed the export's limit of {export.max_profiles}: raise "
            f"exports.{name}.max_profiles or narrow its segments. Nothing was sent."
        )
    writer = brevo.list_writer(export.list_id, context.log.info)
    writer.check_ready(export.attribute_columns)
    bodies = import_bodies(
        contacts,
        list_id=export.list_id,
        max_bytes=export.max_import_bytes,
        clear_empty_attributes=export.clear_empty_attributes,
    )
    outcomes = writer.import_all(bodies)
    invalid_in_brevo = sum(o.status.import_counters.get("invalid_emails", 0) for o in outcomes)
    after = writer.client.get_list(export.list_id)
    if len(shaped.invalid_phones):
        context.log.warning(f"{len(shaped.invalid_phones)} contacts sent without SMS: phone not valid")
    return dg.MaterializeResult(
        metadata={
            "list_id": export.list_id,
            "sent": len(contacts),
            "deduplicated": shaped.duplicates,
            "rejected_by_brevo": invalid_in_brevo,
            "invalid_phones": len(shaped.invalid_phones),
            "invalid_phone_sample": dg.MetadataValue.json(masked_sample(shaped.invalid_phones, mask=mask)),
            "shared_phones": len(shaped.shared_phones),
            "members_per_segment": dg.MetadataValue.json(shaped.members_per_segment),
            "import_process_ids": dg.MetadataValue.json([o.process_id for o in outcomes]),
            "import_requests": len(outcomes),
            "list_members_after": int(after.get("uniqueSubscribers", after.get("totalSubscribers", 0)) or 0),
            "duration_seconds": round(time.monotonic() - started, 3),
            "sample": dg.MetadataValue.json(masked_sample(contacts[EMAIL], mask=mask, size=5)),
        }
    )
