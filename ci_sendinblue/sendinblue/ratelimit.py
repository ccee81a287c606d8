"""Staying under Brevo's rate limits instead of running into them.

Brevo counts requests per endpoint family: about 10 per second (36,000 per hour) on ``/contacts...`` and a
small hourly budget (100 on the general tier) on everything else, ``/processes`` polling included. Each
family gets a token bucket; ``acquire`` sleeps until a token is free, so a run slows down rather than burning
its retries on 429s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    capacity: float
    per_second: float
    tokens: float = field(init=False)
    updated: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = self.capacity
        self.updated = time.monotonic()

    def wait_time(self, now: float) -> float:
        """Take a token if one is free (0.0), else say how long until one is."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_second


class RateLimiter:
    def __init__(
        self,
        *,
        contacts_per_second: float | None,
        others_per_hour: float | None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._buckets: dict[str, TokenBucket | None] = {
            "contacts": TokenBucket(max(contacts_per_second, 1), contacts_per_second) if contacts_per_second else None,
            "others": TokenBucket(max(others_per_hour / 10, 1), others_per_hour / 3600) if others_per_hour else None,
        }
        self._lock = threading.Lock()
        self._sleep = sleep
        self._clock = clock

    @classmethod
    def unlimited(cls) -> RateLimiter:
        return cls(contacts_per_second=None, others_per_hour=None)

    def acquire(self, path: str) -> float:
        """Block until the family of ``path`` may send; returns the seconds waited."""
        bucket = self._buckets["contacts" if path.lstrip("/").startswith("contacts") else "others"]
        if bucket is None:
            return 0.0
        waited = 0.0
        while True:
            with self._lock:
                wait = bucket.wait_time(self._clock())
            if wait == 0.0:
                return waited
            self._sleep(wait)
            waited += wait
