"""What can go wrong when talking to Brevo, named so that the user knows what to do next.

No message here ever holds the API key: errors are built from the status, Brevo's error code and message, and
the name of the environment variable the key came from.
"""

from __future__ import annotations


class BrevoError(Exception):
    """Base of every error raised by the Brevo client."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class BrevoRequestError(BrevoError):
    """400: Brevo refused a parameter; the message names it."""


class BrevoAuthError(BrevoError):
    """401: the API key is missing, wrong, revoked, or used from an IP address Brevo does not allow."""


class BrevoPaymentRequired(BrevoError):
    """402: the Brevo account lacks the credits or plan for the call."""


class BrevoPermissionError(BrevoError):
    """403: the key may not do this."""


class BrevoNotFound(BrevoError):
    """404: the thing asked for does not exist in this account."""


class ListNotFound(BrevoNotFound):
    """The export's list ID does not exist in the account."""


class ProcessNotFound(BrevoNotFound):
    """An import process ID Brevo gave us is unknown to it."""


class BrevoRateLimited(BrevoError):
    """429: over Brevo's rate limit; retried after the reset time Brevo gives."""

    def __init__(self, message: str, *, reset_after: float | None, status: int = 429, code: str | None = None):
        super().__init__(message, status=status, code=code)
        self.reset_after = reset_after


class BrevoServerError(BrevoError):
    """5xx (incl. Cloudflare's 524): Brevo failed or timed out; the request may or may not have taken effect."""


class BrevoUnavailable(BrevoError):
    """Brevo could not be reached (connection refused, dropped or timed out) even after retrying."""


class ImportProcessFailed(BrevoError):
    """An accepted import ended failed or cancelled; nothing in it can be taken as imported."""


class ExportRefused(Exception):
    """The export's own settings forbid sending (terms not accepted, too many profiles, unknown attributes)."""
