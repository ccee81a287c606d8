"""A code location for the freshness tests: two dummy list assets carrying the policy of a nightly export."""

from __future__ import annotations

import dagster as dg

from ci_sendinblue.config.models import ExportSettings
from ci_sendinblue.sendinblue.freshness import freshness_policy

NIGHTLY = ExportSettings(
    connection="brevo", list_id=12, segments=["everyone"], mapping={"email": "Email"}, schedule="0 2 * * *"
)


@dg.asset(key=["sendinblue", "nightly"], freshness_policy=freshness_policy(NIGHTLY))
def nightly() -> None:
    return None


@dg.asset(key=["sendinblue", "never_run"], freshness_policy=freshness_policy(NIGHTLY))
def never_run() -> None:
    return None


defs = dg.Definitions(assets=[nightly, never_run])
