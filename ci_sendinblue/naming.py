"""Every name this package gives Dagster or the sync state, derived in one place from ``key_prefix``.

Several configurations (several Brevo accounts, several teams) may be built into ONE code location, and
Dagster merges their definitions: two assets, jobs, schedules, sensors or resources of the same name would
collide, and two exports called ``newsletter`` in one state database would overwrite each other's state. Each
configuration's ``key_prefix`` (``["crm"]``) is therefore put in front of every name it makes:

* asset keys get the prefix as leading path parts: ``crm/segments/<segment>``, ``crm/sendinblue/<export>``;
* Dagster names (resource keys, jobs, schedules, sensors, groups, pools) get it joined by ``__``, as Dagster
  itself turns an asset key into an op name: ``crm__sendinblue_<connection>``, ``crm__newsletter_export_job``;
* what the state database keys an export or a connection's opt-outs by gets it joined by ``/``, as an asset
  key is written: ``crm/newsletter``.

With the empty prefix every name is the one the package has always used, so an existing state database,
schedule history or run config keeps working without a migration. The one name that differs whatever the
prefix is the IO manager's resource key: it is ``ci_sendinblue_frames``, never Dagster's ``io_manager``,
which would replace the default IO manager of every other asset of the code location.

A prefix part is a letter followed by letters, digits and single underscores: no ``__`` (the separator of
the joined names) and no trailing ``_``, so two different prefixes never give the same joined name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:
    from ci_sendinblue.config.models import ExportSettings

PREFIX_PART = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*$")
PREFIX_PART_RULE = (
    "must start with a letter and hold only letters, digits and single underscores (no __, no trailing _)"
)
OPTOUTS_SUFFIX = "_optouts"
"""A connection's opt-outs asset is ``sendinblue/<connection>_optouts``; an export may not take that name."""


@dataclass(frozen=True)
class Names:
    """The names of one configuration's definitions; ``Names()`` gives the unprefixed ones."""

    prefix: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for index, part in enumerate(self.prefix):
            if not PREFIX_PART.match(part):
                raise ValueError(f"key_prefix[{index}]: '{part}' {PREFIX_PART_RULE}")

    # -- how a base name is prefixed ------------------------------------------------------------------------

    def asset_key(self, *path: str) -> dg.AssetKey:
        return dg.AssetKey([*self.prefix, *path])

    def dagster_name(self, base: str) -> str:
        """A resource key, job, schedule, sensor, group or pool name: valid Dagster names, so joined by ``__``."""
        return "__".join([*self.prefix, base])

    def qualified(self, name: str) -> str:
        """An export or connection as the state database and run tags know it: ``crm/newsletter``."""
        return "/".join([*self.prefix, name])

    def owns(self, key: dg.AssetKey) -> bool:
        """Whether ``key`` is one of this configuration's assets' (any key, for the empty prefix)."""
        return tuple(key.path[: len(self.prefix)]) == self.prefix

    # -- asset keys and groups ------------------------------------------------------------------------------

    @property
    def customer_profiles(self) -> dg.AssetKey:
        return self.asset_key("customer_profiles")

    def segment(self, segment: str) -> dg.AssetKey:
        return self.asset_key("segments", segment)

    def export_list(self, export: str) -> dg.AssetKey:
        """The Brevo list asset of an export."""
        return self.asset_key("sendinblue", export)

    def optouts(self, connection: str) -> dg.AssetKey:
        return self.asset_key("sendinblue", f"{connection}{OPTOUTS_SUFFIX}")

    def group(self, group: str) -> str:
        """``profiles``, ``segments``, ``sendinblue``: prefixed too, so each configuration's graph is a group
        of its own in the UI and a selection by group never reaches another configuration's assets."""
        return self.dagster_name(group)

    @staticmethod
    def op_name(key: dg.AssetKey) -> str:
        """The op Dagster makes of an asset, as a run config names it (``ops: {<op>: {config: ...}}``)."""
        return key.to_python_identifier()

    # -- resources --------------------------------------------------------------------------------------------

    def connection_resource(self, connection: str) -> str:
        return self.dagster_name(f"sendinblue_{connection}")

    @property
    def sync_state_resource(self) -> str:
        return self.dagster_name("sync_state")

    @property
    def io_manager(self) -> str:
        return self.dagster_name("ci_sendinblue_frames")

    # -- jobs, schedules, sensors -----------------------------------------------------------------------------

    def export_job(self, export: str) -> str:
        return self.dagster_name(f"{export}_export_job")

    @property
    def all_exports_job(self) -> str:
        return self.dagster_name("all_exports_job")

    def export_schedule(self, export: str) -> str:
        return self.dagster_name(f"{export}_schedule")

    @property
    def profiles_sensor(self) -> str:
        return self.dagster_name("profiles_file_changed_sensor")

    @property
    def profiles_asset_sensor(self) -> str:
        """Starts the exports whose segments read a user's asset when it is materialized."""
        return self.dagster_name("profiles_asset_materialized_sensor")

    @property
    def run_failure_sensor(self) -> str:
        return self.dagster_name("run_failure_alert_sensor")

    # -- concurrency pools ------------------------------------------------------------------------------------

    def list_pool(self, export: ExportSettings) -> str:
        """One step at a time per list (``dagster.yaml``), so two runs never write one list, nor create a list
        named by name twice, at once."""
        if export.list_id is not None:
            return self.dagster_name(f"brevo_list_{export.list_id}")
        assert export.list_by_name is not None
        named = f"{export.connection} {export.list_by_name.folder or ''} {export.list_by_name.name}"
        return self.dagster_name("brevo_list_named_" + re.sub(r"[^A-Za-z0-9]+", "_", named).strip("_"))

    def optouts_pool(self, connection: str) -> str:
        """One read of a connection's opt-outs at a time: each read moves the connection's cursor."""
        return self.dagster_name(f"brevo_optouts_{connection}")

    # -- what the state database keys by -------------------------------------------------------------------

    def export_state(self, export: str) -> str:
        """The ``export_name`` of the export's sync state rows (and of its local Arrow copy)."""
        return self.qualified(export)

    def optouts_state(self, connection: str) -> str:
        """The ``connection`` of the opt-out set and cursor rows of a connection."""
        return self.qualified(connection)
