"""The optional extras (``pip install 'ci-sendinblue[NAME]'``) and the one-line message when one is missing.

``pip install ci-sendinblue`` brings the library: profiles, segments, the Brevo client and the Dagster
definitions. The local emulator's web server (starlette, uvicorn), the Dagster UI that ``ci-sendinblue ui``
starts (dagster-webserver, which a dg project has anyway) and the PostgreSQL driver (psycopg) are extras, so
a project that talks to Brevo with its sync state in SQLite installs none of them. Where a command or a
setting needs one, it is looked up by name without being imported, so the user reads what to install
instead of a traceback from deep inside a dependency.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass


class MissingExtraError(ImportError):
    """An optional extra that a command or setting needs is not installed; the message says what to run."""


@dataclass(frozen=True)
class Extra:
    """An extra of the ``ci-sendinblue`` distribution and the modules it provides."""

    name: str
    modules: tuple[str, ...]
    """Import names, checked in this order: the first one missing is the one named."""

    @property
    def install(self) -> str:
        return f"pip install 'ci-sendinblue[{self.name}]'"

    def missing_module(self) -> str | None:
        """The first of ``modules`` that cannot be imported, or None when the extra is installed."""
        return next((module for module in self.modules if not _importable(module)), None)

    def problem(self, needed_by: str) -> str | None:
        """One line saying that ``needed_by`` needs this extra and how to install it; None when installed."""
        module = self.missing_module()
        if module is None:
            return None
        return f"{needed_by} needs the optional {self.name} extra ({module} is not installed): {self.install}"


EMULATOR = Extra("emulator", ("starlette", "uvicorn"))
UI = Extra("ui", ("dagster_webserver", "starlette", "uvicorn"))
POSTGRES = Extra("postgres", ("psycopg",))


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken install, or one that import hooks refuse, counts as missing
        return False
