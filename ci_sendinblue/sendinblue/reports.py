"""What a list sync tells the Dagster UI: the metadata of its materialization, or of a dry run's observation.

One vocabulary everywhere (logs, observation, materialization): **added**, **updated**, **unchanged**,
**removed**. The Markdown ``summary`` comes first; only counts worth plotting run over run are numbers (the
UI draws a chart for each number), the rest are JSON or text. Emails appear only as masked samples, each with
its member number so they can be told apart (unless the configuration's ``mask_personal_data`` is false).
"""

from __future__ import annotations

from typing import Any

import dagster as dg
import pandas as pd

from ci_sendinblue.config.models import ExportSettings
from ci_sendinblue.privacy import labelled_sample
from ci_sendinblue.sendinblue.contacts import EMAIL
from ci_sendinblue.sendinblue.conversion import UnconvertibleReport
from ci_sendinblue.sendinblue.isolation import ImportReport
from ci_sendinblue.sendinblue.list_sync import DryRunOutcome, ListSyncConfig, SyncOutcome


def sync_metadata(
    name: str, export: ExportSettings, outcome: SyncOutcome, options: ListSyncConfig, *, mask: bool, list_page: str
) -> dict[str, Any]:
    diff, members, imported = outcome.diff, outcome.members, outcome.imported
    rejected = outcome.members.raw[EMAIL]
    rejected = rejected[rejected.isin(imported.rejected)] if imported.rejected else rejected.iloc[:0]
    return {
        **double_opt_in_metadata(outcome),
        "summary": dg.MetadataValue.md(summary_markdown(name, export, outcome, list_page)),
        "dagster/row_count": dg.MetadataValue.int(len(members.raw)),
        "added": dg.MetadataValue.int(outcome.added),
        "updated": dg.MetadataValue.int(outcome.updated),
        "removed": dg.MetadataValue.int(outcome.removed),
        "unchanged": dg.MetadataValue.int(diff.unchanged_count),
        "rejected": dg.MetadataValue.int(len(imported.rejected)),
        "brevo_members": dg.MetadataValue.int(outcome.after.brevo),
        "import_requests": dg.MetadataValue.int(len(imported.outcomes)),
        "duration_seconds": dg.MetadataValue.float(outcome.duration_seconds),
        "run": dg.MetadataValue.json(
            {
                "mode": export.mode,
                "full_refresh": options.full_refresh,
                "reconcile": options.reconcile,
                "reconciled_drift": outcome.reconciled_drift,
                "nothing_changed": outcome.nothing_changed,
            }
        ),
        "contacts": dg.MetadataValue.json(
            {
                "sent": diff.new_count + diff.changed_count - outcome.held_back,
                "merged_by_email": members.duplicates,
                "left_segments_kept_in_list": diff.left_count if export.mode == "upsert" else 0,
                "invalid_phones": outcome.invalid_phones,
                "invalid_phones_sent": outcome.invalid_phones_sent,
                "shared_phones": outcome.shared_phones,
                "sms_held_by_another_brevo_contact": len(imported.sms_left_out),
                "state_members": outcome.after.state,
                "blocklisted_members": outcome.blocklisted_members,
            }
        ),
        "unconvertible_values": dg.MetadataValue.json(_unconvertible(outcome.unconvertible)),
        "members_per_segment": dg.MetadataValue.json(members.members_per_segment),
        "import_process_ids": dg.MetadataValue.json([o.process_id for o in imported.outcomes]),
        "added_sample": dg.MetadataValue.json(labelled_sample(diff.new[EMAIL], mask=mask, label="member", size=5)),
        "rejected_by_reason": dg.MetadataValue.json(imported.rejected_by_reason()),
        "rejected_sample": dg.MetadataValue.json(_with_reasons(rejected, imported, mask=mask)),
        "sms_left_out_sample": dg.MetadataValue.json(
            labelled_sample(
                members.raw[EMAIL][members.raw[EMAIL].isin(imported.sms_left_out)], mask=mask, label="member"
            )
        ),
        "invalid_phone_sample": dg.MetadataValue.json(
            labelled_sample(outcome.invalid_phone_sample, mask=mask, label="member")
        ),
        "list": dg.MetadataValue.url(list_page),
    }


def double_opt_in_metadata(outcome: SyncOutcome) -> dict[str, Any]:
    """Counts of an export with double opt-in: confirmation requests this run sent, contacts found confirmed
    (now in the list), contacts still waiting to confirm."""
    report = outcome.double_opt_in
    if report is None:
        return {}
    return {
        "doi_requested": dg.MetadataValue.int(report.requested),
        "doi_confirmed": dg.MetadataValue.int(report.confirmed),
        "doi_pending": dg.MetadataValue.int(report.pending),
        "doi_refused": dg.MetadataValue.int(len(report.refused)),
        "doi_skipped_opted_out": dg.MetadataValue.int(len(report.opted_out)),
    }


def dry_run_metadata(name: str, export: ExportSettings, outcome: DryRunOutcome, *, mask: bool) -> dict[str, Any]:
    diff = outcome.diff
    removing = len(outcome.removing)
    doi = outcome.double_opt_in
    asking = f" and ask {len(doi.request):,} new contacts to confirm (double opt-in)" if doi else ""
    return {
        **(
            {
                "doi_would_request": dg.MetadataValue.int(len(doi.request)),
                "doi_would_confirm": dg.MetadataValue.int(len(doi.confirmed)),
                "doi_pending": dg.MetadataValue.int(doi.still_pending),
                "doi_request_sample": dg.MetadataValue.json(labelled_sample(doi.request, mask=mask, label="member")),
            }
            if doi
            else {}
        ),
        "summary": dg.MetadataValue.md(
            f"**{name}** → {export.list_label}, **dry run: nothing was sent**. A real run would "
            + ("create the list, " if export.list_id is None else "")
            + f"add "
            f"{outcome.adding:,}, update {diff.changed_count:,} and remove {removing:,} contacts "
            f"({diff.unchanged_count:,} unchanged){asking}."
            + (
                f"\n\n{outcome.before.describe(export.list_id)}: a real run reconciles."
                if outcome.would_reconcile
                else ""
            )
        ),
        "dry_run": True,
        "dagster/row_count": dg.MetadataValue.int(len(outcome.members.raw)),
        "added": dg.MetadataValue.int(outcome.adding),
        "updated": dg.MetadataValue.int(diff.changed_count),
        "removed": dg.MetadataValue.int(removing),
        "unchanged": dg.MetadataValue.int(diff.unchanged_count),
        "mode": export.mode,
        "unconvertible_values": dg.MetadataValue.json(_unconvertible(outcome.unconvertible)),
        "added_sample": dg.MetadataValue.json(labelled_sample(diff.new[EMAIL], mask=mask, label="member")),
        "updated_sample": dg.MetadataValue.json(labelled_sample(diff.changed[EMAIL], mask=mask, label="member")),
        "removed_sample": dg.MetadataValue.json(
            labelled_sample(pd.Series(outcome.removing[:10]), mask=mask, label="leaving")
        ),
    }


def _unconvertible(report: UnconvertibleReport) -> dict[str, Any]:
    """Values left out for not fitting their attribute's type: per attribute and reason, with a masked sample."""
    return {
        "contacts_converted": report.contacts,
        "contacts_affected": report.affected,
        "share_of_members": round(report.share, 6),
        "by_attribute_and_reason": report.by_reason,
        "sample": report.sample,
    }


def summary_markdown(name: str, export: ExportSettings, outcome: SyncOutcome, list_page: str) -> str:
    """The first thing the list asset's page shows: what this run changed, and what Brevo holds now."""
    diff, imported = outcome.diff, outcome.imported
    refused = len(imported.rejected)
    lines = [
        f"**{name}** → [Brevo list {export.list_id}]({list_page}) ({export.mode} mode): "
        f"{outcome.added:,} added, {outcome.updated:,} updated, {outcome.removed:,} removed, "
        f"{diff.unchanged_count:,} unchanged; the list now holds {outcome.after.brevo:,} contacts.",
        "",
        "| | |",
        "| --- | --- |",
        f"| Members (from {', '.join(export.segments)}) | {len(outcome.members.raw):,} |",
        f"| Sent | {diff.new_count + diff.changed_count - outcome.held_back:,} in {len(imported.outcomes)} import(s) |",
        f"| Refused by Brevo | {refused:,}{_reasons_in_words(imported)} |",
        f"| With values left out (not fitting their type) | {outcome.unconvertible.affected:,} |",
        f"| Blocklisted members (Brevo does not e-mail them; no run lifts it) | {outcome.blocklisted_members:,} |",
        f"| Duration | {outcome.duration_seconds:.1f} s |",
        f"| Brevo and the sync state | {_agreement(outcome, export.list_id)} |",
    ]
    if outcome.double_opt_in is not None:
        doi = outcome.double_opt_in
        lines.insert(
            -1,
            f"| Double opt-in | {doi.requested:,} asked to confirm, {doi.confirmed:,} confirmed, {doi.pending:,} "
            "pending |",
        )
    if outcome.nothing_changed:
        lines += ["", "The members are those of the last run: nothing was read from the state or sent."]
    return "\n".join(lines)


def _with_reasons(rejected: pd.Series, imported: ImportReport, *, mask: bool) -> list[str]:
    """The refused members' masked sample, each with the reason its import process gave."""
    reasons = dict(zip(imported.rejected, imported.rejected_reasons, strict=True))
    sample = labelled_sample(rejected, mask=mask, label="member")
    return [f"{shown} ({reasons[email]})" for shown, email in zip(sample, rejected, strict=False)]


def _reasons_in_words(imported: ImportReport) -> str:
    by_reason = imported.rejected_by_reason()
    return f" ({', '.join(f'{reason}: {count:,}' for reason, count in by_reason.items())})" if by_reason else ""


def _agreement(outcome: SyncOutcome, list_id: int) -> str:
    if outcome.after.drifted:
        return f"**drift**: {outcome.after.describe(list_id)}"
    if outcome.reconciled_drift:
        return f"drift found and repaired (before the run, {outcome.before.describe(list_id)})"
    return f"in step ({outcome.after.brevo:,} in Brevo, {outcome.after.state:,} in the state)"
