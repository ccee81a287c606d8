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

import numpy as np
import pandas as pd
import pyarrow as pa
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
_REASONS = pa.array([MISSING, TOO_LONG, MALFORMED], type=pa.large_string())


def normalize_emails(emails: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Normalised addresses and, per row, why the address is refused (missing where it is valid).

    Written with Arrow's kernels on one array throughout: the same steps through pandas' ``.str`` methods
    and nullable booleans took 0.67 s per million addresses, a third of it converting between them."""
    stripped = pc.utf8_trim_whitespace(arrow_text(emails.astype(TEXT)))
    # Checked before lower-casing too: Unicode case mapping can turn a non-ASCII letter into ASCII ones
    # ("İ" lower-cases to "i" and a combining dot), which must not make a different mailbox out of it.
    # (Arrow's ASCII test reads the bytes; the equivalent regular expression took five times as long.)
    ascii_only = _flags(pc.string_is_ascii(stripped), missing=True)
    all_ascii = bool(ascii_only.all())
    # On ASCII text the byte-wise kernels give exactly what the Unicode ones do, in a fraction of the time.
    text = pc.ascii_lower(stripped) if all_ascii else pc.utf8_lower(stripped)
    length = pc.binary_length(text) if all_ascii else pc.utf8_length(text)
    empty = _flags(pc.equal(text, ""), missing=True)
    too_long = _flags(pc.greater(length, MAX_LENGTH))
    # Only an address longer than the local part's limit can have too long a local part: look for the @ in
    # those alone (searching every address took 50 ms per million).
    long = np.flatnonzero(_flags(pc.greater(length, MAX_LOCAL_LENGTH)))
    too_long[long] |= _flags(pc.greater(pc.find_substring(text.take(long), "@"), MAX_LOCAL_LENGTH))
    malformed = ~_flags(pc.match_substring_regex(text, f"^(?:{EMAIL_PATTERN})$")) | ~ascii_only
    for tld in sorted(SPECIAL_USE_TLDS):
        malformed |= _flags(pc.ends_with(text, f".{tld}"))
    codes = np.select([empty, too_long, malformed], [0, 1, 2], default=3).astype(np.int8)
    reason = pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes == 3), _REASONS).dictionary_decode()
    return (
        pd.Series(pd.arrays.ArrowStringArray(text), index=emails.index, name=emails.name),
        pd.Series(pd.arrays.ArrowStringArray(reason.cast(pa.large_string())), index=emails.index),
    )


def _flags(values: pa.ChunkedArray | pa.Array, *, missing: bool = False) -> np.ndarray:
    """A boolean Arrow result as a NumPy mask, missing values counted as ``missing``."""
    return pc.fill_null(values, missing).to_numpy(zero_copy_only=False)
