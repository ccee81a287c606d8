"""Blocking checks on the share of rows a step had to refuse: one shape, used by profiles, segments and lists.

A few refused rows are normal in customer data (a typo in an address, a profile without a key): up to the
share the user allows, the check passes, with the count and the reasons in its metadata, and the data flows
on. Above it, something is broken upstream, and the check fails with ERROR severity, which, being blocking,
keeps every export below from sending half a list.
"""

from __future__ import annotations

from collections.abc import Mapping
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
        self,
        asset_key: dg.AssetKey,
        *,
        refused: int,
        total: int,
        threshold: float,
        setting: str,
        reasons: Mapping[str, int] | None = None,
        sample: list[str] | None = None,
    ) -> dg.AssetCheckResult:
        """Pass up to ``threshold``; fail with ERROR (blocking) above it.

        ``setting`` is the key path of the threshold, named in the failure so the user knows what to edit;
        ``reasons`` breaks ``refused`` down by reason, most frequent first in the description; ``sample``
        (already masked) shows a few of the refused rows.
        """
        share = refused / total if total else 0.0
        over = share > threshold
        breakdown = {str(reason): int(count) for reason, count in (reasons or {}).items() if count}
        described = "; ".join(f"{reason}: {count}" for reason, count in sorted(breakdown.items(), key=_by_count))
        description = f"{refused} of {total} rows ({share:.2%}) refused for {self.refused_for}"
        description += f" ({described})" if described else ""
        if over:
            description += f". That is over the {threshold:.2%} allowed: fix the data or raise {setting}."
        else:
            description += f", within the {threshold:.2%} allowed ({setting})."
        metadata: dict[str, dg.MetadataValue] = {
            "refused": dg.MetadataValue.int(refused),
            "total": dg.MetadataValue.int(total),
            "refused_share": dg.MetadataValue.float(round(share, 6)),
            "threshold": dg.MetadataValue.float(threshold),
        }
        if breakdown:
            metadata["refused_by_reason"] = dg.MetadataValue.json(breakdown)
        if sample:
            metadata["sample"] = dg.MetadataValue.json(sample)
        return dg.AssetCheckResult(
            check_name=self.name,
            asset_key=asset_key,
            passed=not over,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=metadata,
            description=description,
        )


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]
