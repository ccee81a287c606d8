"""Brevo-like rate limiting: sliding windows and the ``x-sib-ratelimit-*`` headers.

Brevo's general tier allows about 10 requests/s on ``/v3/contacts...`` and 100 requests/h on every other
endpoint. Each bucket is a sliding window of request times; a refused request does not consume budget.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(frozen=True)
class RateDecision:
    """Outcome of one request against one bucket, with what the headers must say."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        """``x-sib-ratelimit-limit/remaining/reset`` (reset: whole seconds until budget frees up)."""
        return {
            "x-sib-ratelimit-limit": str(self.limit),
            "x-sib-ratelimit-remaining": str(self.remaining),
            "x-sib-ratelimit-reset": str(self.reset_seconds),
        }


class SlidingWindowLimiter:
    """At most ``limit`` accepted requests in any ``window`` seconds."""

    def __init__(self, limit: int, window: float, clock: Clock) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: deque[float] = deque()

    def _reset_in(self, now: float) -> int:
        if not self._hits:
            return 0
        return max(0, math.ceil(self._hits[0] + self.window - now))

    def hit(self) -> RateDecision:
        """Count one request if the budget allows it."""
        now = self._clock()
        while self._hits and self._hits[0] <= now - self.window:
            self._hits.popleft()
        if len(self._hits) >= self.limit:
            return RateDecision(False, self.limit, 0, max(1, self._reset_in(now)))
        self._hits.append(now)
        return RateDecision(True, self.limit, self.limit - len(self._hits), self._reset_in(now))


class RateLimits:
    """The two buckets: per-second on ``/contacts...``, per-hour on everything else (``None`` = no limit)."""

    def __init__(self, contacts_rate: int | None, hourly_budget: int | None, clock: Clock) -> None:
        self._clock = clock
        self.configure(contacts_rate, hourly_budget)

    def configure(self, contacts_rate: int | None, hourly_budget: int | None) -> None:
        """(Re)set both budgets, forgetting past requests."""
        self.contacts = SlidingWindowLimiter(contacts_rate, 1.0, self._clock) if contacts_rate else None
        self.other = SlidingWindowLimiter(hourly_budget, 3600.0, self._clock) if hourly_budget else None

    def bucket_for(self, path: str) -> SlidingWindowLimiter | None:
        """The bucket a Brevo path (without ``/v3``) draws from."""
        return self.contacts if path == "/contacts" or path.startswith("/contacts/") else self.other

    def hit(self, path: str) -> RateDecision | None:
        """Count one request on ``path``; ``None`` when its bucket is disabled."""
        bucket = self.bucket_for(path)
        return bucket.hit() if bucket is not None else None
