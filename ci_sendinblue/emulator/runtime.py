"""The emulator's live parts in one object: account state, rate limits, fault schedule, request counts.

The Starlette app keeps one ``Runtime`` in ``app.state.emulator``; the inspection API resets it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from .attributes import AttributeSpec
from .faults import FaultSchedule
from .ratelimit import Clock, RateLimits
from .settings import EmulatorSettings
from .state import AccountState


class Keep:
    """Marker type for "leave this setting as it is" in ``Runtime.reset``."""


KEEP = Keep()


class Runtime:
    """Mutable emulator state built from ``EmulatorSettings``."""

    def __init__(self, settings: EmulatorSettings, clock: Clock = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.account = AccountState(settings.attributes, settings.lists, settings.process_delay, clock)
        self.limits = RateLimits(settings.contacts_rate, settings.hourly_budget, clock)
        self.faults = FaultSchedule(settings.faults)
        self.request_counts: Counter[str] = Counter()

    def reset(
        self,
        lists: Mapping[int, str] | None = None,
        attributes: Sequence[AttributeSpec] | None = None,
        process_delay: float | None = None,
        contacts_rate: int | Keep | None = KEEP,
        hourly_budget: int | Keep | None = KEEP,
        faults: Any = None,
    ) -> None:
        """Clear contacts, processes, counters, rate windows and faults; optionally reconfigure.

        ``contacts_rate``/``hourly_budget`` left as ``KEEP`` keep their current value; ``None``/0 disables.
        """
        self.account.reset(attributes=attributes, lists=lists, process_delay=process_delay)
        current_contacts = self.limits.contacts.limit if self.limits.contacts else None
        current_other = self.limits.other.limit if self.limits.other else None
        self.limits.configure(
            current_contacts if isinstance(contacts_rate, Keep) else contacts_rate,
            current_other if isinstance(hourly_budget, Keep) else hourly_budget,
        )
        self.faults.replace(faults or [])
        self.request_counts.clear()
