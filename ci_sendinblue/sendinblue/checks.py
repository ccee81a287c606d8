"""The checks on each Brevo list asset: Brevo holds what the state says, Brevo took what was sent, the values
sent fit their attributes' types, and the export stayed under its cap. All are blocking and evaluated by
every run of the list asset."""

from __future__ import annotations

import dagster as dg

from ci_sendinblue.quality import RefusedShareCheck
from ci_sendinblue.sendinblue.drift import ListCounts

LIST_MATCHES_SYNC_STATE = "list_matches_sync_state"
MEMBERS_WITHIN_CAP = "members_within_cap"

REFUSED_SHARE_CHECK = RefusedShareCheck(
    name="refused_share_within_threshold",
    description="Share of the export's contacts that Brevo refused in this run (it left them out of its "
    "import, e.g. an address its own rule finds invalid). Refused contacts are reported and sent again next run; "
    "above the export's max_refused_share the run fails.",
    refused_for="Brevo refusing the contact",
)


UNCONVERTIBLE_CHECK = RefusedShareCheck(
    name="unconvertible_values_within_threshold",
    description="Share of the export's contacts with a value that does not fit its Brevo attribute's type (a float "
    "fed 'n/a', a date in another format, an unknown category): such a value is left out of the contact (Brevo "
    "would silently ignore it), reported by attribute and reason, and converted again by every run until the "
    "profiles are fixed; above the export's max_unconvertible_share the run sends nothing.",
    refused_for="a value not fitting its attribute's type",
)


def list_check_specs(key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            LIST_MATCHES_SYNC_STATE,
            asset=key,
            blocking=True,
            description="Brevo's own member count for the list agrees with the sync state (upsert: at least the "
            "state's members; mirror: exactly them), before and after the run. A list emptied or edited by hand "
            "is found here; with the export's reconcile_drift (the default) the same run repairs it from Brevo's "
            "members.",
        ),
        REFUSED_SHARE_CHECK.spec(key),
        UNCONVERTIBLE_CHECK.spec(key),
        dg.AssetCheckSpec(
            MEMBERS_WITHIN_CAP,
            asset=key,
            blocking=True,
            description="The export's contacts stay within its max_profiles (1 million by default, as Customer "
            "Insights allows); above it nothing is sent.",
        ),
    ]


def drift_result(
    key: dg.AssetKey,
    *,
    list_id: int,
    before: ListCounts,
    after: ListCounts | None,
    repaired: bool,
    setting: str,
) -> dg.AssetCheckResult:
    """Passes only when the list and the state agreed before the run and after it.

    Drift found and repaired by this run fails with WARN severity (the list is right again, but someone or
    something changed it behind the state's back); drift left in place, or still there after the run, fails
    with ERROR severity, which fails the run.
    """
    metadata = {
        "brevo_members_before": dg.MetadataValue.int(before.brevo),
        "state_members_before": dg.MetadataValue.int(before.state),
    }
    if after is not None:
        metadata["brevo_members_after"] = dg.MetadataValue.int(after.brevo)
        metadata["state_members_after"] = dg.MetadataValue.int(after.state)
    if not before.drifted and not (after and after.drifted):
        return _drift(key, True, dg.AssetCheckSeverity.ERROR, (after or before).describe(list_id) + ".", metadata)
    if before.drifted and not repaired:
        description = (
            f"Drift found and not repaired: {before.describe(list_id)}. Run with reconcile: true, or set {setting}: "
            "true to let every run repair it."
        )
        return _drift(key, False, dg.AssetCheckSeverity.ERROR, description, metadata)
    if after is not None and after.drifted:
        description = f"After this run, {after.describe(list_id)}. Brevo does not hold what the run believes it sent."
        return _drift(key, False, dg.AssetCheckSeverity.ERROR, description, metadata)
    if after is None:  # a dry run: nothing was sent, the real run will repair
        description = f"Drift found: {before.describe(list_id)}. This dry run sent nothing; a real run reconciles."
        return _drift(key, False, dg.AssetCheckSeverity.WARN, description, metadata)
    description = (
        f"Drift found and repaired in this run: before it, {before.describe(list_id)}; the run reconciled the state "
        f"with Brevo's members and sent what was missing. Now {after.describe(list_id)}."
    )
    return _drift(key, False, dg.AssetCheckSeverity.WARN, description, metadata)


def _drift(
    key: dg.AssetKey, passed: bool, severity: dg.AssetCheckSeverity, description: str, metadata: dict
) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=LIST_MATCHES_SYNC_STATE,
        asset_key=key,
        passed=passed,
        severity=severity,
        description=description,
        metadata=metadata,
    )


def cap_result(key: dg.AssetKey, *, members: int, cap: int, setting: str) -> dg.AssetCheckResult:
    within = members <= cap
    description = f"{members:,} contacts of the {cap:,} the export allows ({setting})."
    if not within:
        description += " Nothing was sent: narrow the segments or raise the setting."
    return dg.AssetCheckResult(
        check_name=MEMBERS_WITHIN_CAP,
        asset_key=key,
        passed=within,
        severity=dg.AssetCheckSeverity.ERROR,
        description=description,
        metadata={"members": dg.MetadataValue.int(members), "cap": dg.MetadataValue.int(cap)},
    )
