"""Keep Brevo (Sendinblue) contact lists in step with customer segments, as Dagster assets.

The public API: the ``BrevoExports`` component for a ``defs.yaml``, and ``build_brevo_exports`` /
``brevo_list_asset`` for Python definitions. They load on first use, so that the emulator and the command
line start without importing Dagster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ci_sendinblue.lazy import lazy_exports

if TYPE_CHECKING:
    from ci_sendinblue.api import brevo_list_asset, build_brevo_exports
    from ci_sendinblue.components.brevo_exports import BrevoExports

__all__ = ["BrevoExports", "brevo_list_asset", "build_brevo_exports"]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "BrevoExports": "ci_sendinblue.components.brevo_exports",
        "brevo_list_asset": "ci_sendinblue.api",
        "build_brevo_exports": "ci_sendinblue.api",
    },
)
