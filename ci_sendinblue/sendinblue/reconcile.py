"""Reading what a Brevo list really holds, in the sync state's own terms (email, attributes hash).

The sync state is what Brevo confirmed to this project; someone may since have removed contacts from the list
by hand, or edited their attributes in Brevo. Reconciling replaces the state with the list as Brevo has it,
hashed like the contacts a run would send, so the diff then repairs exactly the drift. A typed attribute's
stored value (a number, true/false, a date, an array) goes through the same conversion as the profiles'
text, read in Brevo's own forms ("." decimals, ISO dates), so a value Brevo stores equals the one a run sends.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ci_sendinblue.sendinblue.attributes import FLOAT, MULTIPLE_CHOICE, AttributeConversion
from ci_sendinblue.sendinblue.contacts import EMAIL
from ci_sendinblue.sendinblue.conversion import (
    LIST_ITEM_SEPARATOR,
    LIST_SOURCE,
    NUMBER_SOURCE,
    TEXT_SOURCE,
    UNCONVERTIBLE,
    convert_column,
)
from ci_sendinblue.sendinblue.list_writer import ListWriter
from ci_sendinblue.sendinblue.mapping import DEFAULT_FORMAT
from ci_sendinblue.sendinblue.sync_diff import ATTRIBUTES_HASH, attributes_hash
from ci_sendinblue.text import TEXT


def list_as_state(
    writer: ListWriter, attributes: list[str], conversions: Mapping[str, AttributeConversion] | None = None
) -> pd.DataFrame:
    """Columns ``email`` and ``attributes_hash`` of every contact in the writer's list."""
    members = pd.DataFrame(
        [{EMAIL: m["email"].strip().lower(), **(m.get("attributes") or {})} for m in writer.members()],
        columns=[EMAIL, *attributes],
    )
    text = [a for a in attributes if not (conversions or {}).get(a, _TEXT).typed]
    members[text] = members[text].astype(TEXT).apply(lambda c: c.str.strip()).replace("", pd.NA)
    for attribute in attributes:
        conversion = (conversions or {}).get(attribute)
        if conversion is not None and conversion.typed:
            members[attribute] = stored_literals(members[attribute], conversion)
    members[ATTRIBUTES_HASH] = attributes_hash(members, attributes)
    return members[[EMAIL, ATTRIBUTES_HASH]].drop_duplicates(EMAIL)


_TEXT = AttributeConversion("", "text")


def stored_literals(values: pd.Series, conversion: AttributeConversion) -> pd.Series:
    """Brevo's stored values of a typed attribute (as its JSON gives them) as the literals a run sends."""
    if conversion.kind == MULTIPLE_CHOICE:
        source = LIST_SOURCE
    elif conversion.kind == FLOAT:
        source = NUMBER_SOURCE
    else:
        source = TEXT_SOURCE
    text = values.map(_as_text, na_action="ignore").astype(TEXT)
    literals = convert_column(text, dataclasses.replace(conversion, format=DEFAULT_FORMAT), source=source)
    return literals.mask(literals == UNCONVERTIBLE)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | int):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return LIST_ITEM_SEPARATOR.join(str(item) for item in value)
    return str(value)
