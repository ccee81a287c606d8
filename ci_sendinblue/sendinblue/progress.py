"""Saying what a run waits for, so a long export never looks stuck.

An export spends most of its wall time waiting on Brevo: for import processes to complete, and for the rate
limiter's next free slot (the hourly budget of ``/processes`` can hold a run for minutes). Every such wait
sleeps through a :class:`Heartbeat`, which sleeps in slices and logs what it is waiting for at least every
``every`` seconds (30 by default), whatever the length of each sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable

HEARTBEAT_SECONDS = 30.0


class Heartbeat:
    def __init__(
        self,
        log: Callable[[str], None],
        *,
        every: float = HEARTBEAT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = log
        self.every = every
        self._sleep = sleep
        self.clock = clock
        self._last_line = clock()

    def say(self, line: str) -> None:
        """Log ``line``; it counts as a sign of life, so the next heartbeat line is due ``every`` s later."""
        self._log(line)
        self._last_line = self.clock()

    def tick(self, doing: str) -> None:
        """Between the steps of long work that does not sleep (reading a list page by page): log ``doing``
        if ``every`` seconds passed without a line."""
        if self.clock() - self._last_line >= self.every:
            self.say(doing)

    def sleep(self, seconds: float, waiting_for: Callable[[], str]) -> None:
        """Sleep ``seconds``; whenever ``every`` seconds passed without a line, log ``waiting_for()``."""
        end = self.clock() + seconds
        while (left := end - self.clock()) > 0:
            due = self._last_line + self.every - self.clock()
            if due <= 0:
                self.say(waiting_for())
                continue
            self._sleep(min(left, due))


def data_size(size: int) -> str:
    """Bytes in the units people read: "7.9 MB", "812 kB", "96 bytes" (decimal, as HTTP tools show them)."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    if size >= 1_000:
        return f"{size / 1_000:.0f} kB"
    return f"{size} bytes"
