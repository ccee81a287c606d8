"""Start-up configuration of the Brevo emulator.

One immutable value gathers everything that can be chosen from the CLI, from ``EmulatorProcess`` or from a
test, so the app factory, the server and the inspection reset all speak the same vocabulary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .attributes import AttributeSpec

#: Attributes of a fresh English-language Brevo account (EMAIL is the key, not an attribute).
DEFAULT_ATTRIBUTES: tuple[str, ...] = ("FIRSTNAME", "LASTNAME", "SMS")

#: Brevo documents a 10 MB ceiling on ``fileBody``/``jsonBody``; we apply it to the raw request body.
MAX_IMPORT_BODY_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class EmulatorSettings:
    """What the emulated account looks like and how strict the emulated platform is.

    ``contacts_rate`` (requests per sliding second on ``/contacts...``) and ``hourly_budget`` (requests per
    sliding hour on every other Brevo route) mirror Brevo's general tier; ``None`` or ``0`` disables a limit.
    ``process_delay`` is the time an import process takes from creation to completion (half queued, half
    in_process). ``faults`` is a list of fault-rule dicts (see ``faults.FaultRule``). ``attributes`` holds plain
    names (normal text attributes), compact specs (``LIFETIME_VALUE:float``, ``TIER:category(1=Gold|2=Silver)``)
    or JSON objects ``{"name", "category", "type", "enumeration", "multiCategoryOptions"}`` (see ``attributes``).
    """

    api_key: str = "test-key"
    host: str = "127.0.0.1"
    port: int = 8765
    attributes: tuple[AttributeSpec, ...] = DEFAULT_ATTRIBUTES
    lists: Mapping[int, str] = field(default_factory=dict)
    process_delay: float = 0.2
    contacts_rate: int | None = 10
    hourly_budget: int | None = 100
    faults: Sequence[Mapping[str, Any]] = ()
    max_import_bytes: int = MAX_IMPORT_BODY_BYTES
    account_email: str = "emulator@example.com"
