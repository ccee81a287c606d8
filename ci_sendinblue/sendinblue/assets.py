"""One asset per enabled export: the Brevo list, kept in step with the export's segments.

Each run is a sync: the contacts the segments hold now are compared with what Brevo last confirmed (the sync
state), only new and changed contacts are imported, and in mirror mode the ones who left every segment are
unlinked from the list. The state is written only after Brevo confirmed, so a failed or killed run is simply
done again by the next one.
"""

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain

import dagster as dg
import pandas as pd
from pydantic import Field

from ci_sendinblue.config.models import ExportSettings, Settings
from ci_sendinblue.privacy import masked_sample
from ci_sendinblue.segments.assets import segment_key
from ci_sendinblue.sendinblue.brake import RemovalPlan, apply_brake
from ci_sendinblue.sendinblue.contacts import EMAIL, ExportContacts, build_export_contacts
from ci_sendinblue.sendinblue.errors import BrevoError, ExportRefused, ImportProcessFailed
from ci_sendinblue.sendinblue.imports import ContactTooLarge, import_bodies
from ci_sendinblue.sendinblue.resources import SendinblueResource, SyncStateResource
from ci_sendinblue.sendinblue.sync import ImportOutcome, ListWriter
from ci_sendinblue.sendinblue.sync_diff import ATTRIBUTES_HASH, SyncDiff, attributes_hash, diff_members
from ci_sendinblue.sendinblue.sync_state import SyncStateStore

SYNC_STATE = "sync_state"


@dataclass
class ImportReport:
    outcomes: list[ImportOutcome] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    unresolved: list[ImportOutcome] = field(default_factory=list)


class ListSyncConfig(dg.Config):
    """Options of one run, set in the launchpad ("Materialize" with shift-click) or a job's run config."""

    dry_run: bool = Field(default=False, description="Compute and report the changes; send nothing, keep the state.")
    full_refresh: bool = Field(default=False, description="Ignore the sync state and send every member again.")
    reconcile: bool = Field(
        default=False,
        description="Read the list's actual members from Brevo and repair drift (contacts removed or added by "
        "hand, attributes edited in Brevo) within the export's mode.",
    )
    allow_mass_removal: bool = Field(default=False, description="Let this run pass the mirror-mode brake.")


def list_key(export_name: str) -> dg.AssetKey:
    return dg.AssetKey(["sendinblue", export_name])


def resource_key(connection_name: str) -> str:
    return f"sendinblue_{connection_name}"


def build_list_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    return [build_list_asset(name, export, settings) for name, export in settings.enabled_exports().items()]


def build_list_asset(name: str, export: ExportSettings, settings: Settings) -> dg.AssetsDefinition:
    connection_key = resource_key(export.connection)
    key = list_key(name)

    @dg.asset(
        key=key,
        group_name="sendinblue",
        kinds={"brevo"},
        ins={segment: dg.AssetIn(segment_key(segment)) for segment in export.segments},
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
        sync = ListSync(context, name, export, brevo, state.store(context.instance), config, settings)
        try:
            yield from sync.run(segments)
        except (BrevoError, ExportRefused, ContactTooLarge) as error:
            raise dg.Failure(
                description=f"Export {name} to Brevo list {export.list_id} failed: {error}", allow_retries=False
            ) from None

    return _list


class ListSync:
    """One run of one export: shape, diff, brake, import, unlink, record."""

    def __init__(
        self,
        context: dg.AssetExecutionContext,
        name: str,
        export: ExportSettings,
        brevo: SendinblueResource,
        store: SyncStateStore,
        config: ListSyncConfig,
        settings: Settings,
    ) -> None:
        self.context = context
        self.name = name
        self.export = export
        self.brevo = brevo
        self.store = store
        self.config = config
        self.mask = settings.mask_personal_data
        self.started = time.monotonic()

    def run(self, segments: dict[str, pd.DataFrame]):
        if not self.brevo.accept_data_privacy_terms:
            raise ExportRefused(
                f"connection '{self.export.connection}' has not accepted the data privacy terms: sending customer "
                f"data to Brevo needs connections.{self.export.connection}.accept_data_privacy_terms: true."
            )
        shaped = build_export_contacts(segments, self.export)
        contacts = shaped.contacts
        if len(contacts) > self.export.max_profiles:
            raise ExportRefused(
                f"{len(contacts)} contacts exceed the export's limit of {self.export.max_profiles}: raise "
                f"exports.{self.name}.max_profiles or narrow its segments. Nothing was sent."
            )
        attributes = [c for c in contacts.columns if c != EMAIL]
        contacts[ATTRIBUTES_HASH] = attributes_hash(contacts, attributes)

        writer = self.brevo.list_writer(self.export.list_id, self.context.log.info, self.context.log.warning)
        writer.check_ready(attributes)
        previous = self._previous_state(writer, attributes)
        diff = diff_members(contacts, previous)
        removing = diff.left if self.export.mode == "mirror" else pd.Index([], dtype=object)
        if self.export.mode == "mirror":
            summary = self.store.summary(self.name)
            apply_brake(
                RemovalPlan(
                    export_name=self.name,
                    removing=len(removing),
                    list_size=len(previous),
                    max_share=self.export.max_removal_share,
                    segment_counts=shaped.members_per_segment,
                    previous_segment_counts=summary.segment_counts if summary else {},
                ),
                allowed=self.export.allow_mass_removal or self.config.allow_mass_removal,
            )
        if self.config.dry_run:
            yield dg.AssetObservation(asset_key=self.context.asset_key, metadata=self._dry_run_report(diff, removing))
            self.context.log.info(f"dry run of {self.name}: {diff.counts()}; nothing sent")
            return

        if self.config.reconcile:
            self.store.replace(self.name, previous, datetime.now(UTC))
        imported = self._import(writer, diff.to_import)
        removed = self._remove(writer, removing)
        self.store.record_run(self.name, shaped.members_per_segment)
        after = writer.client.get_list(self.export.list_id)
        yield dg.MaterializeResult(metadata=self._report(shaped, diff, imported, removed, after))

    def _previous_state(self, writer: ListWriter, attributes: list[str]) -> pd.DataFrame:
        """What Brevo holds: the confirmed state, nothing (full refresh), or the list itself (reconcile, which
        becomes the new state once the run is past the brake and not a dry run)."""
        if self.config.full_refresh:
            return pd.DataFrame({EMAIL: pd.Series([], dtype=object), ATTRIBUTES_HASH: pd.Series([], dtype=object)})
        if not self.config.reconcile:
            return self.store.load(self.name)
        members = pd.DataFrame(
            [{EMAIL: m["email"].strip().lower(), **(m.get("attributes") or {})} for m in writer.members()],
            columns=[EMAIL, *attributes],
        )
        present = members[attributes].astype("string").apply(lambda c: c.str.strip()).replace("", pd.NA)
        members[attributes] = present
        members[ATTRIBUTES_HASH] = attributes_hash(members, attributes)
        actual = members[[EMAIL, ATTRIBUTES_HASH]].drop_duplicates(EMAIL)
        self.context.log.info(f"reconcile: Brevo list {self.export.list_id} holds {len(actual)} contacts")
        return actual

    def _import(self, writer: ListWriter, rows: pd.DataFrame) -> ImportReport:
        """Import ``rows``; an import that failed, or completed leaving out invalid emails, is split in halves
        and retried to isolate the contacts Brevo refuses.

        Splitting is bounded by the export's ``max_isolation_imports``; a single contact whose import still
        fails is rejected (reported, not recorded, so it is tried again next run). Each round's completed
        imports are recorded in the state at once, so work done survives a later failure.
        """
        report = ImportReport()
        budget = self.export.max_isolation_imports
        pending = [rows] if not rows.empty else []
        while pending:
            bodies = chain.from_iterable(
                import_bodies(
                    frame.drop(columns=[ATTRIBUTES_HASH]),
                    list_id=self.export.list_id,
                    max_bytes=self.export.max_import_bytes,
                    clear_empty_attributes=self.export.clear_empty_attributes,
                )
                for frame in pending
            )
            outcomes = writer.import_all(bodies)
            report.outcomes.extend(outcomes)
            confirmed = [email for o in outcomes if o.clean for email in o.emails]
            self.store.record_confirmed_upserts(
                self.name, rows.loc[rows[EMAIL].isin(confirmed), [EMAIL, ATTRIBUTES_HASH]], datetime.now(UTC)
            )
            pending = []
            for outcome in (o for o in outcomes if not o.clean):
                if len(outcome.emails) == 1:
                    report.rejected.extend(outcome.emails)
                    self.context.log.warning(
                        f"import process {outcome.process_id} {outcome.outcome_text} for a single contact "
                        f"({masked_sample(outcome.emails, mask=self.mask)[0]}): rejected"
                    )
                elif budget >= 2:
                    budget -= 2
                    half = len(outcome.emails) // 2
                    self.context.log.warning(
                        f"import process {outcome.process_id} {outcome.outcome_text} "
                        f"({len(outcome.emails)} contacts): retrying as two imports to isolate the refused ones"
                    )
                    for part in (outcome.emails[:half], outcome.emails[half:]):
                        pending.append(rows.loc[rows[EMAIL].isin(part)])
                else:
                    report.unresolved.append(outcome)
        if report.outcomes and not any(o.status.succeeded for o in report.outcomes):
            raise ImportProcessFailed(
                f"every import of this run failed ({len(report.outcomes)} processes, last one "
                f"{report.outcomes[-1].status.status}): Brevo refuses the imports as a whole, not particular "
                "contacts. Check the account in Brevo; the next run sends the same contacts again."
            )
        if report.unresolved:
            described = ", ".join(
                f"{o.process_id} ({o.outcome_text}, {len(o.emails)} contacts)" for o in report.unresolved
            )
            raise ImportProcessFailed(
                f"Brevo did not complete import process(es) {described}, and the run spent its "
                f"{self.export.max_isolation_imports} extra imports (exports.{self.name}.max_isolation_imports) "
                "isolating refused contacts; completed imports are recorded, the next run sends the rest again."
            )
        return report

    def _remove(self, writer: ListWriter, emails: pd.Index) -> int:
        if emails.empty:
            return 0
        outcome = writer.remove(list(emails))
        self.store.record_confirmed_removals(self.name, [*outcome.removed, *outcome.not_in_list])
        return len(outcome.removed)

    def _dry_run_report(self, diff: SyncDiff, removing: pd.Index) -> dict:
        return {
            "dry_run": True,
            "mode": self.export.mode,
            "would_add": diff.new_count,
            "would_update": diff.changed_count,
            "unchanged": diff.unchanged_count,
            "would_remove": len(removing),
            "left_segments": diff.left_count,
            "add_sample": dg.MetadataValue.json(masked_sample(diff.new[EMAIL], mask=self.mask)),
            "update_sample": dg.MetadataValue.json(masked_sample(diff.changed[EMAIL], mask=self.mask)),
            "remove_sample": dg.MetadataValue.json(masked_sample(removing, mask=self.mask)),
        }

    def _report(
        self, shaped: ExportContacts, diff: SyncDiff, imported: ImportReport, removed: int, after: dict
    ) -> dict:
        if len(shaped.invalid_phones):
            self.context.log.warning(f"{len(shaped.invalid_phones)} contacts sent without SMS: phone not valid")
        return {
            "mode": self.export.mode,
            "list_id": self.export.list_id,
            "added": diff.new_count,
            "updated": diff.changed_count,
            "unchanged": diff.unchanged_count,
            "removed": removed,
            "left_but_kept": diff.left_count if self.export.mode == "upsert" else 0,
            "rejected": len(imported.rejected),
            "rejected_sample": dg.MetadataValue.json(masked_sample(imported.rejected, mask=self.mask)),
            "sent": diff.new_count + diff.changed_count - len(imported.rejected),
            "members": len(shaped.contacts),
            "deduplicated": shaped.duplicates,
            "invalid_phones": len(shaped.invalid_phones),
            "invalid_phone_sample": dg.MetadataValue.json(masked_sample(shaped.invalid_phones, mask=self.mask)),
            "shared_phones": len(shaped.shared_phones),
            "members_per_segment": dg.MetadataValue.json(shaped.members_per_segment),
            "import_process_ids": dg.MetadataValue.json([o.process_id for o in imported.outcomes]),
            "import_requests": len(imported.outcomes),
            "list_members_after": int(after.get("uniqueSubscribers", after.get("totalSubscribers", 0)) or 0),
            "full_refresh": self.config.full_refresh,
            "reconcile": self.config.reconcile,
            "duration_seconds": round(time.monotonic() - self.started, 3),
            "added_sample": dg.MetadataValue.json(masked_sample(diff.new[EMAIL], mask=self.mask, size=5)),
        }
