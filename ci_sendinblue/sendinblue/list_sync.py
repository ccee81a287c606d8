"""One run of one export: shape the contacts, diff them with the sync state, brake, import, unlink, record.

The engine behind the list asset (``assets.py`` holds only the asset's spec and a few lines that call this).
Each run is a sync: the contacts the segments hold now are compared with what Brevo last confirmed (the sync
state), only new and changed contacts are imported, and in mirror mode the ones who left every segment are
unlinked from the list. The state is written only after Brevo confirmed, so a failed or killed run is simply
done again by the next one. It knows Dagster only through the run options and a logger.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import pandas as pd
from pydantic import Field

from ci_sendinblue.config.models import ExportSettings
from ci_sendinblue.sendinblue.brake import RemovalPlan, apply_brake
from ci_sendinblue.sendinblue.contacts import EMAIL, ExportContacts, build_export_contacts
from ci_sendinblue.sendinblue.errors import PrivacyTermsNotAccepted, TooManyProfiles
from ci_sendinblue.sendinblue.imports import ImportBody, import_bodies
from ci_sendinblue.sendinblue.isolation import ImportReport, import_isolating_refused
from ci_sendinblue.sendinblue.list_writer import ListWriter
from ci_sendinblue.sendinblue.mapping import FieldMapping
from ci_sendinblue.sendinblue.reconcile import list_as_state
from ci_sendinblue.sendinblue.sync_diff import ATTRIBUTES_HASH, SyncDiff, attributes_hash, diff_members
from ci_sendinblue.sendinblue.sync_state import SyncStateStore


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


@dataclass(frozen=True)
class DryRunOutcome:
    diff: SyncDiff
    removing: pd.Index


@dataclass(frozen=True)
class SyncOutcome:
    contacts: ExportContacts
    diff: SyncDiff
    imported: ImportReport
    removed: int
    list_after: Mapping[str, Any]
    """The list as Brevo describes it after the run (``GET /contacts/lists/{id}``)."""
    duration_seconds: float

    @property
    def list_members_after(self) -> int:
        return int(self.list_after.get("uniqueSubscribers", self.list_after.get("totalSubscribers", 0)) or 0)


class ListSync:
    def __init__(
        self,
        name: str,
        export: ExportSettings,
        mapping: FieldMapping,
        store: SyncStateStore,
        options: ListSyncConfig,
        *,
        log: logging.Logger | logging.LoggerAdapter,
        mask: bool,
    ) -> None:
        self.name = name
        self.export = export
        self.mapping = mapping
        self.store = store
        self.options = options
        self.log = log
        self.mask = mask
        self.started = time.monotonic()

    def require_privacy_terms(self, accepted: bool) -> None:
        if not accepted:
            raise PrivacyTermsNotAccepted(
                f"connection '{self.export.connection}' has not accepted the data privacy terms: sending customer "
                f"data to Brevo needs connections.{self.export.connection}.accept_data_privacy_terms: true."
            )

    def run(self, segments: Mapping[str, pd.DataFrame], writer: ListWriter) -> DryRunOutcome | SyncOutcome:
        """``segments`` in the export's order (the first one wins a contact held by several)."""
        shaped = build_export_contacts(
            segments,
            self.mapping,
            phone_region=self.export.phone_region,
            phone_region_column=self.export.phone_region_column,
        )
        contacts = shaped.contacts
        if len(contacts) > self.export.max_profiles:
            raise TooManyProfiles(
                f"{len(contacts)} contacts exceed the export's limit of {self.export.max_profiles}: raise "
                f"exports.{self.name}.max_profiles or narrow its segments. Nothing was sent."
            )
        attributes = [c for c in contacts.columns if c != EMAIL]
        contacts[ATTRIBUTES_HASH] = attributes_hash(contacts, attributes)

        writer.check_ready(attributes)
        previous = self._previous_state(writer, attributes)
        diff = diff_members(contacts, previous)
        removing = diff.left if self.export.mode == "mirror" else pd.Index([], dtype=object)
        if self.export.mode == "mirror":
            self._brake(len(removing), len(previous), shaped.members_per_segment)
        if self.options.dry_run:
            self.log.info(f"dry run of {self.name}: {diff.counts()}; nothing sent")
            return DryRunOutcome(diff, removing)

        if self.options.reconcile:
            self.store.replace(self.name, previous, datetime.now(UTC))
        imported = import_isolating_refused(
            writer,
            diff.to_import,
            bodies=self._bodies,
            confirm=lambda rows: self.store.record_confirmed_upserts(
                self.name, rows[[EMAIL, ATTRIBUTES_HASH]], datetime.now(UTC)
            ),
            budget=self.export.max_isolation_imports,
            budget_setting=f"exports.{self.name}.max_isolation_imports",
            log=self.log,
            mask=self.mask,
        )
        removed = self._remove(writer, removing)
        self.store.record_run(self.name, shaped.members_per_segment)
        after = writer.client.get_list(self.export.list_id)
        if len(shaped.invalid_phones):
            self.log.warning(f"{len(shaped.invalid_phones)} contacts sent without SMS: phone not valid")
        return SyncOutcome(shaped, diff, imported, removed, after, round(time.monotonic() - self.started, 3))

    def _previous_state(self, writer: ListWriter, attributes: list[str]) -> pd.DataFrame:
        """What Brevo holds: the confirmed state, nothing (full refresh), or the list itself (reconcile, which
        becomes the new state once the run is past the brake and not a dry run)."""
        if self.options.full_refresh:
            return pd.DataFrame({EMAIL: pd.Series([], dtype=object), ATTRIBUTES_HASH: pd.Series([], dtype=object)})
        if not self.options.reconcile:
            return self.store.load(self.name)
        actual = list_as_state(writer, attributes)
        self.log.info(f"reconcile: Brevo list {self.export.list_id} holds {len(actual)} contacts")
        return actual

    def _brake(self, removing: int, list_size: int, segment_counts: dict[str, int]) -> None:
        summary = self.store.summary(self.name)
        apply_brake(
            RemovalPlan(
                export_name=self.name,
                removing=removing,
                list_size=list_size,
                max_share=self.export.max_removal_share,
                segment_counts=segment_counts,
                previous_segment_counts=summary.segment_counts if summary else {},
            ),
            allowed=self.export.allow_mass_removal or self.options.allow_mass_removal,
        )

    def _bodies(self, rows: pd.DataFrame) -> Iterator[ImportBody]:
        return import_bodies(
            rows.drop(columns=[ATTRIBUTES_HASH]),
            list_id=self.export.list_id,
            max_bytes=self.export.max_import_bytes,
            clear_empty_attributes=self.export.clear_empty_attributes,
        )

    def _remove(self, writer: ListWriter, emails: pd.Index) -> int:
        if emails.empty:
            return 0
        outcome = writer.remove(list(emails))
        self.store.record_confirmed_removals(self.name, [*outcome.removed, *outcome.not_in_list])
        return len(outcome.removed)
