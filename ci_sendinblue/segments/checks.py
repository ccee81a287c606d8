"""The blocking check that keeps a segment with too many unusable rows away from every export."""

from __future__ import annotations

import dagster as dg

from ci_sendinblue.quality import refused_share_result

REJECTED_SHARE_CHECK = "rejected_share_within_threshold"


def rejected_share_check_spec(asset_key: dg.AssetKey) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        REJECTED_SHARE_CHECK,
        asset=asset_key,
        blocking=True,
        description="Share of the segment's profiles refused for an unusable email; above the segment's "
        "max_rejected_share the exports of this segment do not run.",
    )


def rejected_share_result(
    asset_key: dg.AssetKey, segment: str, *, rejected: int, matched: int, threshold: float
) -> dg.AssetCheckResult:
    return refused_share_result(
        asset_key,
        REJECTED_SHARE_CHECK,
        refused=rejected,
        total=matched,
        threshold=threshold,
        what="unusable email",
        setting=f"segments.{segment}.max_rejected_share",
    )
