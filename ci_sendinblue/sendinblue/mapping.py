"""Which profile column feeds each Brevo field of an export: the email (Brevo's key) and the attributes.

The connection's resource holds every export's mapping (``SendinblueResource.field_mappings``), so the
Dagster UI's resource view shows exactly what a run sends; the list asset reads it from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

EMAIL_KEY = "email"
"""The mapping key naming the email column; every other key is a Brevo attribute."""


@dataclass(frozen=True)
class FieldMapping:
    email: str
    """The profile column holding the email, the key Brevo matches contacts by."""
    attributes: Mapping[str, str]
    """Brevo attribute, upper case as Brevo stores it → profile column."""

    @classmethod
    def parse(cls, mapping: Mapping[str, str]) -> FieldMapping:
        """From the configuration's form ``{email: Email, FIRSTNAME: FirstName, ...}`` (already validated)."""
        if not mapping.get(EMAIL_KEY):
            raise ValueError("the mapping names no email column ('email: <profile column>')")
        return cls(
            email=mapping[EMAIL_KEY],
            attributes={attribute.upper(): column for attribute, column in mapping.items() if attribute != EMAIL_KEY},
        )

    @property
    def columns(self) -> list[str]:
        """The profile columns this mapping reads, each once, email first."""
        return list(dict.fromkeys([self.email, *self.attributes.values()]))
