"""A local emulator of the part of Brevo's (Sendinblue's) API v3 this project uses.

It serves ``/v3`` with in-memory state, Brevo-like rate limits and a schedule of faults, plus an
inspection API under ``/_emulator``, so the sync can be tested and demonstrated without a Brevo account.
"""

from .app import create_app
from .cli import main
from .process import EmulatorProcess
from .server import serve
from .settings import EmulatorSettings

__all__ = ["EmulatorProcess", "EmulatorSettings", "create_app", "main", "serve"]
