"""Asset keys of this domain that the segments domain needs without importing this domain's assets (which
import the segments' own keys)."""

from __future__ import annotations

import dagster as dg

OPTOUTS_SUFFIX = "_optouts"


def optouts_key(connection: str) -> dg.AssetKey:
    """The opt-outs read back from one connection's Brevo account: ``sendinblue/<connection>_optouts``."""
    return dg.AssetKey(["sendinblue", f"{connection}{OPTOUTS_SUFFIX}"])
