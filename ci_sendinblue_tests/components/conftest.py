"""A throw-away defs folder, loaded in process the way `dg` loads a project's."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import pytest

_names = itertools.count()

PYPROJECT = """\
[project]
name = "{package}"
version = "0"

[tool.dg]
directory_type = "project"

[tool.dg.project]
root_module = "{package}"
"""


@pytest.fixture
def load_project(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], dg.Definitions]]:
    """Write ``{relative path: text}`` under a fresh package's ``defs/`` folder and load it."""
    loaded: list[str] = []

    def load(files: dict[str, str]) -> dg.Definitions:
        package = f"brevo_project_{next(_names)}"
        root = tmp_path / package
        defs_folder = root / package / "defs"
        defs_folder.mkdir(parents=True)
        (root / "pyproject.toml").write_text(PYPROJECT.format(package=package), encoding="utf-8")
        (root / package / "__init__.py").touch()
        (defs_folder / "__init__.py").touch()
        for relative, text in files.items():
            (defs_folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (defs_folder / relative).write_text(text, encoding="utf-8")
        loaded.append(package)
        sys.path.insert(0, str(root))
        return dg.load_from_defs_folder(path_within_project=root)

    yield load
    sys.path[:] = [p for p in sys.path if not p.startswith(str(tmp_path))]
    for name in [m for m in sys.modules if any(m == p or m.startswith(f"{p}.") for p in loaded)]:
        del sys.modules[name]
