"""What can stop an export, in two families: what Brevo answered, and what the export itself refuses.

    BrevoError                      Brevo's answer (or silence); raised by the client
    ├── BrevoTransientError         worth a retry; the client retries these, and only these
    │   ├── BrevoRateLimited        429, retried after the reset time Brevo gives
    │   ├── BrevoServerError        5xx, Cloudflare's 524 included
    │   └── BrevoUnavailable        not reached: connection refused or dropped, timed out
    └── BrevoRejected               4xx: the same request would be refused again
        ├── BrevoRequestError       400, a parameter Brevo names
        ├── BrevoAuthError          401, the API key
        ├── BrevoPaymentRequired    402, credits or plan
        ├── BrevoPermissionError    403, what the key may do
        └── BrevoNotFound           404
            ├── ListNotFound
            └── ProcessNotFound

    ExportError                     the export stops itself, before or after sending; raised by the sync
    ├── PrivacyTermsNotAccepted     the connection has not accepted Brevo's data privacy terms
    ├── TooManyProfiles             over the export's max_profiles
    ├── UnknownAttributes           the mapping sends attributes the account does not have
    ├── MappingRefused              the mapping sends what the account's attribute types cannot take
    ├── TooManyUnconvertible        over the export's max_unconvertible_share of values not fitting their type
    ├── ListNameNotFound            no list has the name the export gives (and it may not create one)
    ├── ListNameAmbiguous           several lists (or folders) have that name
    ├── ContactTooLarge             one contact alone is over the import body limit
    ├── MassRemovalRefused          the mirror-mode brake (see ``brake``)
    └── ImportsFailed               Brevo did not complete the run's imports (all failed, or isolating the
                                    refused contacts ran out of budget, or a process never finished)

The retry decision is one ``isinstance`` on ``BrevoTransientError``; the list asset turns either family into a
Dagster failure. No message here ever holds the API key: errors are built from the status, Brevo's error
code and message, and the name of the environment variable the key came from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ci_sendinblue.sendinblue.conversion import UnconvertibleReport


class BrevoError(Exception):
    """Brevo answered with an error, or could not be reached."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class BrevoTransientError(BrevoError):
    """A failure that may pass: the client retries it with back-off, bounded in attempts and time."""

    @property
    def retry_after(self) -> float | None:
        """Seconds Brevo asked to wait before the next attempt; None leaves it to the back-off."""
        return None


class BrevoRateLimited(BrevoTransientError):
    """429: over Brevo's rate limit; retried after the reset time Brevo gives."""

    def __init__(self, message: str, *, reset_after: float | None, status: int = 429, code: str | None = None):
        super().__init__(message, status=status, code=code)
        self.reset_after = reset_after

    @property
    def retry_after(self) -> float | None:
        return self.reset_after


class BrevoServerError(BrevoTransientError):
    """5xx (incl. Cloudflare's 524): Brevo failed or timed out; the request may or may not have taken effect."""


class BrevoUnavailable(BrevoTransientError):
    """Brevo could not be reached (connection refused, dropped or timed out)."""


class BrevoRejected(BrevoError):
    """4xx other than 429: Brevo refused the request as it is; sending it again would not help."""


class BrevoRequestError(BrevoRejected):
    """400: Brevo refused a parameter; the message names it."""


class BrevoAuthError(BrevoRejected):
    """401: the API key is missing, wrong, revoked, or used from an IP address Brevo does not allow."""


class BrevoPaymentRequired(BrevoRejected):
    """402: the Brevo account lacks the credits or plan for the call."""


class BrevoPermissionError(BrevoRejected):
    """403: the key may not do this."""


class BrevoNotFound(BrevoRejected):
    """404: the thing asked for does not exist in this account."""


class ListNotFound(BrevoNotFound):
    """The export's list ID does not exist in the account."""


class ProcessNotFound(BrevoNotFound):
    """An import process ID Brevo gave us is unknown to it."""


class ExportError(Exception):
    """The export stopped itself: its settings forbid sending, or Brevo's answers leave it unfinished."""


class PrivacyTermsNotAccepted(ExportError):
    """Customer data goes to Brevo only once the connection has accepted Brevo's data privacy terms."""


class TooManyProfiles(ExportError):
    """The export holds more contacts than its ``max_profiles``; nothing was sent."""

    def __init__(self, message: str, *, members: int, cap: int) -> None:
        super().__init__(message)
        self.members = members
        self.cap = cap


class UnknownAttributes(ExportError):
    """The mapping sends attributes the Brevo account does not have; Brevo would silently drop them."""


class MappingRefused(ExportError):
    """The mapping feeds an attribute Brevo fills itself (transactional, calculated, global, id), or gives a
    reading option that does not fit the attribute's type; nothing was sent."""


class TooManyUnconvertible(ExportError):
    """Too many of the values a run would send do not fit their attribute's type; nothing was sent."""

    def __init__(self, message: str, *, report: UnconvertibleReport) -> None:
        super().__init__(message)
        self.report = report


class ListNameNotFound(ExportError):
    """No Brevo list has the name (in the folder) the export gives, and it may not create one."""


class ListNameAmbiguous(ExportError):
    """Several Brevo lists have the name the export gives; the message lists them."""


class ContactTooLarge(ExportError):
    """One contact alone is over the import body limit."""


class MassRemovalRefused(ExportError):
    """The mirror-mode brake stopped a run; nothing was sent or removed."""


class ImportsFailed(ExportError):
    """Brevo did not complete this run's imports; what it did complete is recorded, the rest is sent again."""
