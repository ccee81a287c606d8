"""The Brevo account's contact attributes and what an export may send to each: the typed side of the pre-flight.

``GET /contacts/attributes`` lists every attribute with a ``category`` (normal, transactional, category,
calculated, global) and a ``type`` (text, date, float, id, boolean; multiple-choice attributes say
``multiple-choice`` and carry ``multiCategoryOptions``; category attributes carry an ``enumeration`` of
``{value, label}``). Brevo silently ignores a value that does not fit the type, so the run reads the types
first, refuses a mapping Brevo could never take (a calculated attribute, say), and converts each value to
the type before sending (see ``conversion``). Knows nothing of HTTP or pandas.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ci_sendinblue.sendinblue.errors import MappingRefused
from ci_sendinblue.sendinblue.mapping import FieldMapping, ValueFormat

TEXT = "text"
FLOAT = "float"
DATE = "date"
BOOLEAN = "boolean"
CATEGORY = "category"
MULTIPLE_CHOICE = "multiple-choice"
ID = "id"
KINDS = (TEXT, FLOAT, DATE, BOOLEAN, CATEGORY, MULTIPLE_CHOICE)
"""What a mapped attribute may be, as far as converting its values goes."""

_NOT_IMPORTABLE = {
    "transactional": "Brevo fills it from transactional data (orders, events), not from contact imports",
    "calculated": "Brevo computes its value from a formula over other data; an import cannot set it",
    "global": "Brevo computes it across the whole account from a formula; an import cannot set it",
}

_OPTION_KINDS = {
    "date_format": DATE,
    "separator": MULTIPLE_CHOICE,
    "decimal_separator": FLOAT,
    "thousands_separator": FLOAT,
}
"""Which kind of attribute each reading option applies to."""


@dataclass(frozen=True)
class AccountAttribute:
    """One contact attribute as the account declares it."""

    name: str
    category: str
    type: str
    enumeration: tuple[tuple[int, str], ...] = ()
    """A category attribute's ``(value, label)`` pairs."""
    options: tuple[str, ...] = ()
    """A multiple-choice attribute's options, spelled as Brevo stores them."""

    @property
    def kind(self) -> str:
        """How its values are converted; lenient about how Brevo spells a category or multiple-choice one."""
        if self.category == CATEGORY or self.type == CATEGORY or self.enumeration:
            return CATEGORY
        if self.type.replace("_", "-") in (MULTIPLE_CHOICE, "multiple-choices", "multi-choice"):
            return MULTIPLE_CHOICE
        return self.type if self.type in (*KINDS, ID) else TEXT

    @classmethod
    def parse(cls, listed: Mapping[str, Any]) -> AccountAttribute:
        enumeration = []
        for item in listed.get("enumeration") or []:
            try:
                enumeration.append((int(item["value"]), str(item["label"])))
            except (KeyError, TypeError, ValueError):
                continue  # an entry without an integer value cannot be sent; its label then reads as unknown
        return cls(
            name=str(listed.get("name", "")).upper(),
            category=str(listed.get("category") or "normal").lower(),
            type=str(listed.get("type") or TEXT).lower(),
            enumeration=tuple(enumeration),
            options=tuple(str(option) for option in listed.get("multiCategoryOptions") or []),
        )


def parse_attributes(listed: Iterable[Mapping[str, Any]]) -> dict[str, AccountAttribute]:
    """The account's attributes by upper-case name (Brevo's names ignore case)."""
    return {attribute.name: attribute for attribute in map(AccountAttribute.parse, listed) if attribute.name}


@dataclass(frozen=True)
class AttributeConversion:
    """How one mapped attribute's values are made what Brevo stores: its kind and the options that apply."""

    name: str
    kind: str
    format: ValueFormat = field(default_factory=ValueFormat)
    enumeration: tuple[tuple[int, str], ...] = ()
    options: tuple[str, ...] = ()

    @property
    def typed(self) -> bool:
        """Sent as a JSON literal (number, true/false, array, date string) rather than as trimmed text."""
        return self.kind != TEXT

    @property
    def signature(self) -> str:
        """Everything that decides the value sent for a given text: a change resends the export's contacts.
        Empty for text, so a text attribute hashes as it always did."""
        if not self.typed:
            return ""
        parts = [self.kind]
        if self.kind == FLOAT:
            parts += [f"decimal {self.format.decimal_separator}", f"thousands {self.format.thousands_separator}"]
        elif self.kind == DATE:
            parts.append(f"format {self.format.date_format}")
        elif self.kind == CATEGORY:
            parts.append("enumeration " + ";".join(f"{value}={label}" for value, label in self.enumeration))
        elif self.kind == MULTIPLE_CHOICE:
            parts += [f"separator {self.format.separator}", "options " + ";".join(self.options)]
        return " | ".join(parts)

    @property
    def reason(self) -> str:
        """Why a value is left out, in the words a report shows."""
        if self.kind == FLOAT:
            decimal, thousands = self.format.decimal_separator, self.format.thousands_separator
            if decimal == "." and not thousands:
                return "not a number"
            grouping = f", thousands separator '{thousands}'" if thousands else ""
            return f"not a number with decimal separator '{decimal}'{grouping}"
        if self.kind == DATE:
            return f"not a date in {self.format.date_format}" if self.format.date_format else "not a date (YYYY-MM-DD)"
        if self.kind == BOOLEAN:
            return "not true or false"
        if self.kind == CATEGORY:
            return "not one of " + _listing(label for _, label in self.enumeration)
        if self.kind == MULTIPLE_CHOICE:
            return "unknown option (options: " + _listing(self.options) + ")"
        return ""


def plan_conversions(
    mapping: FieldMapping,
    account: Mapping[str, AccountAttribute],
    *,
    export_name: str,
    list_columns: Iterable[str] = (),
) -> dict[str, AttributeConversion]:
    """Each mapped attribute's conversion, or :class:`MappingRefused` naming every attribute Brevo could not
    take as mapped: one it fills itself (transactional, calculated, global, id), a reading option that does
    not fit the attribute's type, a list column fed to anything but a multiple-choice attribute.

    The attributes exist (``ListWriter.check_ready`` refused unknown ones before)."""
    lists = set(list_columns)
    problems: list[str] = []
    conversions: dict[str, AttributeConversion] = {}
    for attribute, column in mapping.attributes.items():
        declared = account[attribute]
        where = f"exports.{export_name}.mapping.{attribute}"
        if declared.category in _NOT_IMPORTABLE:
            problems.append(
                f"{where}: {attribute} is a {declared.category} attribute in the Brevo account: "
                f"{_NOT_IMPORTABLE[declared.category]}. Remove it from the mapping."
            )
            continue
        kind = declared.kind
        if kind == ID:
            problems.append(
                f"{where}: {attribute} is an id attribute in the Brevo account: it keys transactional data, which "
                "an import does not set. Remove it from the mapping."
            )
            continue
        if attribute == "SMS":
            kind = TEXT  # phones have their own conversion (E.164), whatever the account calls the type
        for option, value in mapping.given_format(attribute).given().items():
            if _OPTION_KINDS[option] != kind:
                problems.append(
                    f"{where}.{option}: '{value}' applies to {_OPTION_KINDS[option]} attributes, and {attribute} "
                    f"is a {kind} attribute in the Brevo account: remove the option or map another attribute."
                )
        if column in lists and kind != MULTIPLE_CHOICE:
            problems.append(
                f"{where}: column '{column}' holds lists, which only a multiple-choice attribute takes; "
                f"{attribute} is a {kind} attribute in the Brevo account."
            )
        if kind == CATEGORY and not declared.enumeration:
            problems.append(f"{where}: {attribute} is a category attribute without values in the Brevo account.")
        conversions[attribute] = AttributeConversion(
            name=attribute,
            kind=kind,
            format=mapping.format_for(attribute),
            enumeration=declared.enumeration,
            options=declared.options,
        )
    if problems:
        raise MappingRefused(
            "the mapping does not fit the Brevo account's attributes; nothing was sent:\n- " + "\n- ".join(problems)
        )
    return conversions


def _listing(names: Iterable[str], shown: int = 8) -> str:
    names = list(names)
    return ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")
