"""One run of one export: shape the contacts, diff them with the sync state, brake, import, unlink, record.

The engine behind the list asset (``assets.py`` holds only the asset's spec and a few lines that call this).
Each run is a sync: the contacts the segments hold now are compared with what Brevo last confirmed (the sync
state), only new and changed contacts are imported, and in mirror mode the ones who left every segment are
unlinked from the list. The state is written only after Brevo confirmed, so a failed or killed run is simply
done again by the next one. It knows Dagster only through the run options and a logger.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import pandas as pd
from pydantic import Field

from ci_sendinblue.config.models import ExportSettings
from ci_sendinblue.memory import release_unused_memory
from ci_sendinblue.naming import Names
from ci_sendinblue.sendinblue.attributes import AttributeConversion, plan_conversions
from ci_sendinblue.sendinblue.brake import RemovalPlan, apply_brake
from ci_sendinblue.sendinblue.contacts import EMAIL, ExportMembers, gather_members
from ci_sendinblue.sendinblue.conversion import LIST_SOURCE, UnconvertibleReport, unconvertible_report
from ci_sendinblue.sendinblue.double_opt_in import DoubleOptInPlan, DoubleOptInReport, DoubleOptInRun
from ci_sendinblue.sendinblue.drift import ListCounts, brevo_blocklisted_count, brevo_member_count
from ci_sendinblue.sendinblue.errors import PrivacyTermsNotAccepted, TooManyProfiles, TooManyUnconvertible
from ci_sendinblue.sendinblue.imports import ImportBody, count_import_bodies, import_bodies
from ci_sendinblue.sendinblue.isolation import ImportReport, import_isolating_refused
from ci_sendinblue.sendinblue.list_names import ResolvedList, resolve_list
from ci_sendinblue.sendinblue.list_writer import ListWriter
from ci_sendinblue.sendinblue.mapping import FieldMapping
from ci_sendinblue.sendinblue.reconcile import list_as_state
from ci_sendinblue.sendinblue.sync_diff import ATTRIBUTES_HASH, SyncDiff
from ci_sendinblue.sendinblue.sync_plan import SyncPlan, members_digest, plan_sync, raw_value_hashes
from ci_sendinblue.sendinblue.sync_state import PHONE_KEY, ExportSummary, SyncStateStore
from ci_sendinblue.text import TEXT


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
    members: ExportMembers
    diff: SyncDiff
    removing: pd.Index
    before: ListCounts
    """Brevo's member count and the state's, before the run."""
    would_reconcile: bool
    """Drift was found and a real run would repair it (the diff above already reads Brevo's members)."""
    unconvertible: UnconvertibleReport = field(default_factory=UnconvertibleReport)
    """The values a real run would leave out because they do not fit their attribute's type."""
    double_opt_in: DoubleOptInPlan | None = None
    """Exports with double opt-in: whom a real run would ask to confirm instead of importing."""

    @property
    def adding(self) -> int:
        """New contacts a real run would import (the ones asked to confirm join the list later)."""
        held_back = len(self.double_opt_in.held_back) if self.double_opt_in else 0
        return self.diff.new_count - held_back


@dataclass(frozen=True)
class SyncOutcome:
    members: ExportMembers
    diff: SyncDiff
    invalid_phones: int
    invalid_phone_sample: pd.Series
    shared_phones: int
    imported: ImportReport
    removed: int
    list_after: Mapping[str, Any]
    """The list as Brevo describes it after the run (``GET /contacts/lists/{id}``)."""
    before: ListCounts
    after: ListCounts
    """Brevo's member count and the state's, before and after the run: the drift check compares them."""
    reconciled_drift: bool
    """Drift was found before the run and this run reconciled the state with Brevo's members."""
    duration_seconds: float
    invalid_phones_sent: int = 0
    """Contacts of this run's imports sent without SMS (``invalid_phones`` counts every member)."""
    nothing_changed: bool = False
    """True when the members digest matched the state's: nothing was loaded, parsed, sent or written."""
    unconvertible: UnconvertibleReport = field(default_factory=UnconvertibleReport)
    """The values this run left out because they do not fit their attribute's type."""

    @property
    def blocklisted_members(self) -> int:
        """Members of the list Brevo will not e-mail after this run: opted out, which no run undoes."""
        return brevo_blocklisted_count(self.list_after)

    double_opt_in: DoubleOptInReport | None = None
    """Exports with double opt-in: confirmation requests sent, contacts confirmed, contacts pending."""
    held_back: int = 0
    """New contacts not imported: asked to confirm (double opt-in), now or in an earlier run."""

    @property
    def added(self) -> int:
        """New contacts Brevo took (the refused ones are sent again next run)."""
        return self.diff.new_count - self._refused_among(self.diff.new) - self.held_back

    @property
    def updated(self) -> int:
        return self.diff.changed_count - self._refused_among(self.diff.changed)

    def _refused_among(self, rows: pd.DataFrame) -> int:
        if not self.imported.rejected or rows.empty:
            return 0
        return int(rows[EMAIL].isin(self.imported.rejected).sum())


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
        names: Names,
    ) -> None:
        self.name = name
        self.state_key = names.export_state(name)
        """What the state database keys the export by: its name, behind the configuration's key_prefix, so two
        configurations' exports of one name never share a state."""
        self.op_name = names.op_name(names.export_list(name))
        self.export = export
        self.mapping = mapping
        self.store = store
        self.options = options
        self.log = log
        self.mask = mask
        self.started = time.monotonic()
        self.reconciling = options.reconcile
        """Reading Brevo's members instead of trusting the state: asked for, or drift found (reconcile_drift)."""
        self.attribute_types: dict[str, str] = {}
        """The mapped attributes' Brevo types, read by the pre-flight (shown in the list's column schema)."""
        self.conversions: dict[str, AttributeConversion] = {}
        """How each mapped attribute is converted to its Brevo type, planned by the pre-flight."""
        self.resolved_list: ResolvedList | None = None
        """The list found (or created) by name at the pre-flight, for an export that names its list."""
        self.double_opt_in: DoubleOptInRun | None = None
        """Exports with double opt-in, once the list is known."""

    def require_privacy_terms(self, accepted: bool) -> None:
        if not accepted:
            raise PrivacyTermsNotAccepted(
                f"connection '{self.export.connection}' has not accepted the data privacy terms: sending customer "
                f"data to Brevo needs connections.{self.export.connection}.accept_data_privacy_terms: true."
            )

    def run(self, segments: Mapping[str, pd.DataFrame], writer: ListWriter) -> DryRunOutcome | SyncOutcome:
        """``segments`` in the export's order (the first one wins a contact held by several). From here on
        ``self.export.list_id`` is the list's ID, resolved from its name when the export gives one."""
        resolved = self._resolve_list(writer)
        members = gather_members(
            segments,
            self.mapping,
            phone_region=self.export.phone_region,
            phone_region_column=self.export.phone_region_column,
        )
        if len(members.raw) > self.export.max_profiles:
            raise TooManyProfiles(
                f"{len(members.raw)} contacts exceed the export's limit of {self.export.max_profiles}: raise "
                f"exports.{self.name}.max_profiles or narrow its segments. Nothing was sent.",
                members=len(members.raw),
                cap=self.export.max_profiles,
            )
        if resolved is None:
            return self._dry_run_of_a_list_to_create(members, writer)
        writer = resolved
        ready = writer.check_ready(members.attributes)
        self.attribute_types = ready.attribute_types
        lists = [self.mapping.attributes[a] for a, source in members.sources.items() if source == LIST_SOURCE]
        self.conversions = plan_conversions(self.mapping, ready.account, export_name=self.name, list_columns=lists)
        members = dataclasses.replace(members, conversions=self.conversions)
        summary = self.store.summary(self.state_key)
        list_changed = self._on_list_change(summary)
        if self.export.double_opt_in is not None:
            self.double_opt_in = DoubleOptInRun(
                self.state_key, self.export.double_opt_in, self.store, self.export.list_id, log=self.log, mask=self.mask
            )
        pending = len(self.double_opt_in.pending) if self.double_opt_in else 0
        before = self._counts(ready.listed, summary, pending=pending)
        if before.drifted and not list_changed:
            self._on_drift(before)
        raw_hashes = raw_value_hashes(members)
        digest = members_digest(members, raw_hashes, context=self._digest_context())
        if not pending and self._nothing_changed(summary, digest, len(members.raw)):
            assert summary is not None
            return self._unchanged(members, summary, digest, writer, before)

        release_unused_memory(collect_cycles=True)  # a run with work to do: room for the plan and the write
        previous = self._previous_state(writer, members.attributes)
        plan = plan_sync(members, raw_hashes, previous, by_value=self.reconciling)
        release_unused_memory()  # the planning columns are gone; packing the bodies needs room
        diff = plan.diff
        unconvertible = self._unconvertible(plan.to_import, members)
        removing = diff.left if self.export.mode == "mirror" else pd.Index([], dtype=object)
        if self.export.mode == "mirror":
            self._brake(len(removing), len(previous), members.members_per_segment)
        doi = None
        if self.double_opt_in is not None:
            just_read = self.reconciling and not self.options.full_refresh  # previous is the list itself
            doi = self.double_opt_in.plan(
                writer,
                diff.new[EMAIL],
                list_size=brevo_member_count(ready.listed),
                list_members=pd.Index(previous[EMAIL]) if just_read else None,
            )
        to_import = plan.to_import
        if doi is not None:
            to_import = to_import.loc[~to_import[EMAIL].isin(doi.held_back)]
        if self.options.dry_run:
            outcome = DryRunOutcome(
                members,
                diff,
                removing,
                before,
                would_reconcile=before.drifted and self.reconciling,
                unconvertible=unconvertible,
                double_opt_in=doi,
            )
            asking = (
                f"; would ask {len(doi.request):,} to confirm (double opt-in), {doi.still_pending:,} pending, "
                f"{len(doi.confirmed):,} confirmed"
                if doi
                else ""
            )
            self.log.info(
                f"dry run of {self.name}: would add {outcome.adding:,}, update {diff.changed_count:,}, remove "
                f"{len(removing):,} ({diff.unchanged_count:,} unchanged){asking}; nothing sent"
            )
            return outcome
        self._refuse_unconvertible(unconvertible)

        if self.reconciling:
            self.store.replace(self.state_key, self._reconciled_state(previous, plan), datetime.now(UTC))
        imported = import_isolating_refused(
            writer,
            to_import,
            bodies=self._bodies,
            count=self._body_count,
            confirm=lambda rows: self.store.record_confirmed_upserts(
                self.state_key, rows[[EMAIL, ATTRIBUTES_HASH, PHONE_KEY]], datetime.now(UTC)
            ),
            budget=self.export.max_isolation_imports,
            budget_setting=f"exports.{self.name}.max_isolation_imports",
            log=self.log,
            mask=self.mask,
        )
        confirmations = None
        if self.double_opt_in is not None and doi is not None:
            confirmations = self.double_opt_in.send(
                writer, plan.to_import, doi, members.raw[EMAIL], literal=self._typed_attributes()
            )
        removed = self._remove(writer, removing)
        facts = {
            "invalid_phones": len(plan.invalid_phones),
            "shared_phones": len(plan.shared_phones),
            "list_id": self.export.list_id,
        }
        # A run that left values out records no digest: the next one converts and reports them again.
        settled = (
            not imported.rejected
            and not imported.unresolved
            and not unconvertible.affected
            and not (confirmations and confirmations.pending)
        )
        self.store.record_run(
            self.state_key, members.members_per_segment, members_digest=digest if settled else None, facts=facts
        )
        if plan.invalid_phones_sent:
            self.log.warning(f"{plan.invalid_phones_sent:,} contacts sent in this run without SMS: phone not valid")
        return self._finish(
            SyncOutcome(
                members=members,
                diff=diff,
                invalid_phones=len(plan.invalid_phones),
                invalid_phone_sample=plan.invalid_phones,
                shared_phones=len(plan.shared_phones),
                imported=imported,
                removed=removed,
                list_after=(after := writer.client.get_list(self.export.list_id)),
                before=before,
                after=self._counts_now(after),
                reconciled_drift=before.drifted and self.reconciling,
                duration_seconds=self._elapsed(),
                invalid_phones_sent=plan.invalid_phones_sent,
                unconvertible=unconvertible,
                double_opt_in=confirmations,
                held_back=len(doi.held_back) if doi is not None else 0,
            )
        )

    def _unconvertible(self, rows: pd.DataFrame, members: ExportMembers) -> UnconvertibleReport:
        """What the run's contacts leave out as not fitting their type, one warning line per attribute."""
        report = unconvertible_report(rows, members.raw, self.conversions, mask=self.mask, members=len(members.raw))
        for reason, count in report.by_reason.items():
            attribute, why = reason.split(": ", 1)
            self.log.warning(
                f"{count:,} of the {report.contacts:,} contacts converted in this run have a value of {attribute} "
                f"that is {why}: left out of their import (Brevo keeps what it holds)"
            )
        return report

    def _refuse_unconvertible(self, report: UnconvertibleReport) -> None:
        """Above ``max_unconvertible_share`` the profiles' data is broken upstream: send nothing."""
        if report.share <= self.export.max_unconvertible_share:
            return
        breakdown = "; ".join(f"{reason}: {count:,}" for reason, count in report.by_reason.items())
        raise TooManyUnconvertible(
            f"{report.affected:,} of the export's {report.members:,} contacts ({report.share:.2%}) have values that "
            f"do not fit their Brevo attribute's type ({breakdown}), over the "
            f"{self.export.max_unconvertible_share:.2%} allowed by exports.{self.name}.max_unconvertible_share. "
            "Nothing was sent: fix the profiles, the mapping's formats, or raise the setting.",
            report=report,
        )

    def _resolve_list(self, writer: ListWriter) -> ListWriter | None:
        """The writer of the export's list: as given, or found (or created) by its name; None in a dry run
        when a real run would create the list (a dry run creates nothing)."""
        wanted = self.export.list_by_name
        if wanted is None:
            return writer
        resolved = resolve_list(
            writer.client, wanted, export_name=self.name, may_create=not self.options.dry_run, log=self.log
        )
        if resolved is None:
            return None
        self.resolved_list = resolved
        self.export = self.export.with_list_id(resolved.list_id)
        self.log.info(f"{self.name}: Brevo list {wanted.describe()} is list {resolved.list_id}")
        return writer.for_list(resolved.list_id)

    def _dry_run_of_a_list_to_create(self, members: ExportMembers, writer: ListWriter) -> DryRunOutcome:
        """A dry run of an export whose list a real run would create: every member would be new (and, with
        double opt-in, asked to confirm)."""
        assert self.export.list_by_name is not None
        writer.check_attributes(members.attributes)
        empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in (EMAIL, ATTRIBUTES_HASH, PHONE_KEY)})
        diff = plan_sync(members, raw_value_hashes(members), empty).diff
        new = diff.new[EMAIL]
        doi = None
        if self.export.double_opt_in is not None:
            doi = DoubleOptInPlan(request=new, held_back=new, confirmed=new.iloc[:0], still_pending=0)
        outcome = DryRunOutcome(
            members,
            diff,
            pd.Index([], dtype=object),
            ListCounts(0, 0, self.export.mode),
            would_reconcile=False,
            double_opt_in=doi,
        )
        self.log.info(
            f"dry run of {self.name}: would create Brevo list {self.export.list_by_name.describe()}, add "
            f"{outcome.adding:,}"
            + (f" and ask {len(new):,} to confirm (double opt-in)" if doi else "")
            + "; nothing created or sent"
        )
        return outcome

    def _on_list_change(self, summary: ExportSummary | None) -> bool:
        """The state was recorded for another list (the name now resolves to another ID, or list_id was
        edited): it says nothing of this list, which is then read from Brevo as a reconcile does."""
        previous = summary.run_facts.get("list_id") if summary else None
        if previous is None or previous == self.export.list_id:
            return False
        self.reconciling = True
        self.log.warning(
            f"{self.name}: the sync state was recorded for Brevo list {previous}, this run writes to list "
            f"{self.export.list_id}: reading that list's members from Brevo (as a reconcile does)"
        )
        return True

    def _on_drift(self, before: ListCounts) -> None:
        """Repair in this run (reconcile_drift, the default), or say that the drift check will fail."""
        if self.export.reconcile_drift:
            self.reconciling = True
            self.log.warning(f"{before.describe(self.export.list_id)}: reconciling with Brevo's members in this run")
        else:
            self.log.warning(
                f"{before.describe(self.export.list_id)}; exports.{self.name}.reconcile_drift is off, so this run "
                "does not repair it and its drift check fails"
            )

    def _counts(self, listed: Mapping[str, Any], summary: ExportSummary | None, *, pending: int = 0) -> ListCounts:
        """Brevo's count of the list beside the state's (``summary``), for the drift check; ``pending``
        double opt-in contacts may have joined the list since."""
        state = summary.member_count if summary else 0
        return ListCounts(brevo_member_count(listed), state, self.export.mode, pending)

    def _counts_now(self, listed: Mapping[str, Any]) -> ListCounts:
        pending = self.double_opt_in.pending_now() if self.double_opt_in else 0
        return self._counts(listed, self.store.summary(self.state_key), pending=pending)

    def _finish(self, outcome: SyncOutcome) -> SyncOutcome:
        """The run's closing line: what changed, and what the list holds now by Brevo's own count."""
        self.log.info(
            f"{self.name}: {outcome.added:,} added, {outcome.updated:,} updated, {outcome.removed:,} removed"
            f"{self._refused_in_words(outcome.imported)}; "
            f"list {self.export.list_id} now holds {outcome.after.brevo:,} "
            f"({outcome.blocklisted_members:,} of them blocklisted)"
        )
        return outcome

    @staticmethod
    def _refused_in_words(imported: ImportReport) -> str:
        if not imported.rejected:
            return ""
        reasons = ", ".join(f"{count:,} {reason}" for reason, count in imported.rejected_by_reason().items())
        return f", {len(imported.rejected):,} refused by Brevo ({reasons})"

    def _digest_context(self) -> str:
        """The settings besides the members that decide what a run does: changing one forgoes the shortcut."""
        typed = "; ".join(f"{a} as {c.signature}" for a, c in sorted(self.conversions.items()) if c.typed)
        context = f"list {self.export.list_id}; mode {self.export.mode}; clear {self.export.clear_empty_attributes}"
        return f"{context}; {typed}" if typed else context

    def _nothing_changed(self, summary: ExportSummary | None, digest: str, members: int) -> bool:
        """The last run left nothing pending, nobody wrote the state since, and the members are the same."""
        if self.options.dry_run or self.options.full_refresh or self.reconciling or summary is None:
            return False
        if summary.members_digest != digest:
            return False
        return summary.member_count == members or (self.export.mode == "upsert" and summary.member_count > members)

    def _unchanged(
        self, members: ExportMembers, summary: ExportSummary, digest: str, writer: ListWriter, before: ListCounts
    ) -> SyncOutcome:
        """A run whose members are exactly those of the last settled run: nothing to load, parse or send."""
        unchanged = members.raw[[EMAIL]]
        empty = unchanged.iloc[:0]
        diff = SyncDiff(empty, empty, unchanged, pd.Index([], dtype=object), summary.member_count - len(unchanged))
        self.store.record_run(
            self.state_key, members.members_per_segment, members_digest=digest, facts=summary.run_facts
        )
        self.log.info(f"{self.name}: the members are those of the last run; nothing to send")
        after = writer.client.get_list(self.export.list_id)
        return self._finish(
            SyncOutcome(
                members=members,
                diff=diff,
                invalid_phones=summary.run_facts.get("invalid_phones", 0),
                invalid_phone_sample=pd.Series([], dtype=object),
                shared_phones=summary.run_facts.get("shared_phones", 0),
                imported=ImportReport(),
                removed=0,
                list_after=after,
                before=before,
                after=self._counts_now(after),
                reconciled_drift=False,
                duration_seconds=self._elapsed(),
                nothing_changed=True,
            )
        )

    def _elapsed(self) -> float:
        return round(time.monotonic() - self.started, 3)

    def _previous_state(self, writer: ListWriter, attributes: list[str]) -> pd.DataFrame:
        """What Brevo holds: the confirmed state, nothing (full refresh), or the list itself (reconcile, which
        becomes the new state once the run is past the brake and not a dry run)."""
        if self.options.full_refresh:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in (EMAIL, ATTRIBUTES_HASH, PHONE_KEY)})
        if not self.reconciling:
            return self.store.load(self.state_key, phone_keys=True)
        actual = list_as_state(writer, attributes, self.conversions)
        self.log.info(f"reconcile: Brevo list {self.export.list_id} holds {len(actual)} contacts")
        return actual

    @staticmethod
    def _reconciled_state(actual: pd.DataFrame, plan: SyncPlan) -> pd.DataFrame:
        """The list as Brevo holds it, in the state's terms: members whose values Brevo already has get the
        hashes a run compares with; the others keep a hash of Brevo's values (no run's hash equals it)."""
        unchanged = plan.diff.unchanged[[EMAIL, ATTRIBUTES_HASH, PHONE_KEY]]
        others = actual.loc[~actual[EMAIL].isin(unchanged[EMAIL])]
        others = others.assign(**{PHONE_KEY: pd.Series(pd.NA, index=others.index, dtype=TEXT)})
        parts = [part for part in (unchanged, others[[EMAIL, ATTRIBUTES_HASH, PHONE_KEY]]) if len(part)]
        return pd.concat(parts, ignore_index=True) if parts else unchanged

    def _brake(self, removing: int, list_size: int, segment_counts: dict[str, int]) -> None:
        summary = self.store.summary(self.state_key)
        apply_brake(
            RemovalPlan(
                export_name=self.name,
                op_name=self.op_name,
                removing=removing,
                list_size=list_size,
                max_share=self.export.max_removal_share,
                segment_counts=segment_counts,
                previous_segment_counts=summary.segment_counts if summary else {},
            ),
            allowed=self.export.allow_mass_removal or self.options.allow_mass_removal,
        )

    def _bodies(self, rows: pd.DataFrame) -> Iterator[ImportBody]:
        return import_bodies(rows.drop(columns=[ATTRIBUTES_HASH, PHONE_KEY]), **self._body_options())

    def _body_count(self, rows: pd.DataFrame) -> int:
        return count_import_bodies(rows.drop(columns=[ATTRIBUTES_HASH, PHONE_KEY]), **self._body_options())

    def _typed_attributes(self) -> frozenset[str]:
        """The attributes sent as JSON literals (numbers, booleans, dates, arrays), by import or opt-in request."""
        return frozenset(a for a, c in self.conversions.items() if c.typed)

    def _body_options(self) -> dict[str, Any]:
        """The import's options, the same for packing the bodies and counting them."""
        return {
            "list_id": self.export.list_id,
            "max_bytes": self.export.max_import_bytes,
            "clear_empty_attributes": self.export.clear_empty_attributes,
            "literal": self._typed_attributes(),
            "notify": self.export.notify_on_import,
        }

    def _remove(self, writer: ListWriter, emails: pd.Index) -> int:
        if emails.empty:
            return 0
        outcome = writer.remove(list(emails))
        self.store.record_confirmed_removals(self.state_key, [*outcome.removed, *outcome.not_in_list])
        return len(outcome.removed)
