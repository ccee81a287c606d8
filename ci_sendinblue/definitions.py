"""The code location: every asset, check, resource, job, schedule and sensor built from the configuration.

The bundled project is a dg project whose ``defs/`` folder holds its own ``BrevoExports`` component (the
demo). ``CI_SENDINBLUE_CONFIG``, the way to name a configuration file before components, still works: it
then replaces the ``defs/`` folder, with a warning saying how to move to a component.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import dagster as dg

from ci_sendinblue.assembly import build_definitions
from ci_sendinblue.config.loading import CONFIG_ENV, load_settings
from ci_sendinblue.sendinblue.schedules import RUNS_IN_PROCESS

__all__ = ["build_definitions", "code_location", "defs"]


class ConfigFileDeprecationWarning(FutureWarning):
    """CI_SENDINBLUE_CONFIG names a configuration file: it works, but a component is the way forward."""


def code_location() -> dg.Definitions:
    """The ``defs/`` folder's components, or the file ``CI_SENDINBLUE_CONFIG`` names (deprecated)."""
    configured = os.environ.get(CONFIG_ENV)
    if configured:
        warnings.warn(
            f"{CONFIG_ENV} is deprecated and will be removed in a future release: put the file's sections under "
            "`attributes:` of a defs.yaml with `type: ci_sendinblue.BrevoExports` (`dg scaffold defs "
            'ci_sendinblue.BrevoExports <name>` writes one; README, "Use it in your Dagster project")',
            ConfigFileDeprecationWarning,
            stacklevel=2,
        )
        components = build_definitions(load_settings(Path(configured)))
    else:
        components = dg.load_from_defs_folder(path_within_project=Path(__file__).resolve().parent)
    # This project's other runs (Materialize in the UI) run in process too, as its export jobs do.
    return dg.Definitions.merge(components, dg.Definitions(executor=RUNS_IN_PROCESS))


defs = code_location()
