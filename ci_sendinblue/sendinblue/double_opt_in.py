"""Double opt-in: new contacts are asked by Brevo to confirm before they join the list.

For an export with ``double_opt_in``, a contact that is new (not in the sync state) and not already in the
list goes through ``POST /contacts/doubleOptinConfirmation`` instead of the import: Brevo mails it the
template, and adds it to the list only once it clicks the link. Until then the sync state records it as
pending (``SyncStateStore.load_pending``), and later runs neither import it nor mail it again (unless
``resend_after_days`` has passed). A run looks for its pending contacts in the list: those found are
confirmed, leave the pending ones, and are updated by import as usual, which records them in the state.
Contacts already in the list (confirmed earlier, or added there by other means) are imported as usual.

Which of the candidates are in the list is asked the cheaper way: one ``GET /contacts/{email}`` each when
they are few, or reading the list's members (500 a request) when the candidates outnumber its pages. Both
are ``/contacts`` requests, paced by the same rate limit, so the count of requests is the cost; a daily run of
a lead segment has a handful of new and pending contacts, while a full refresh of a large list is cheaper
read page by page.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from ci_sendinblue.config.models import DoubleOptIn
from ci_sendinblue.privacy import masked_sample
from ci_sendinblue.sendinblue.client import MAX_LIST_MEMBERS_PAGE
from ci_sendinblue.sendinblue.contacts import EMAIL
from ci_sendinblue.sendinblue.errors import BrevoRequestError
from ci_sendinblue.sendinblue.list_writer import ListWriter
from ci_sendinblue.sendinblue.sync_diff import ATTRIBUTES_HASH
from ci_sendinblue.sendinblue.sync_state import PHONE_KEY, REQUESTED_AT, SyncStateStore

RECORD_EVERY = 100
"""Requests sent between two writes of the pending contacts: a run that fails midway keeps what it sent."""
CONFIRMED_ELSEWHERE = "double opt-in confirmed after leaving the segments"
"""The state's hash of a contact who confirmed its double opt-in after leaving the export's segments: no run
makes it, so the contact is sent again should it come back (and mirror mode unlinks it)."""


@dataclass(frozen=True)
class DoubleOptInPlan:
    request: pd.Series
    """Emails to mail a confirmation request to: new, not in the list, not pending (or due for a re-send)."""
    held_back: pd.Series
    """Emails the import leaves out: those requested now and those still pending."""
    confirmed: pd.Series
    """Pending emails now found in the list."""
    still_pending: int
    """Pending contacts not found in the list, requested again or not."""


@dataclass
class DoubleOptInReport:
    requested: int = 0
    refused: list[str] = field(default_factory=list)
    """Emails Brevo refused to mail (400, e.g. an address it finds invalid): tried again next run."""
    confirmed: int = 0
    pending: int = 0
    """Pending contacts after the run (requested in this run or earlier, not yet in the list)."""
    opted_out: list[str] = field(default_factory=list)
    """New contacts Brevo already holds as opted out of e-mail: not mailed a confirmation request."""


Contacts = dict[str, dict[str, Any] | None]
"""Contacts as ``GET /contacts/{email}`` gave them (None: Brevo has none), by email, so one run asks once."""


def in_list(writer: ListWriter, emails: pd.Series, *, list_size: int, known: Contacts | None = None) -> pd.Series:
    """Which of ``emails`` (normalised) the writer's list holds, asked the cheaper way (see the module); the
    contacts looked up one by one are kept in ``known``."""
    if emails.empty:
        return pd.Series(False, index=emails.index, dtype=bool)
    if len(emails) <= math.ceil(list_size / MAX_LIST_MEMBERS_PAGE):
        known = {} if known is None else known

        def listed(email: str) -> bool:
            contact = _contact(writer, email, known)
            return contact is not None and writer.list_id in {int(i) for i in contact.get("listIds") or []}

        return emails.map(listed).astype(bool)
    members = pd.Index([str(m.get("email", "")).strip().lower() for m in writer.members()])
    return emails.isin(members)


def opted_out(writer: ListWriter, emails: pd.Series, *, known: Contacts | None = None) -> pd.Series:
    """Which of ``emails`` Brevo holds as opted out of e-mail (one ``GET /contacts/{email}`` each unless
    ``known`` has it): a person who unsubscribed is never mailed a confirmation request, whatever the segment
    says."""
    if emails.empty:
        return pd.Series(False, index=emails.index, dtype=bool)
    known = {} if known is None else known

    def blocklisted(email: str) -> bool:
        contact = _contact(writer, email, known)
        return bool(contact and contact.get("emailBlacklisted"))

    return emails.map(blocklisted).astype(bool)


def _contact(writer: ListWriter, email: str, known: Contacts) -> dict[str, Any] | None:
    if email not in known:
        known[email] = writer.client.contact(email)
    return known[email]


def plan_double_opt_in(
    new: pd.Series,
    pending: pd.DataFrame,
    listed: Callable[[pd.Series], pd.Series],
    *,
    settings: DoubleOptIn,
    now: datetime,
) -> DoubleOptInPlan:
    """Split the run's ``new`` emails (not in the state) between import and confirmation request.

    ``pending`` has columns ``email`` and ``requested_at``; ``listed`` tells which of some emails the list
    holds."""
    candidates = pd.Series(
        pd.Index(new, dtype=object).append(pd.Index(pending[EMAIL], dtype=object)).unique(), dtype=object
    )
    found = listed(candidates)
    listed_emails = pd.Index(candidates[found.to_numpy(dtype=bool)])
    outside = new[~new.isin(listed_emails)]
    confirmed = pending.loc[pending[EMAIL].isin(listed_emails), EMAIL]
    waiting = pending.loc[~pending[EMAIL].isin(listed_emails)]
    if settings.resend_after_days is not None:
        due = waiting[REQUESTED_AT] <= now - timedelta(days=settings.resend_after_days)
        waiting = waiting.loc[~due.to_numpy(dtype=bool)]
    return DoubleOptInPlan(
        request=outside[~outside.isin(waiting[EMAIL])],
        held_back=outside,
        confirmed=confirmed,
        still_pending=len(pending) - len(confirmed),
    )


def request_confirmations(
    writer: ListWriter,
    contacts: pd.DataFrame,
    *,
    settings: DoubleOptIn,
    record: Callable[[list[str]], None],
    log: logging.Logger | logging.LoggerAdapter,
    mask: bool,
    literal: Collection[str] = (),
) -> tuple[int, list[str]]:
    """One ``POST /contacts/doubleOptinConfirmation`` per row of ``contacts`` (email and the attributes as
    Brevo receives them; a missing value is left out), paced by the client's rate limiter. ``record`` receives
    the emails Brevo accepted, every ``RECORD_EVERY`` and at the end, even when a request fails midway.
    Returns how many were requested and the emails Brevo refused."""
    sent: list[str] = []
    refused: list[str] = []
    requested = 0
    try:
        for contact in contacts.to_dict("records"):
            email = contact.pop(EMAIL)
            attributes = _brevo_attributes(contact, literal)
            try:
                writer.client.request_double_opt_in(
                    email,
                    attributes,
                    list_id=writer.list_id,
                    template_id=settings.template_id,
                    redirection_url=str(settings.redirection_url),
                )
            except BrevoRequestError as error:
                refused.append(email)
                # Brevo's message may quote the address: only its status and code are shown.
                log.warning(
                    f"double opt-in request for {masked_sample([email], mask=mask)[0]} refused by Brevo "
                    f"({error.status} {error.code or ''}); it is tried again next run"
                )
                continue
            sent.append(email)
            requested += 1
            if len(sent) >= RECORD_EVERY:
                record(sent)
                sent = []
            writer.heartbeat.tick(f"double opt-in: {requested:,} of {len(contacts):,} confirmation requests sent")
    finally:
        if sent:
            record(sent)
    return requested, refused


def _brevo_attributes(contact: dict[str, Any], literal: Collection[str]) -> dict[str, Any]:
    """A shaped contact's attributes as Brevo takes them, the way the import writes them: typed ones
    (``literal``) from their JSON literal, an unconvertible one ("") left out, a missing value left out."""
    attributes: dict[str, Any] = {}
    for name, value in contact.items():
        if value is None or pd.isna(value):
            continue
        if name in literal:
            if value == "":
                continue
            value = json.loads(value)
        attributes[name] = value
    return attributes


class DoubleOptInRun:
    """One run's double opt-in for one export and list: its pending contacts, whom to ask, the requests and
    what the state keeps of them (the list sync calls it at three points: counts, plan, send)."""

    def __init__(
        self,
        export_name: str,
        settings: DoubleOptIn,
        store: SyncStateStore,
        list_id: int,
        *,
        log: logging.Logger | logging.LoggerAdapter,
        mask: bool,
    ) -> None:
        self.export_name = export_name
        self.settings = settings
        self.store = store
        self.list_id = list_id
        self.log = log
        self.mask = mask
        self.pending = store.load_pending(export_name, list_id)
        """Contacts asked to confirm in earlier runs and not yet seen in the list."""
        self._known: Contacts = {}

    def plan(
        self, writer: ListWriter, new: pd.Series, *, list_size: int, list_members: pd.Index | None = None
    ) -> DoubleOptInPlan:
        """Whom of the run's ``new`` emails to ask, and which pending ones confirmed. ``list_members``: the
        list's emails when the run has just read them (reconcile), else they are looked up."""

        def listed(emails: pd.Series) -> pd.Series:
            if list_members is not None:
                return emails.isin(list_members)
            return in_list(writer, emails, list_size=list_size, known=self._known)

        return plan_double_opt_in(new, self.pending, listed, settings=self.settings, now=datetime.now(UTC))

    def send(
        self,
        writer: ListWriter,
        to_import: pd.DataFrame,
        plan: DoubleOptInPlan,
        members: pd.Series,
        *,
        literal: Collection[str] = (),
    ) -> DoubleOptInReport:
        """Mail the confirmation requests (``to_import``: the run's shaped contacts), record them as pending,
        and let the confirmed ones go: those still ``members`` were imported with the others; those who left
        the segments are recorded in the state with a hash no run makes."""
        asked = to_import.loc[to_import[EMAIL].isin(plan.request)]
        blocklisted = opted_out(writer, asked[EMAIL], known=self._known)
        skipped = asked.loc[blocklisted, EMAIL].tolist()
        if skipped:
            self.log.warning(
                f"{self.export_name}: double opt-in: {len(skipped):,} new contact(s) are opted out of e-mail in "
                f"Brevo and are not mailed ({', '.join(masked_sample(skipped, mask=self.mask))})"
            )
        asked = asked.loc[~blocklisted]
        requested_at = datetime.now(UTC)
        requested, refused = request_confirmations(
            writer,
            asked.drop(columns=[c for c in (ATTRIBUTES_HASH, PHONE_KEY) if c in asked]),
            settings=self.settings,
            record=lambda emails: self.store.record_pending(self.export_name, emails, self.list_id, requested_at),
            log=self.log,
            mask=self.mask,
            literal=literal,
        )
        left = plan.confirmed[~plan.confirmed.isin(members)]
        if len(left):
            rows = pd.DataFrame({EMAIL: left.to_numpy(), ATTRIBUTES_HASH: CONFIRMED_ELSEWHERE})
            self.store.record_confirmed_upserts(self.export_name, rows, requested_at)
        self.store.forget_pending(self.export_name, plan.confirmed)
        report = DoubleOptInReport(
            requested=requested,
            refused=refused,
            confirmed=len(plan.confirmed),
            pending=self.store.pending_count(self.export_name, self.list_id),
            opted_out=skipped,
        )
        self.log.info(
            f"{self.export_name}: double opt-in: {report.requested:,} confirmation(s) requested, "
            f"{report.confirmed:,} confirmed since the last run, {report.pending:,} pending"
            + (f", {len(refused):,} refused by Brevo" if refused else "")
        )
        return report

    def pending_now(self) -> int:
        return self.store.pending_count(self.export_name, self.list_id)
