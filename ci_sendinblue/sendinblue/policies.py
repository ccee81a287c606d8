"""How the project talks to Brevo: time-outs, retries, import polling and rate limits, each declared once.

The configuration model (``config.models.ConnectionSettings``), the Dagster resource
(``resources.SendinblueResource``) and the client all take their defaults from the values below, the way httpx
declares ``DEFAULT_TIMEOUT_CONFIG`` and ``DEFAULT_LIMITS`` once; the resource turns its fields back into these
types for the client. Changing a default here changes it everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Back-off for what a retry can fix (429, 5xx, time-outs, dropped connections); see ``client``."""

    attempts: int
    timeout: float
    """Seconds all attempts of one request may take together."""
    wait_initial: float
    wait_max: float
    wait_jitter: float = 1.0


@dataclass(frozen=True)
class PollPolicy:
    """How patiently an import process is waited for: ``/processes`` shares Brevo's small hourly budget, so
    each look waits ``factor`` times longer than the one before, up to ``maximum``."""

    initial: float
    maximum: float
    timeout: float
    """Seconds after which a process that is still running fails the run (the next run sends it again)."""
    factor: float = 1.5


@dataclass(frozen=True)
class RateLimits:
    """Brevo's per-family request limits on the general tier; ``None`` means no client-side limit."""

    contacts_per_second: float | None
    """On ``/contacts...``: Brevo allows 10 per second (20 on higher plans)."""
    others_per_hour: float | None
    """On every other route, ``/processes`` polling included: 100 per hour (200 on higher plans)."""


DEFAULT_REQUEST_TIMEOUT = 60.0
"""Seconds one HTTP request may take before it counts as timed out (and is retried)."""

DEFAULT_RETRY = RetryPolicy(attempts=6, timeout=300.0, wait_initial=1.0, wait_max=60.0)
DEFAULT_POLL = PollPolicy(initial=2.0, maximum=60.0, timeout=7200.0)
DEFAULT_RATE_LIMITS = RateLimits(contacts_per_second=10.0, others_per_hour=100)
