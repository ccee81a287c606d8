"""The account's contact attributes, and Brevo's rule for what a contact write stores in each.

An attribute has a ``category`` (normal, transactional, category, calculated, global) and, for most
categories, a ``type`` (text, date, float, boolean, id, multiple-choice). Brevo's ``createContact`` and
``updateContact`` say "values that don't match the attribute type ... will be ignored": a mistyped value is
dropped without an error, as an unknown attribute is. ``Attribute.store`` decides, value by value:

- text: a string is kept; a number or boolean is kept as its JSON text (``12``, ``1.5``, ``true``); arrays
  and objects are ignored;
- float: a JSON number only (a numeric string such as ``"1299.50"`` is ignored);
- date: a ``YYYY-MM-DD`` string naming a real day;
- boolean: JSON ``true``/``false`` only;
- category: an integer that is one of the enumeration's values. A label (``"Gold"``) is ignored: Brevo
  documents the value as the option's ID, and a label sent to a category attribute is known to be dropped
  silently (sendinblue/APIv3-python-library#65);
- multiple-choice (category normal): an array of strings, each one of the options;
- transactional, calculated and global attributes are not written by contact writes (calculated and global
  ones are computed by Brevo; transactional ones are fed by e-commerce events), except that
  ``updateContact`` documents "transactional attributes can be updated the same way as normal attributes".

CSV imports (``fileBody``) carry text only, so there a cell is read as its type's text form: a decimal
number, ``true``/``false``, a category value, options separated by ``,``.

Accounts are configured with plain names (normal text, as a fresh account's FIRSTNAME, LASTNAME, SMS), with
the compact specs of ``parse_spec`` (the ``--attributes`` flag) or with JSON objects (``from_json``, the
inspection reset).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

CATEGORIES = ("normal", "transactional", "category", "calculated", "global")
TYPES = ("text", "date", "float", "boolean", "id", "multiple-choice")
#: Types a spec may give per category (a category attribute's type is implied by its enumeration).
_TYPES_BY_CATEGORY = {
    "normal": ("text", "date", "float", "boolean", "multiple-choice"),
    "transactional": ("text", "date", "float", "boolean", "id"),
    "category": ("category",),
    "calculated": ("text", "date", "float", "boolean"),
    "global": ("text", "date", "float", "boolean"),
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SPEC = re.compile(r"(?:(?P<category>\w+)/)?(?P<name>[^:/]+)(?::(?P<type>[\w-]+)(?:\((?P<args>[^()]*)\))?)?")
_SPEC_SEPARATORS = set(",|()=")


class Ignored:
    """What ``Attribute.store`` answers for a value Brevo would drop."""

    def __repr__(self) -> str:
        return "IGNORED"


IGNORED = Ignored()


@dataclass(frozen=True)
class Attribute:
    """One attribute of the account; ``enumeration`` is ``((value, label), ...)`` for category attributes,
    ``options`` the choices of a multiple-choice one."""

    name: str
    category: str = "normal"
    type: str = "text"
    enumeration: tuple[tuple[int, str], ...] = ()
    options: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name or self.name != self.name.strip().upper():
            raise ValueError(f"attribute name {self.name!r} must be non-empty upper-case text")
        if self.category not in CATEGORIES:
            raise ValueError(f"attribute {self.name}: category must be one of {', '.join(CATEGORIES)}")
        allowed = _TYPES_BY_CATEGORY[self.category]
        if self.type not in allowed:
            raise ValueError(
                f"attribute {self.name}: a {self.category} attribute's type is one of {', '.join(allowed)}"
            )
        if self.category == "category" and not self.enumeration:
            raise ValueError(f"attribute {self.name}: a category attribute needs an enumeration")
        if self.type == "multiple-choice" and not self.options:
            raise ValueError(f"attribute {self.name}: a multiple-choice attribute needs options")

    # -- listing -----------------------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        """The attribute as ``GET /contacts/attributes`` lists it.

        Category attributes carry no ``type``: the response's type enum (text, date, float, id, boolean) has
        no member for them. Multiple-choice attributes are listed as Brevo sends them (type
        ``multiple-choice``, ``multiCategoryOptions``), outside that enum (see brevo-python#10).
        """
        listed: dict[str, Any] = {"name": self.name, "category": self.category}
        if self.category == "category":
            listed["enumeration"] = [{"value": value, "label": label} for value, label in self.enumeration]
        else:
            listed["type"] = self.type
        if self.options:
            listed["multiCategoryOptions"] = list(self.options)
        return listed

    def to_spec(self) -> str:
        """The compact form ``parse_spec`` reads back (for the ``--attributes`` flag)."""
        prefix = "" if self.category in ("normal", "category") else f"{self.category}/"
        if self.category == "category":
            return f"{self.name}:category(" + "|".join(f"{v}={label}" for v, label in self.enumeration) + ")"
        if self.type == "multiple-choice":
            return f"{self.name}:multiple-choice(" + "|".join(self.options) + ")"
        return f"{prefix}{self.name}:{self.type}"

    # -- writes ------------------------------------------------------------------------------------------
    def writable(self, transactional: bool = False) -> bool:
        """True if contact writes store this attribute (``transactional``: the write is ``updateContact``)."""
        return self.category in ("normal", "category") or (transactional and self.category == "transactional")

    def store(self, value: Any, from_text: bool = False) -> Any:
        """The value Brevo keeps for ``value`` (not empty: see the callers), or ``IGNORED``.

        ``from_text``: the value comes from a CSV cell, so it is read as its type's text form.
        """
        kind = self.type
        if kind in ("text", "id"):
            if isinstance(value, str):
                return value
            if isinstance(value, bool | int | float) and not _non_finite(value):
                return json.dumps(value)
            return IGNORED
        if from_text and isinstance(value, str):
            value = self._from_text(value.strip())
        if kind == "float":
            return (
                value
                if isinstance(value, int | float) and not isinstance(value, bool) and not _non_finite(value)
                else IGNORED
            )
        if kind == "boolean":
            return value if isinstance(value, bool) else IGNORED
        if kind == "date":
            return value if isinstance(value, str) and _is_date(value) else IGNORED
        if kind == "category":
            valid = isinstance(value, int) and not isinstance(value, bool) and value in dict(self.enumeration)
            return value if valid else IGNORED
        if kind == "multiple-choice":
            if isinstance(value, list) and all(isinstance(v, str) and v in self.options for v in value):
                return list(value)
            return IGNORED
        return IGNORED

    def _from_text(self, text: str) -> Any:
        if self.type == "float":
            try:
                return float(text)
            except ValueError:
                return text
        if self.type == "boolean":
            return {"true": True, "false": False}.get(text.lower(), text)
        if self.type == "category":
            return int(text) if text.isdigit() else text
        if self.type == "multiple-choice":
            return [part.strip() for part in text.split(",")]
        return text


def _non_finite(value: float) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _is_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


# -- configuration ---------------------------------------------------------------------------------------
AttributeSpec = str | Mapping[str, Any] | Attribute
"""An attribute as configured: a plain name or compact spec, a JSON object, or an ``Attribute``."""


def parse_spec(raw: str) -> Attribute:
    """One ``--attributes`` item: ``NAME`` | ``NAME:TYPE`` (text, float, date, boolean) |
    ``NAME:category(1=Gold|2=Silver)`` | ``NAME:multiple-choice(Sport|Music)`` | ``CATEGORY/NAME:TYPE`` for a
    transactional, calculated or global attribute (``transactional/ORDER_ID:id``)."""
    found = _SPEC.fullmatch(raw.strip())
    if found is None:
        raise ValueError(
            f"attribute spec {raw!r}: expected NAME, NAME:TYPE, NAME:category(1=A|2=B) or CATEGORY/NAME:TYPE"
        )
    name = found["name"].strip().upper()
    kind = found["type"] or "text"
    args = found["args"]
    if kind == "category":
        if found["category"] not in (None, "category"):
            raise ValueError(f"attribute spec {raw!r}: a category attribute takes no other category")
        return Attribute(name, "category", "category", enumeration=_enumeration(raw, args))
    if kind == "multiple-choice":
        options = tuple(part.strip() for part in (args or "").split("|") if part.strip())
        return Attribute(name, found["category"] or "normal", kind, options=options)
    if args is not None:
        raise ValueError(f"attribute spec {raw!r}: only category and multiple-choice take (...)")
    return Attribute(name, found["category"] or "normal", kind)


def _enumeration(raw: str, args: str | None) -> tuple[tuple[int, str], ...]:
    pairs = []
    for part in (args or "").split("|"):
        value, sep, label = part.partition("=")
        if not sep or not value.strip().isdigit() or not label.strip():
            raise ValueError(f"attribute spec {raw!r}: category options look like 1=Gold|2=Silver")
        pairs.append((int(value), label.strip()))
    return tuple(pairs)


def from_json(raw: Mapping[str, Any]) -> Attribute:
    """An attribute from ``{"name", "category", "type", "enumeration": [{value, label}], "multiCategoryOptions"}``."""
    category = str(raw.get("category", "normal"))
    enumeration = tuple((int(item["value"]), str(item["label"])) for item in raw.get("enumeration") or [])
    kind = "category" if category == "category" else str(raw.get("type", "text"))
    options = tuple(str(option) for option in raw.get("multiCategoryOptions") or [])
    return Attribute(str(raw["name"]).strip().upper(), category, kind, enumeration, options)


def to_attribute(spec: AttributeSpec) -> Attribute:
    """Any accepted form of an attribute (plain name, compact spec, JSON object) as an ``Attribute``."""
    if isinstance(spec, Attribute):
        return spec
    if isinstance(spec, str):
        return parse_spec(spec)
    if isinstance(spec, Mapping):
        return from_json(spec)
    raise ValueError(f"attribute {spec!r}: expected a name, a spec string or an object")


def to_cli_spec(spec: AttributeSpec) -> str:
    """The ``--attributes`` item for any accepted form; refuses labels the compact form cannot carry."""
    attribute = to_attribute(spec)
    texts = [label for _, label in attribute.enumeration] + list(attribute.options)
    if any(_SPEC_SEPARATORS & set(text) for text in texts):
        raise ValueError(f"attribute {attribute.name}: labels and options may not contain , | ( ) =")
    return attribute.to_spec()
