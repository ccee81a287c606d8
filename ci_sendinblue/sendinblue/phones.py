"""Phone numbers into the international form Brevo's SMS attribute requires (E.164: ``+`` and country code).

A leading ``00`` (also when a space or dash follows it: ``00 44 ...``) is read as ``+`` whatever the region
(Brevo itself accepts ``0033...``; no national number starts with ``00``). National numbers are read in the
export's default region, or in the region of a per-profile country column.
A number with letters in it is refused: libphonenumber would read them as keypad digits ("1-800-FLOWERS"),
which turns a typo such as a letter O for a zero into somebody else's valid number, and a vanity number is no
mobile to text anyway.
A number that cannot be made valid is dropped from the contact (the contact is still sent) and counted.
Parsing goes through Google's libphonenumber rules (``phonenumbers``), once per distinct (number, region).
"""

from __future__ import annotations

import re

import pandas as pd
import phonenumbers

_E164_SHAPE = re.compile(r"^\+[1-9]\d{6,14}$")


def normalize_phones(phones: pd.Series, regions: pd.Series | str) -> tuple[pd.Series, pd.Series]:
    """E.164 numbers (missing where there was none or it is invalid) and a mask of the invalid ones."""
    text = phones.astype("string").str.strip().str.replace(r"^00[\s.\-/]*(?=[1-9])", "+", regex=True)
    present = text.notna() & (text != "")
    region = regions if isinstance(regions, pd.Series) else pd.Series(regions, index=phones.index)
    region = region.astype("string").str.strip().str.upper().fillna("")
    pairs = pd.DataFrame({"number": text[present], "region": region[present]})
    if pairs.empty:
        return pd.Series(pd.NA, index=phones.index, dtype="string"), pd.Series(False, index=phones.index)
    distinct = pairs.drop_duplicates()
    formatted = {
        (number, reg): _to_e164(number, reg) for number, reg in zip(distinct["number"], distinct["region"], strict=True)
    }
    keys = zip(pairs["number"], pairs["region"], strict=True)
    converted = pd.Series([formatted[k] for k in keys], index=pairs.index, dtype="string")
    result = converted.reindex(phones.index)
    invalid = present & result.isna()
    return result, invalid


def _to_e164(number: str, region: str) -> str | None:
    if any(character.isalpha() for character in number):
        return None
    try:
        parsed = phonenumbers.parse(number, region or None)
    except phonenumbers.NumberParseException:
        return None
    if parsed.extension or not phonenumbers.is_valid_number(parsed):
        return None
    formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return formatted if _E164_SHAPE.match(formatted) else None
