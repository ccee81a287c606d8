"""The Dagster resources of the sendinblue domain: a Brevo connection, and the sync state's store."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import httpx
from pydantic import Field, PrivateAttr

from ci_sendinblue.config.models import ConnectionSettings, ExportSettings, ProfilesSettings
from ci_sendinblue.docs import shown_in_ui
from ci_sendinblue.sendinblue.client import BrevoClient
from ci_sendinblue.sendinblue.errors import ExportError
from ci_sendinblue.sendinblue.list_writer import ListWriter
from ci_sendinblue.sendinblue.mapping import FieldMapping
from ci_sendinblue.sendinblue.policies import (
    DEFAULT_POLL,
    DEFAULT_RATE_LIMITS,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_RETRY,
    PollPolicy,
    RateLimits,
    RetryPolicy,
)
from ci_sendinblue.sendinblue.progress import Heartbeat
from ci_sendinblue.sendinblue.ratelimit import RateLimiter
from ci_sendinblue.sendinblue.sync_state import SyncStateStore

STATE_DATABASE = "ci_sendinblue_sync_state.db"
STATE_COPIES = "ci_sendinblue_sync_state_copies"
"""The default sync state's file and its local copies' folder, in the Dagster instance's storage folder."""

_limiters: dict[tuple[str, str, RateLimits], RateLimiter] = {}
_limiters_lock = threading.Lock()


@shown_in_ui
class SendinblueResource(dg.ConfigurableResource):
    """A Brevo (Sendinblue) account: credentials, limits, and what each export maps to which attribute.

    The API key comes from an environment variable (`dg.EnvVar`), so the Dagster UI shows the variable's
    name and never its value. `field_mappings` is the one place a list asset reads its mapping from, so the
    UI's resource view shows what runs really send.

    Each step gets a client of its own (its retry warnings go to its own log), while every client of the same
    connection in this process shares one rate limiter: Brevo counts requests per account, so two exports
    syncing at once must queue behind one limit rather than each believe it has the whole of it.
    """

    api_key: str = Field(description="Brevo v3 API key; pass dg.EnvVar('SENDINBLUE_API_KEY').")
    api_key_env: str = Field(default="SENDINBLUE_API_KEY", description="Named in errors instead of the key.")
    api_url: str = "https://api.brevo.com/v3"
    accept_data_privacy_terms: bool = False
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    max_attempts: int = DEFAULT_RETRY.attempts
    retry_timeout: float = DEFAULT_RETRY.timeout
    retry_wait_initial: float = DEFAULT_RETRY.wait_initial
    retry_wait_max: float = DEFAULT_RETRY.wait_max
    contacts_requests_per_second: float | None = DEFAULT_RATE_LIMITS.contacts_per_second
    other_requests_per_hour: float | None = DEFAULT_RATE_LIMITS.others_per_hour
    process_poll_initial: float = DEFAULT_POLL.initial
    process_poll_max: float = DEFAULT_POLL.maximum
    import_timeout: float = DEFAULT_POLL.timeout
    field_mappings: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Per export: 'email' and Brevo attribute → profile column."
    )
    attribute_formats: dict[str, dict[str, dict[str, str]]] = Field(
        default_factory=dict,
        description="Per export and attribute, how its column's text is read (date_format, separator, "
        "decimal_separator, thousands_separator), as the mapping gives it.",
    )
    value_defaults: dict[str, str] = Field(
        default_factory=dict,
        description="How typed attributes' text is read where the mapping says nothing (profiles.decimal_separator, "
        "thousands_separator, date_format).",
    )

    @classmethod
    def from_settings(
        cls,
        connection: ConnectionSettings,
        exports: dict[str, ExportSettings],
        profiles: ProfilesSettings | None = None,
    ) -> SendinblueResource:
        return cls(
            api_key=dg.EnvVar(connection.api_key_env),
            api_key_env=connection.api_key_env,
            api_url=str(connection.api_url),
            accept_data_privacy_terms=connection.accept_data_privacy_terms,
            request_timeout=connection.request_timeout,
            max_attempts=connection.max_attempts,
            retry_timeout=connection.retry_timeout,
            retry_wait_initial=connection.retry_wait_initial,
            retry_wait_max=connection.retry_wait_max,
            contacts_requests_per_second=connection.contacts_requests_per_second,
            other_requests_per_hour=connection.other_requests_per_hour,
            process_poll_initial=connection.process_poll_initial,
            process_poll_max=connection.process_poll_max,
            import_timeout=connection.import_timeout,
            field_mappings={name: export.mapped_columns() for name, export in exports.items()},
            attribute_formats={name: export.value_formats() for name, export in exports.items()},
            value_defaults=profiles.value_defaults() if profiles else {},
        )

    def __repr__(self) -> str:
        return f"SendinblueResource(api_url={self.api_url!r}, api_key_env={self.api_key_env!r})"

    __str__ = __repr__

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            attempts=self.max_attempts,
            timeout=self.retry_timeout,
            wait_initial=self.retry_wait_initial,
            wait_max=self.retry_wait_max,
        )

    @property
    def poll_policy(self) -> PollPolicy:
        return PollPolicy(initial=self.process_poll_initial, maximum=self.process_poll_max, timeout=self.import_timeout)

    @property
    def rate_limits(self) -> RateLimits:
        return RateLimits(
            contacts_per_second=self.contacts_requests_per_second, others_per_hour=self.other_requests_per_hour
        )

    def mapping_for(self, export_name: str) -> FieldMapping:
        """The mapping an export sends with; refused when this connection holds none for it."""
        mapping = self.field_mappings.get(export_name)
        try:
            return FieldMapping.parse(mapping or {}, self.attribute_formats.get(export_name), self.value_defaults)
        except ValueError as error:
            raise ExportError(
                f"the resource of this export's connection has no usable field mapping for '{export_name}' "
                f"({error}): set field_mappings.{export_name} on the resource (exports.{export_name}.mapping "
                "in the configuration file)."
            ) from None

    @contextmanager
    def list_writer(self, list_id: int | None, log: logging.Logger | logging.LoggerAdapter) -> Iterator[ListWriter]:
        """A writer for one list with a client of its own, closed afterwards; ``log`` receives its progress,
        and every retry with its reason as a warning. ``list_id`` None: the export names its list by name,
        and the run resolves it (``ListWriter.for_list``)."""
        heartbeat = Heartbeat(log.info)
        with self.client(log, heartbeat) as client:
            yield ListWriter(client, list_id, poll=self.poll_policy, heartbeat=heartbeat)

    @contextmanager
    def client(
        self, log: logging.Logger | logging.LoggerAdapter, heartbeat: Heartbeat | None = None
    ) -> Iterator[BrevoClient]:
        """A client of this connection for one step, closed afterwards; retries are logged as warnings."""
        client = BrevoClient(
            self.api_url,
            self.api_key,
            key_source=f"the environment variable {self.api_key_env}",
            timeout=self.request_timeout,
            retry=self.retry_policy,
            limiter=self._shared_limiter(),
            transport=self.transport(),
            on_retry=log.warning,
            heartbeat=heartbeat,
        )
        with client:
            yield client

    def transport(self) -> httpx.BaseTransport | None:
        """The HTTP transport; None for a real network connection. Tests override it with the emulator."""
        return None

    def _shared_limiter(self) -> RateLimiter:
        # The key's digest tells accounts apart in memory only; it is never shown or stored.
        account = hashlib.sha256(self.api_key.encode()).hexdigest()
        key = (self.api_url, account, self.rate_limits)
        with _limiters_lock:
            if key not in _limiters:
                _limiters[key] = RateLimiter(self.rate_limits)
            return _limiters[key]


@shown_in_ui
class SyncStateResource(dg.ConfigurableResource):
    """Where each export keeps what Brevo last confirmed (see `ci_sendinblue.sendinblue.sync_state`).

    Without a URL the state is a SQLite file beside the Dagster instance's own storage, so it lives and is
    backed up with the run history; a PostgreSQL URL (best passed as `dg.EnvVar`) shares it between
    machines.
    """

    url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in the instance storage.")
    local_copy: bool = Field(
        default=True,
        description="Keep an Arrow copy of each export's state in the instance storage, used while it provably "
        "equals the database: an incremental run then loads a million members in milliseconds, not a second.",
    )

    _stores: dict[str, SyncStateStore] = PrivateAttr(default_factory=dict)

    def __repr__(self) -> str:
        return "SyncStateResource(url=<hidden>)" if self.url else "SyncStateResource(url=None)"

    __str__ = __repr__

    def store(self, instance: dg.DagsterInstance) -> SyncStateStore:
        storage = Path(instance.storage_directory())
        if not self.url:  # the default file's folder: a step may be the run's first to use the storage
            storage.mkdir(parents=True, exist_ok=True)
        url = self.url or f"sqlite:///{storage / STATE_DATABASE}"
        if url not in self._stores:
            copies = storage / STATE_COPIES if self.local_copy else None
            self._stores[url] = SyncStateStore(url, cache_dir=copies)
        return self._stores[url]

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        for store in self._stores.values():
            store.dispose()
        self._stores.clear()
