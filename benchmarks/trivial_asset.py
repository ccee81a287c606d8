"""One trivial asset: materializing it through the CLI measures the fixed cost of starting Dagster."""

import dagster as dg


@dg.asset
def trivial() -> int:
    return 1


defs = dg.Definitions(assets=[trivial])
