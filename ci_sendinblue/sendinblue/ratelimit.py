"""Staying under Brevo's rate limits instead of running into them.

Brevo counts requests per endpoint family: about 10 per second (36,000 per hour) on ``/contacts...`` and a
small hourly budget (100 on the general tier) on everything else, ``/processes`` polling included. Each
family gets a sliding window: at most ``limit`` requests in any ``window`` seconds, which holds whichever way
Brevo counts. ``acquire`` reserves the next free slot and sleeps until it is due, so a run slows down rather
than burning its retries on 429s, and concurrent callers queue in order.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from ci_sendinblue.sendinblue.policies import RateLimits


class SlidingWindow:
    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._slots: deque[float] = deque()

    def reserve(self, now: float) -> float:
        """Book the earliest slot at or after ``now``; returns how long until it."""
        while self._slots and self._slots[0] <= now - self.window:
            self._slots.popleft()
        due = now if len(self._slots) < self.limit else self._slots[-self.limit] + self.window
        self._slots.append(due)
        return max(0.0, due - now)


class RateLimiter:
    """One Brevo account's limits, shared by every client of that account in this process (threads included):
    Brevo counts per account, not per connection or per step."""

    def __init__(
        self,
        limits: RateLimits,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self._windows: dict[str, SlidingWindow | None] = {
            "contacts": _window(limits.contacts_per_second, 1.0),
            "others": _window(limits.others_per_hour, 3600.0),
        }
        self._lock = threading.Lock()
        self._sleep = sleep
        self._clock = clock

    @classmethod
    def unlimited(cls) -> RateLimiter:
        return cls(RateLimits(contacts_per_second=None, others_per_hour=None))

    def acquire(self, path: str, *, sleep: Callable[[float], None] | None = None) -> float:
        """Block until the family of ``path`` may send; returns the seconds waited. ``sleep`` replaces the
        limiter's own for this wait (a run's heartbeat, which says what it waits for)."""
        window = self._windows["contacts" if path.lstrip("/").startswith("contacts") else "others"]
        if window is None:
            return 0.0
        with self._lock:
            wait = window.reserve(self._clock())
        if wait > 0:
            (sleep or self._sleep)(wait)
        return wait


MARGIN = 1.1
"""Windows are a tenth longer than Brevo's: requests leave here evenly but arrive with transit jitter, and a
request arriving a millisecond early would otherwise be the eleventh of Brevo's second."""


def _window(rate: float | None, seconds: float) -> SlidingWindow | None:
    """A window of ``seconds`` holding ``rate`` requests (fractional rates over a second are spread out)."""
    if not rate:
        return None
    if rate >= 1:
        return SlidingWindow(int(rate), seconds * MARGIN)
    return SlidingWindow(1, seconds * MARGIN / rate)
