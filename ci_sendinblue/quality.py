"""Blocking checks on the share of rows a step had to refuse: one shape, used by profiles and segments.

A few refused rows are normal in customer data (a typo in an address, a profile without a key): the check
then warns and the data flows on. Above the share the user set, something is broken upstream, and the check
fails with ERROR severity, which, being blocking, keeps every export below from sending half a list.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg


@dataclass(frozen=True)
class RefusedShareCheck:
    name: str
    description: str
    """What the check guards, shown in the UI beside the check."""
    refused_for: str
    """Why a row is refused, in words: "unusable email"."""

    def spec(self, asset_key: dg.AssetKey) -> dg.AssetCheckSpec:
        return dg.AssetCheckSpec(self.name, asset=asset_key, blocking=True, description=self.description)

    def result(
        self, asset_key: dg.AssetKey, *, refused: int, total: int, threshold: float, setting: str
    ) -> dg.AssetCheckResult:
        """Pass when nothing was refused; warn up to ``threshold``; fail with ERROR (blocking) above it.

        ``setting`` is the key path of the threshold, named in the failure so the user knows what to edit.
        """
        share = refused / total if total else 0.0
        over = share > threshold
        description = f"{refused} of {total} rows ({share:.2%}) refused: {self.refused_for}."
        if over:
            description += f" That is over the {threshold:.2%} allowed: fix the profiles or raise {setting}."
        return dg.AssetCheckResult(
            check_name=self.name,
            asset_key=asset_key,
            passed=refused == 0,
            severity=dg.AssetCheckSeverity.ERROR if over else dg.AssetCheckSeverity.WARN,
            metadata={
                "refused": dg.MetadataValue.int(refused),
                "total": dg.MetadataValue.int(total),
                "refused_share": dg.MetadataValue.float(round(share, 6)),
                "threshold": dg.MetadataValue.float(threshold),
            },
            description=description,
        )
