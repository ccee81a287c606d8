"""A local emulator of the part of Brevo's (Sendinblue's) API v3 this project uses.

It serves ``/v3`` with in-memory state, Brevo-like rate limits and a schedule of faults, plus an
inspection API under ``/_emulator``, so the sync can be tested and demonstrated without a Brevo account.
It models what a real account does to the data: typed attributes that silently drop mistyped values
(``attributes``), opt-outs that imports never lift (``state``), one SMS number per contact (``phones``),
folders, and double opt-in requests that wait for confirmation. Answers follow Brevo's documented shapes,
so Brevo's own client libraries can talk to it.

The server needs the optional ``emulator`` extra (starlette, uvicorn), so the names below are imported when
first used: ``python -m ci_sendinblue.emulator`` can then say what to install instead of failing on import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ci_sendinblue.lazy import lazy_exports

if TYPE_CHECKING:
    from .app import create_app
    from .cli import main
    from .process import EmulatorProcess
    from .server import serve
    from .settings import EmulatorSettings

__all__ = ["EmulatorProcess", "EmulatorSettings", "create_app", "main", "serve"]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "EmulatorProcess": ".process",
        "EmulatorSettings": ".settings",
        "create_app": ".app",
        "main": ".cli",
        "serve": ".server",
    },
)
