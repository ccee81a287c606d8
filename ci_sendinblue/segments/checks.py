"""The blocking check that keeps a segment with too many unusable rows away from every export."""

from __future__ import annotations

from ci_sendinblue.quality import RefusedShareCheck

REJECTED_SHARE_CHECK = RefusedShareCheck(
    name="rejected_share_within_threshold",
    description="Share of the segment's profiles refused for an unusable email; above the segment's "
    "max_rejected_share the exports of this segment do not run.",
    refused_for="unusable email",
)
