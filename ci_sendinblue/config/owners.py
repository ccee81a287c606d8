"""Who may use a connection: the owners a connection and an export name, and the guard between them.

A connection may name its ``owners`` (its administrators) and ``usable_by`` (others allowed to send through
it); an export names its ``owners``. A connection that names neither is unguarded: any export may use it, as
before the guard existed. A guarded connection takes only an export one of whose owners it names (in
``owners`` or ``usable_by``): an export naming no owner is refused ("only administrators by default": the
file must say who is responsible for what goes to the account).

This is a check of the configuration file, reviewed like code; it does not decide who may click Materialize
in the UI (that is the deployment's access control). Owner strings are the ones Dagster shows on assets, so
the same names appear in the UI.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:
    from ci_sendinblue.config.models import ConnectionSettings, ExportSettings

TEAM_PREFIX = "team:"
OWNER_FORMAT = "an e-mail address (jane@example.com) or a team as team:<name> (team:crm-admins)"


def dagster_owner(owner: str) -> str:
    """``owner`` when Dagster accepts it as an asset owner; asks ``AssetSpec`` itself (public API), so the file
    refuses at load exactly what the asset definitions would refuse later, whatever the Dagster version."""
    try:
        dg.AssetSpec(key="owner_probe", owners=[owner])
    except dg.DagsterInvalidDefinitionError:
        raise ValueError(f"'{owner}' is not a Dagster owner: write {OWNER_FORMAT}") from None
    return owner


def owner_identity(owner: str) -> str:
    """What two owner strings are compared by.

    An e-mail address is compared without regard to case: mail systems deliver ``Jane@Example.com`` and
    ``jane@example.com`` to one person, and people write their address both ways. A team is compared
    exactly: ``team:<name>`` is an opaque name Dagster shows and filters as written, and the file cannot know
    whether the deployment treats ``team:CRM`` and ``team:crm`` as one team, so a guard must not assume it.
    A person is never matched to a team: the file does not know who belongs to which team.
    """
    return owner if owner.startswith(TEAM_PREFIX) else owner.casefold()


def guarded(connection: ConnectionSettings) -> bool:
    """Whether the connection restricts which exports may use it (it names owners or usable_by)."""
    return bool(connection.owners or connection.usable_by)


def may_use(export_owners: Iterable[str], connection: ConnectionSettings) -> bool:
    """Whether an export owned by ``export_owners`` may send through ``connection``."""
    if not guarded(connection):
        return True
    allowed = {owner_identity(owner) for owner in [*connection.owners, *connection.usable_by]}
    return any(owner_identity(owner) in allowed for owner in export_owners)


def usage_problems(
    name: str, export: ExportSettings, connection_name: str, connection: ConnectionSettings
) -> Iterator[str]:
    """The refusal of export ``name`` by its connection, if any: naming the export, the connection, the
    export's owners and who may use the connection, with the key path to edit first."""
    if may_use(export.owners, connection):
        return
    takes = (
        f"connection '{connection_name}', which takes only exports owned by one of its owners "
        f"({_shown(connection.owners)}) or usable_by ({_shown(connection.usable_by)})"
    )
    if not export.owners:
        example = (connection.usable_by or connection.owners)[0]
        yield (
            f"exports.{name}.owners: export '{name}' names no owners and may not use {takes}: name the "
            f"export's owners, e.g. owners: [{example}]"
        )
    else:
        yield (
            f"exports.{name}.owners: export '{name}' (owners: {_shown(export.owners)}) may not use {takes}: add "
            f"one of those to the export's owners, or one of the export's owners to "
            f"connections.{connection_name}.usable_by"
        )


def _shown(owners: list[str]) -> str:
    return ", ".join(owners) if owners else "none"
