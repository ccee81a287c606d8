"""Keep Brevo (Sendinblue) contact lists in step with customer segments, as Dagster assets.

The public API: the ``BrevoExports`` component for a ``defs.yaml``, and ``build_brevo_exports`` /
``brevo_list_asset`` for Python definitions. They load on first use, so that the emulator and the command
line start without importing Dagster.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ci_sendinblue.api import brevo_list_asset, build_brevo_exports
    from ci_sendinblue.components.brevo_exports import BrevoExports

__all__ = ["BrevoExports", "brevo_list_asset", "build_brevo_exports"]

_HOMES = {
    "BrevoExports": "ci_sendinblue.components.brevo_exports",
    "brevo_list_asset": "ci_sendinblue.api",
    "build_brevo_exports": "ci_sendinblue.api",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'ci_sendinblue' has no attribute '{name}'")
    return getattr(import_module(_HOMES[name]), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
