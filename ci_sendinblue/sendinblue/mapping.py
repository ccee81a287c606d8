"""Which profile column feeds each Brevo field of an export: the email (Brevo's key) and the attributes, and
how a column's text reads as the attribute's type (a date format, a list separator, a decimal separator).

The connection's resource holds every export's mapping (``SendinblueResource.field_mappings``) and the
reading options given with it (``attribute_formats``, ``value_defaults``), so the Dagster UI's resource view
shows exactly what a run sends; the list asset reads them from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

EMAIL_KEY = "email"
"""The mapping key naming the email column; every other key is a Brevo attribute."""


@dataclass(frozen=True)
class ValueFormat:
    """How text in a profile column reads as a typed value; None where nothing was said."""

    date_format: str | None = None
    """A strptime format (``%d/%m/%Y``) for a date attribute's text; ISO dates are always read."""
    separator: str | None = None
    """What separates the options of a multiple-choice attribute held in one text value."""
    decimal_separator: str | None = None
    """The decimal separator of a float attribute's text ("." or ",")."""
    thousands_separator: str | None = None
    """A thousands separator a float attribute's text may use; without one, "1,299.50" is not a number."""

    @classmethod
    def parse(cls, options: Mapping[str, str | None]) -> ValueFormat:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ValueError(f"unknown value format option(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        return cls(**{name: value for name, value in options.items() if value is not None})

    def given(self) -> dict[str, str]:
        """The options set, by name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def over(self, defaults: ValueFormat) -> ValueFormat:
        """These options, each missing one taken from ``defaults``."""
        return replace(defaults, **self.given())


DEFAULT_FORMAT = ValueFormat(decimal_separator=".", separator=",")
"""What a column's text is read with when neither the mapping nor ``profiles`` says otherwise."""


@dataclass(frozen=True)
class FieldMapping:
    email: str
    """The profile column holding the email, the key Brevo matches contacts by."""
    attributes: Mapping[str, str]
    """Brevo attribute, upper case as Brevo stores it → profile column."""
    formats: Mapping[str, ValueFormat] = field(default_factory=dict)
    """Per attribute, the reading options its mapping entry gives (checked against its Brevo type)."""
    defaults: ValueFormat = DEFAULT_FORMAT
    """The profiles' reading options (``profiles.decimal_separator``, ``profiles.date_format``, ...)."""

    @classmethod
    def parse(
        cls,
        mapping: Mapping[str, str],
        formats: Mapping[str, Mapping[str, str]] | None = None,
        defaults: Mapping[str, str] | None = None,
    ) -> FieldMapping:
        """From the configuration's form ``{email: Email, FIRSTNAME: FirstName, ...}`` (already validated),
        the options given per attribute, and the profiles' defaults."""
        if not mapping.get(EMAIL_KEY):
            raise ValueError("the mapping names no email column ('email: <profile column>')")
        return cls(
            email=mapping[EMAIL_KEY],
            attributes={attribute.upper(): column for attribute, column in mapping.items() if attribute != EMAIL_KEY},
            formats={attribute.upper(): ValueFormat.parse(options) for attribute, options in (formats or {}).items()},
            defaults=ValueFormat.parse(defaults or {}).over(DEFAULT_FORMAT),
        )

    @property
    def columns(self) -> list[str]:
        """The profile columns this mapping reads, each once, email first."""
        return list(dict.fromkeys([self.email, *self.attributes.values()]))

    def given_format(self, attribute: str) -> ValueFormat:
        """What the attribute's own mapping entry says (checked against its type at the start of a run)."""
        return self.formats.get(attribute, ValueFormat())

    def format_for(self, attribute: str) -> ValueFormat:
        """The options the attribute's text is read with: its own, else the profiles' defaults."""
        return self.given_format(attribute).over(self.defaults)
