"""The Dagster resource that holds one Brevo connection and the field mappings of its exports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dagster as dg
import httpx
from pydantic import Field, PrivateAttr

from ci_sendinblue.config.models import ConnectionSettings, ExportSettings
from ci_sendinblue.sendinblue.client import BrevoClient, RetryPolicy
from ci_sendinblue.sendinblue.ratelimit import RateLimiter
from ci_sendinblue.sendinblue.sync import ListWriter, PollPolicy
from ci_sendinblue.sendinblue.sync_state import SyncStateStore


class SendinblueResource(dg.ConfigurableResource):
    """A Brevo (Sendinblue) account: credentials, limits, and what each export maps to which attribute.

    The API key comes from an environment variable (``dg.EnvVar``), so the Dagster UI shows the variable's
    name and never its value. The HTTP client is built on first use and shared by the run's requests, so its
    rate limiter sees them all.
    """

    api_key: str = Field(description="Brevo v3 API key; pass dg.EnvVar('SENDINBLUE_API_KEY').")
    api_key_env: str = Field(default="SENDINBLUE_API_KEY", description="Named in errors instead of the key.")
    api_url: str = "https://api.brevo.com/v3"
    accept_data_privacy_terms: bool = False
    request_timeout: float = 60.0
    max_attempts: int = 6
    retry_timeout: float = 300.0
    retry_wait_initial: float = 1.0
    retry_wait_max: float = 60.0
    contacts_requests_per_second: float = 10.0
    other_requests_per_hour: int = 100
    process_poll_initial: float = 2.0
    process_poll_max: float = 60.0
    import_timeout: float = 7200.0
    field_mappings: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Per export: 'email' and Brevo attribute → profile column."
    )

    _client: BrevoClient | None = PrivateAttr(default=None)

    @classmethod
    def from_settings(cls, connection: ConnectionSettings, exports: dict[str, ExportSettings]) -> SendinblueResource:
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
            field_mappings={name: dict(export.mapping) for name, export in exports.items()},
        )

    def __repr__(self) -> str:
        return f"SendinblueResource(api_url={self.api_url!r}, api_key_env={self.api_key_env!r})"

    __str__ = __repr__

    def client(self, on_retry: Callable[[str], None] | None = None) -> BrevoClient:
        if self._client is None:
            self._client = BrevoClient(
                self.api_url,
                self.api_key,
                key_source=f"the environment variable {self.api_key_env}",
                timeout=self.request_timeout,
                retry=RetryPolicy(
                    attempts=self.max_attempts,
                    timeout=self.retry_timeout,
                    wait_initial=self.retry_wait_initial,
                    wait_max=self.retry_wait_max,
                ),
                limiter=RateLimiter(
                    contacts_per_second=self.contacts_requests_per_second,
                    others_per_hour=self.other_requests_per_hour,
                ),
                transport=self.transport(),
                on_retry=on_retry,
            )
        return self._client

    def list_writer(
        self, list_id: int, log: Callable[[str], None], warn: Callable[[str], None] | None = None
    ) -> ListWriter:
        """A writer for one list; ``warn`` receives every retry with its reason."""
        return ListWriter(
            self.client(on_retry=warn or log),
            list_id,
            poll=PollPolicy(
                initial=self.process_poll_initial, maximum=self.process_poll_max, timeout=self.import_timeout
            ),
            log=log,
        )

    def transport(self) -> httpx.BaseTransport | None:
        """The HTTP transport; None for a real network connection. Tests override it with a fake Brevo."""
        return None

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


class SyncStateResource(dg.ConfigurableResource):
    """Where each export keeps what Brevo last confirmed (see ``ci_sendinblue.sendinblue.sync_state``).

    Without a URL the state is a SQLite file beside the Dagster instance's own storage, so it lives and is
    backed up with the run history; a PostgreSQL URL (best passed as ``dg.EnvVar``) shares it between
    machines.
    """

    url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in the instance storage.")

    _stores: dict[str, SyncStateStore] = PrivateAttr(default_factory=dict)

    def __repr__(self) -> str:
        return "SyncStateResource(url=<hidden>)" if self.url else "SyncStateResource(url=None)"

    __str__ = __repr__

    def store(self, instance: dg.DagsterInstance) -> SyncStateStore:
        url = self.url or f"sqlite:///{Path(instance.storage_directory()) / 'ci_sendinblue_sync_state.db'}"
        if url not in self._stores:
            self._stores[url] = SyncStateStore(url)
        return self._stores[url]

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        for store in self._stores.values():
            store.dispose()
        self._stores.clear()
