"""The email rule: which addresses a segment accepts, and how they are normalised.

An address is normalised by trimming surrounding white space and lower-casing it (Brevo keys contacts by
email without regard to case). The normalised address is valid when it matches the WHATWG HTML "valid e-mail
address" rule (what an ``<input type=email>`` accepts) narrowed by what mail systems and Brevo refuse:

- the local part is one or more dot-separated runs of ``a-z 0-9 ! # $ % & ' * + / = ? ^ _ ` { | } ~ -``
  (no leading, trailing or doubled dot; no quoted local parts);
- the domain is two or more dot-separated labels of ``a-z 0-9 -``, none starting or ending with ``-``, each at
  most 63 characters, and the last (the top-level domain) is two or more letters or an ``xn--`` label (so
  ``user@localhost`` and ``user@192.168.1.1`` are refused), and not one of the special-use top-level domains
  that no public mailbox can have (``.test .invalid .local .localhost .onion .arpa``, RFC 6761/7686; the
  emulator's check, email-validator, refuses them too, and an address the import refuses would otherwise be
  recorded as sent);
- at most 64 characters before the ``@`` and 254 in all;
- ASCII only: internationalised (IDN or UTF-8) addresses are refused rather than converted.
"""

from __future__ import annotations

import pandas as pd
import pyarrow.compute as pc

from ci_sendinblue.text import TEXT, arrow_text

_ATEXT = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_TLD = r"(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})"
EMAIL_PATTERN = rf"{_ATEXT}+(?:\.{_ATEXT}+)*@(?:{_LABEL}\.)+{_TLD}"
MAX_LENGTH = 254
MAX_LOCAL_LENGTH = 64
SPECIAL_USE_TLDS = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})

MISSING = "missing email"
TOO_LONG = "email longer than 254 characters (or 64 before the @)"
MALFORMED = "not a valid email address"


def normalize_emails(emails: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Normalised addresses and, per row, why the address is refused (missing where it is valid)."""
    stripped = emails.astype(TEXT).str.strip()
    text = stripped.str.lower()
    empty = text.isna() | (text == "")
    local_length = text.str.find("@")
    too_long = (text.str.len() > MAX_LENGTH) | (local_length > MAX_LOCAL_LENGTH)
    malformed = ~text.str.fullmatch(EMAIL_PATTERN).fillna(False).astype(bool)
    # Checked before lower-casing too: Unicode case mapping can turn a non-ASCII letter into ASCII ones
    # ("İ" lower-cases to "i" and a combining dot), which must not make a different mailbox out of it.
    # (Arrow's ASCII test reads the bytes; the equivalent regular expression took five times as long.)
    ascii_only = pc.fill_null(pc.string_is_ascii(arrow_text(stripped)), True).to_numpy(zero_copy_only=False)
    malformed |= ~ascii_only
    special_use = r"\.(?:" + "|".join(sorted(SPECIAL_USE_TLDS)) + r")$"
    malformed |= text.str.contains(special_use, regex=True).fillna(False).astype(bool)
    reason = pd.Series(pd.NA, index=emails.index, dtype=TEXT)
    reason = reason.mask(malformed, MALFORMED).mask(too_long.fillna(False), TOO_LONG).mask(empty, MISSING)
    return text, reason
