"""What a list sync tells the Dagster UI: the metadata of its materialization, or of a dry run's observation.

Numbers are plain ints so the UI plots them run over run; emails appear only as masked samples (unless the
configuration's ``mask_personal_data`` is false).
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from ci_sendinblue.config.models import ExportSettings
from ci_sendinblue.privacy import masked_sample
from ci_sendinblue.sendinblue.contacts import EMAIL
from ci_sendinblue.sendinblue.list_sync import DryRunOutcome, ListSyncConfig, SyncOutcome


def dry_run_metadata(export: ExportSettings, outcome: DryRunOutcome, *, mask: bool) -> dict[str, Any]:
    diff = outcome.diff
    return {
        "dry_run": True,
        "mode": export.mode,
        "would_add": diff.new_count,
        "would_update": diff.changed_count,
        "unchanged": diff.unchanged_count,
        "would_remove": len(outcome.removing),
        "left_segments": diff.left_count,
        "add_sample": dg.MetadataValue.json(masked_sample(diff.new[EMAIL], mask=mask)),
        "update_sample": dg.MetadataValue.json(masked_sample(diff.changed[EMAIL], mask=mask)),
        "remove_sample": dg.MetadataValue.json(masked_sample(outcome.removing, mask=mask)),
    }


def sync_metadata(
    export: ExportSettings, outcome: SyncOutcome, options: ListSyncConfig, *, mask: bool
) -> dict[str, Any]:
    diff, members, imported = outcome.diff, outcome.members, outcome.imported
    return {
        "mode": export.mode,
        "list_id": export.list_id,
        "added": diff.new_count,
        "updated": diff.changed_count,
        "unchanged": diff.unchanged_count,
        "removed": outcome.removed,
        "left_but_kept": diff.left_count if export.mode == "upsert" else 0,
        "rejected": len(imported.rejected),
        "rejected_sample": dg.MetadataValue.json(masked_sample(imported.rejected, mask=mask)),
        "sent": diff.new_count + diff.changed_count - len(imported.rejected),
        "members": len(members.raw),
        "deduplicated": members.duplicates,
        "invalid_phones": outcome.invalid_phones,
        "invalid_phone_sample": dg.MetadataValue.json(masked_sample(outcome.invalid_phone_sample, mask=mask)),
        "shared_phones": outcome.shared_phones,
        "members_per_segment": dg.MetadataValue.json(members.members_per_segment),
        "nothing_changed": outcome.nothing_changed,
        "import_process_ids": dg.MetadataValue.json([o.process_id for o in imported.outcomes]),
        "import_requests": len(imported.outcomes),
        "list_members_after": outcome.list_members_after,
        "full_refresh": options.full_refresh,
        "reconcile": options.reconcile,
        "duration_seconds": outcome.duration_seconds,
        "added_sample": dg.MetadataValue.json(masked_sample(diff.new[EMAIL], mask=mask, size=5)),
    }
