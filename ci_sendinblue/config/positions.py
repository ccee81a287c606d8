"""Where in a YAML file a configuration problem sits.

Every problem the loader reports starts with the key path the user has to edit
(``exports.newsletter.mapping.email: ...``). In a file, the line of that key is worth as much again: this
module finds it in the source-position tree Dagster builds when it parses a component's ``defs.yaml`` (and
that this module builds the same way for a plain configuration file).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from dagster_shared.yaml_utils import parse_yamls_with_source_position
from dagster_shared.yaml_utils.source_position import SourcePositionTree

KeyPath = list[str | int]

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def key_path(problem: str) -> KeyPath:
    """The key path a problem names (``a.b[2].c: message`` → ``['a', 'b', 2, 'c']``); empty if none."""
    head, separator, _ = problem.partition(": ")
    if not separator or " " in head:
        return []
    return [name if name else int(index) for name, index in _PART.findall(head)]


def line_of(problem: str, tree: SourcePositionTree | None, prefix: Sequence[str | int] = ()) -> str:
    """Where the file spells out the nearest key of the problem's path ("defs.yaml line 12"), or ""."""
    path = key_path(problem)
    if tree is None or not path:
        return ""
    # A section's own check may name the key inside it ("connections.brevo: api_key: ..."): point at that key.
    inner = key_path(problem.partition(": ")[2])
    if inner and tree.lookup([*prefix, *path, *inner]) is not None:
        path = [*path, *inner]
    position, _ = tree.lookup_closest_and_path([*prefix, *path], trace=None)
    return f"{Path(position.filename).name} line {position.start.line}"


def file_positions(source: Path, text: str) -> SourcePositionTree | None:
    """The position tree of a configuration file's single document, or None if it cannot be parsed so."""
    try:
        documents = parse_yamls_with_source_position(text, filename=str(source))
    except Exception:  # the file was parsed once already; positions are a courtesy, never a new failure
        return None
    return documents[0].source_position_tree if len(documents) == 1 else None
