"""Keeping personal data and secrets out of text that leaves the run's own log (a Slack alert).

An error's first line can quote a value from the profiles (a pandas or pandera message, a Brevo answer), or,
through a mistake somewhere, a secret. Emails and phone-like digit runs are masked as ``privacy`` masks them
in the UI, whatever ``mask_personal_data`` says, because Slack is another company's service; the value of
every environment variable the configuration names for a secret is replaced by the variable's name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from ci_sendinblue.privacy import mask_email, mask_phone

EMAIL = re.compile(r"[^\s@<>()\[\]{},;:\"'`|]+@[^\s@<>()\[\]{},;:\"'`|]+")
PHONE = re.compile(r"(?<![\w/])\+?\(?\d[\d ()./-]{5,}\d(?![\w/])")
"""Seven or more characters of digits and separators: more than a phone number, never less."""
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2})?$")
"""A date (and the hour of a time after it: ``PHONE`` stops at the colon) looks like a phone number to
``PHONE``, but tells a reader when, and is nobody's number."""
MIN_PHONE_DIGITS = 7
MIN_SECRET_LENGTH = 4
"""Shorter values (an unset or toy variable) would blank out ordinary words."""


class Redactor:
    """Masks personal data and the values of the named secret environment variables, read when built."""

    def __init__(self, secret_environment_variables: Iterable[str]) -> None:
        self._secrets = {
            name: value
            for name in secret_environment_variables
            if len(value := os.environ.get(name, "")) >= MIN_SECRET_LENGTH
        }

    def __call__(self, text: str) -> str:
        for name, value in sorted(self._secrets.items(), key=lambda item: -len(item[1])):
            text = text.replace(value, f"${name}")
        text = EMAIL.sub(lambda match: mask_email(match.group()), text)
        return PHONE.sub(_mask_phone_like, text)


def _mask_phone_like(match: re.Match[str]) -> str:
    found = match.group()
    if sum(ch.isdigit() for ch in found) < MIN_PHONE_DIGITS or ISO_DATE.match(found.strip()):
        return found
    return mask_phone(found)
