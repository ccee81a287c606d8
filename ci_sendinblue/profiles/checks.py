"""The blocking check on profile keys: a profile without a usable key cannot be traced, so it is left out."""

from __future__ import annotations

import dagster as dg

from ci_sendinblue.quality import refused_share_result

KEY_CHECK = "customer_keys_present_and_unique"


def key_check_spec(asset_key: dg.AssetKey) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        KEY_CHECK,
        asset=asset_key,
        blocking=True,
        description="Profiles whose key is missing or shared with another profile are left out of every "
        "segment; above profiles.max_invalid_key_share nothing downstream runs.",
    )


def key_check_result(asset_key: dg.AssetKey, *, refused: int, total: int, threshold: float) -> dg.AssetCheckResult:
    return refused_share_result(
        asset_key,
        KEY_CHECK,
        refused=refused,
        total=total,
        threshold=threshold,
        what="missing or duplicate customer key",
        setting="profiles.max_invalid_key_share",
    )
