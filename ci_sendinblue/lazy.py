"""Names a package exports but imports only when first used.

The package root and the emulator export names whose modules pull in Dagster or the emulator's web server;
importing them lazily keeps ``python -m ci_sendinblue.emulator`` and the command line quick, and lets them say
what to install when an optional extra is missing, instead of failing on import."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module's ``__getattr__`` and ``__dir__`` for ``homes`` (exported name → module holding it, absolute or
    relative to ``package``). ``__dir__`` lists them, so tools that look for names with ``dir()`` find them
    (dg looks for components so)."""

    def __getattr__(name: str) -> Any:
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(homes[name], package), name)

    def __dir__() -> list[str]:
        return sorted(homes)

    return __getattr__, __dir__
