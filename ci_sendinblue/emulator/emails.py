"""The emulator's rule for "is this an email address Brevo would import?".

Brevo does not publish its rule. We use email-validator's syntax check (``check_deliverability=False``: no
DNS, so tests stay offline) and key contacts by the lower-cased, whitespace-stripped address, because Brevo
treats addresses case-insensitively. email-validator also refuses special-use domains (``.test``,
``.local``, ``.invalid``, ``localhost``...): use ``example.com`` style domains in test data.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


def normalize_email(raw: object) -> str | None:
    """The lower-cased key for ``raw``, or ``None`` if it is not a syntactically valid address."""
    if not isinstance(raw, str):
        return None
    candidate = raw.strip()
    if not candidate:
        return None
    try:
        validate_email(candidate, check_deliverability=False)
    except EmailNotValidError:
        return None
    return candidate.lower()
