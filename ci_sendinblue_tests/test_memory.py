"""Memory a run dropped goes back to the system at phase boundaries, including what only a cycle held."""

from __future__ import annotations

import gc

import pandas as pd
import pyarrow as pa

from ci_sendinblue.memory import release_unused_memory


def test_columns_held_only_by_a_reference_cycle_are_freed_when_cycles_are_collected() -> None:
    gc.disable()  # the collector must not run on its own between the two measurements
    try:
        before = pa.total_allocated_bytes()
        frame = pd.DataFrame({"email": pd.array([f"person{i}@example.com" for i in range(200_000)], "string[pyarrow]")})
        holder: dict[str, object] = {"frame": frame}
        holder["self"] = holder  # a cycle, as pandas objects and tracebacks often make
        del frame, holder
        release_unused_memory()
        assert pa.total_allocated_bytes() - before > 4_000_000, "the cycle still holds the column"
        release_unused_memory(collect_cycles=True)
        assert pa.total_allocated_bytes() - before < 1_000_000
    finally:
        gc.enable()
