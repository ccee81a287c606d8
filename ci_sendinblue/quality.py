"""Turning "how many rows were refused" into a check result that warns or blocks."""

from __future__ import annotations

import dagster as dg


def refused_share_result(
    asset_key: dg.AssetKey,
    check_name: str,
    *,
    refused: int,
    total: int,
    threshold: float,
    what: str,
    setting: str,
) -> dg.AssetCheckResult:
    """Pass when nothing was refused; warn up to the threshold; fail with ERROR (blocking) above it."""
    share = refused / total if total else 0.0
    metadata = {
        "refused": dg.MetadataValue.int(refused),
        "total": dg.MetadataValue.int(total),
        "refused_share": dg.MetadataValue.float(round(share, 6)),
        "threshold": dg.MetadataValue.float(threshold),
    }
    over = share > threshold
    description = f"{refused} of {total} rows ({share:.2%}) refused: {what}."
    if over:
        description += f" That is over the {threshold:.2%} allowed: fix the profiles or raise {setting}."
    return dg.AssetCheckResult(
        check_name=check_name,
        asset_key=asset_key,
        passed=refused == 0,
        severity=dg.AssetCheckSeverity.ERROR if over else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=description,
    )
