"""Where the segments' rules run: in pandas for a small single file, else where the profiles live.

A small file is read whole into pandas, keyed and stored by the profiles asset, and every segment evaluates its
rule on that frame: nothing to start, and no ibis import (about a second) in the run. Anything larger, and every
dataset, CDM folder, database and Spark table, is queried where it lives through ibis (DuckDB in process for
files, the database or Spark for the others): only each segment's members, and only the columns its exports
need, come back. Both paths give the same members (``ci_sendinblue_tests/segments``).
"""

from __future__ import annotations

from ci_sendinblue.config.models import ProfilesSettings

PANDAS_MAX_BYTES = 32_000_000
"""A single file up to this size is evaluated in pandas when ``profiles.engine`` is ``auto``: below it the
ibis import and the query cost more than reading the file whole (benchmarks/README.md, "Issue 13")."""


def evaluated_in_pandas(profiles: ProfilesSettings) -> bool:
    """Whether the profiles asset holds the profiles as a frame (pandas path) rather than describing the source.

    Decided when the code location loads; a file that outgrows the limit changes path at the next reload.
    """
    if profiles.kind != "file" or profiles.engine == "ibis":
        return False
    if profiles.engine == "pandas":
        return True
    assert profiles.path is not None
    try:
        return profiles.path.stat().st_size <= PANDAS_MAX_BYTES
    except OSError:
        return True  # not there yet: the pandas path reports it as it always has
