"""``ci_sendinblue.BrevoExports``: profiles → segments → Brevo lists, declared in a ``defs.yaml``.

The attributes are the configuration's sections. Dagster resolves them (templates such as
``{{ env.NAME }}`` included) and this component validates them with the same models and cross-checks as a
configuration file, so every problem names its key path and the ``defs.yaml`` line, not a generic
resolution error. The API key is never an attribute: a connection names the environment variable holding
it (``api_key_env``), which becomes a ``dg.EnvVar`` on the connection's resource.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field, PrivateAttr

from ci_sendinblue.components.scaffolder import BrevoExportsScaffolder
from ci_sendinblue.config.loading import ConfigError, settings_from_mapping
from ci_sendinblue.config.models import Settings
from ci_sendinblue.config.positions import line_of

_ATTRIBUTES = ("attributes",)


@dg.scaffold_with(BrevoExportsScaffolder)
class BrevoExports(dg.Component, dg.Resolvable, dg.Model):
    """Keep Brevo (Sendinblue) contact lists in step with customer segments.

    Segments are cut by rules from a profiles file or from any asset of the project (loaded through its IO
    manager), validated by Pandera, and exported to Brevo lists by a connection whose API key stays in an
    environment variable. Each export is an asset with checks, a job and, when it has one, a schedule.
    """

    key_prefix: list[str] | str | None = Field(
        default=None,
        description="Prefix of every asset key, resource key, job, schedule, sensor and pool this component "
        "defines (e.g. 'crm' or [crm, emea]); give each component of a project its own.",
    )
    profiles: dict[str, Any] | None = Field(
        default=None,
        description="The profiles file (path, key, email, reading options); segments may read an asset instead.",
    )
    segments: dict[str, dict[str, Any]] | None = Field(
        default=None, description="Segments by name: a rule (where), optionally the asset holding their profiles."
    )
    connections: dict[str, dict[str, Any]] | None = Field(
        default=None,
        description="Brevo accounts by name: api_key_env (the variable's name, never the key), api_url, owners.",
    )
    exports: dict[str, dict[str, Any]] | None = Field(
        default=None, description="Exports by name: connection, list_id or list, segments, mapping, schedule."
    )
    state: dict[str, Any] | None = Field(default=None, description="Where the sync state lives (url or url_env).")
    alerts: dict[str, Any] | None = Field(default=None, description="Where failed runs are announced (Slack).")
    mask_personal_data: bool | None = Field(
        default=None, description="Mask emails and phones in what the UI shows (default true)."
    )

    _settings: Settings | None = PrivateAttr(default=None)
    _source: Path | None = PrivateAttr(default=None)

    @classmethod
    def load(cls, attributes: Any, context: dg.ComponentLoadContext) -> BrevoExports:
        """Resolve the attributes, then validate them at once, so a wrong setting fails the load with its line."""
        component = super().load(attributes, context)
        source = _defs_file(context)
        positions = context.resolution_context.source_position_tree
        component._source = source
        component._settings = settings_from_mapping(
            component.configuration(),
            source=source,
            base_dir=context.path,
            locate=lambda problem: line_of(problem, positions, _ATTRIBUTES),
        )
        return component

    def configuration(self) -> dict[str, Any]:
        """The attributes as a configuration mapping: only what the YAML sets, so the models' defaults apply."""
        return self.model_dump(exclude_none=True)

    @cached_property
    def settings(self) -> Settings:
        """The validated settings (validated on load; a component built in Python validates here)."""
        if self._settings is None:
            self._settings = settings_from_mapping(self.configuration(), source=Path("<python>"), base_dir=Path.cwd())
        return self._settings

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        from ci_sendinblue.assembly import build_definitions

        self._refuse_a_shared_prefix(context)
        return build_definitions(self.settings)

    def _refuse_a_shared_prefix(self, context: dg.ComponentLoadContext) -> None:
        """Two components of one project with the same ``key_prefix`` would define the same assets, jobs and
        resources; Dagster would then refuse the project naming a resource key. Say what to change instead."""
        siblings = context.component_tree.get_all_components(of_type=BrevoExports)
        clash = [c for c in siblings if c is not self and c.settings.key_prefix == self.settings.key_prefix]
        if clash:
            prefix = "/".join(self.settings.key_prefix) or "none"
            files = ", ".join(sorted(str(c._source or "a Python call") for c in [self, *clash]))
            raise ConfigError(
                self._source or Path("<python>"),
                [
                    f"key_prefix: {len(clash) + 1} BrevoExports components share the key_prefix ({prefix}): "
                    f"{files}; give each its own (e.g. key_prefix: crm), so that their assets, jobs, resources "
                    "and sync state stay apart"
                ],
            )


def _defs_file(context: dg.ComponentLoadContext) -> Path:
    positions = context.resolution_context.source_position_tree
    return Path(positions.position.filename) if positions is not None else context.path / "defs.yaml"
