"""One asset per connection: the contacts its Brevo account blocklists, read back so that upstream systems
can suppress them and segments can leave them out (``exclude_optouts``).

The asset is a spec and a few lines: reading is ``optouts.refresh_optouts``, the kept set and cursor are
``optout_state.OptOutStore``. (No ``from __future__ import annotations`` here: Dagster reads the run config's
type from the function's annotations at definition time.)
"""

from datetime import datetime

import dagster as dg
from pydantic import Field

from ci_sendinblue.config.models import Settings
from ci_sendinblue.privacy import labelled_sample
from ci_sendinblue.sendinblue.errors import BrevoError
from ci_sendinblue.sendinblue.optout_state import OptOutStore
from ci_sendinblue.sendinblue.optouts import CURSOR_OVERLAP, OptOutsRead, refresh_optouts
from ci_sendinblue.sendinblue.progress import Heartbeat
from ci_sendinblue.sendinblue.resources import SendinblueResource, SyncStateResource


class OptOutsConfig(dg.Config):
    """Options of one read, set in the launchpad or a job's run config."""

    full_reread: bool = Field(
        default=False,
        description="Read every contact of the account again instead of those modified since the last read; "
        "the only way to drop contacts deleted in Brevo, which a modifiedSince read cannot see.",
    )


OPTOUTS_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn(
            "email",
            "string",
            description="The contact's email as Brevo keys it (lower-case).",
            constraints=dg.TableColumnConstraints(nullable=False, unique=True),
        ),
        dg.TableColumn("email_blacklisted", "boolean", description="Brevo sends this contact no e-mail."),
        dg.TableColumn("sms_blacklisted", "boolean", description="Brevo sends this contact no SMS."),
        dg.TableColumn(
            "since",
            "timestamp[us, UTC]",
            description="The contact's modifiedAt when a read first saw it blocklisted. Brevo's contact listing "
            "gives no unsubscription time: the opt-out happened at this moment or before.",
        ),
    ]
)


def build_optouts_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    return [build_optouts_asset(connection, settings) for connection in settings.connections]


def build_optouts_asset(connection: str, settings: Settings) -> dg.AssetsDefinition:
    names = settings.names
    connection_key = names.connection_resource(connection)
    state_key = names.sync_state_resource
    key = names.optouts(connection)
    mask = settings.mask_personal_data

    @dg.asset(
        key=key,
        group_name=names.group("sendinblue"),
        kinds={"brevo", "pandas"},
        owners=settings.connections[connection].owners,  # the account's administrators, shown in the UI
        io_manager_key=names.io_manager,
        required_resource_keys={connection_key, state_key},
        pool=names.optouts_pool(connection),
        description=f"Contacts that Brevo account '{connection}' blocklists (unsubscribed or blocked), read "
        "incrementally: suppress them upstream, or leave them out of a segment with exclude_optouts.",
        metadata={"connection": connection, "dagster/column_schema": OPTOUTS_SCHEMA},
    )
    def _optouts(context: dg.AssetExecutionContext, config: OptOutsConfig):
        brevo: SendinblueResource = getattr(context.resources, connection_key)
        state: SyncStateResource = getattr(context.resources, state_key)
        heartbeat = Heartbeat(context.log.info)
        try:
            with brevo.client(context.log, heartbeat) as client:
                read = refresh_optouts(
                    client,
                    OptOutStore(state.store(context.instance)),
                    names.optouts_state(connection),
                    full=config.full_reread,
                    progress=heartbeat.tick,
                )
        except BrevoError as error:
            raise dg.Failure(description=f"Reading the opt-outs of connection {connection} failed: {error}") from None
        context.log.info(
            f"{connection}: {len(read.optouts):,} blocklisted contacts, {len(read.new):,} new and {read.lifted:,} "
            f"no longer blocklisted; {read.contacts_read:,} contacts read"
        )
        return dg.Output(read.optouts, metadata=optouts_metadata(read, mask=mask))

    return _optouts


def optouts_metadata(read: OptOutsRead, *, mask: bool) -> dict:
    optouts = read.optouts
    new = optouts["email"][optouts["email"].isin(read.new)]
    return {
        "dagster/row_count": dg.MetadataValue.int(len(optouts)),
        "dagster/column_schema": OPTOUTS_SCHEMA,
        "email_blacklisted": dg.MetadataValue.int(int(optouts["email_blacklisted"].sum())),
        "sms_blacklisted": dg.MetadataValue.int(int(optouts["sms_blacklisted"].sum())),
        "new_optouts": dg.MetadataValue.int(len(read.new)),
        "no_longer_blocklisted": dg.MetadataValue.int(read.lifted),
        "contacts_read": dg.MetadataValue.int(read.contacts_read),
        "cursor": dg.MetadataValue.text(_shown(read.cursor) or "none: the account has no contact yet"),
        "read": dg.MetadataValue.json(
            {
                "full_reread": read.full,
                "modified_since": _shown(read.asked_since),
                "cursor_overlap_seconds": CURSOR_OVERLAP.total_seconds(),
            }
        ),
        "new_sample": dg.MetadataValue.json(labelled_sample(new, mask=mask, label="opt-out")),
        "sample": dg.MetadataValue.json(labelled_sample(optouts["email"], mask=mask, label="opt-out")),
    }


def _shown(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
