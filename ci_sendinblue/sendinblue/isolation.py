"""Importing contacts so that one contact Brevo refuses cannot hold back the others.

Brevo accepts an import as a whole and decides later, per process: a process may end ``failed`` (Brevo gives
no reason per contact) or complete while counting some addresses as invalid and leaving them out. Either way
the contacts of that process cannot be taken as imported. Splitting such a process in halves and importing
each half again isolates the refused contacts in a few rounds (about log2 of the process size), so the run
reports them instead of failing, and everything else lands.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain

import pandas as pd

from ci_sendinblue.memory import release_unused_memory
from ci_sendinblue.privacy import masked_sample
from ci_sendinblue.sendinblue.contacts import SMS
from ci_sendinblue.sendinblue.errors import ImportsFailed
from ci_sendinblue.sendinblue.imports import ImportBody
from ci_sendinblue.sendinblue.list_writer import DUPLICATE_SMS, ImportOutcome, ListWriter


@dataclass
class ImportReport:
    outcomes: list[ImportOutcome] = field(default_factory=list)
    """Every import process of the run, in the order started (isolation rounds included)."""
    rejected: list[str] = field(default_factory=list)
    """Emails Brevo refused alone, in an import of their own: reported, not recorded, tried again next run."""
    rejected_reasons: list[str] = field(default_factory=list)
    """Why Brevo refused each of ``rejected`` (same order), as its process said: "invalid email",
    "duplicate SMS", "import failed", ..."""
    unresolved: list[ImportOutcome] = field(default_factory=list)
    sms_left_out: list[str] = field(default_factory=list)
    """Emails Brevo refused because another contact of the account holds their number: imported again without
    SMS (Brevo keeps one number per contact), reported, not rejected."""

    def rejected_by_reason(self) -> dict[str, int]:
        """How many contacts Brevo refused for each reason."""
        return dict(Counter(self.rejected_reasons))


def import_isolating_refused(
    writer: ListWriter,
    rows: pd.DataFrame,
    *,
    bodies: Callable[[pd.DataFrame], Iterable[ImportBody]],
    count: Callable[[pd.DataFrame], int],
    confirm: Callable[[pd.DataFrame], None],
    budget: int,
    budget_setting: str,
    log: logging.Logger | logging.LoggerAdapter,
    mask: bool,
) -> ImportReport:
    """Import ``rows``; split every process that did not take all its contacts, until each refused contact
    stands alone or ``budget`` extra imports are spent.

    ``count`` tells how many bodies ``bodies`` makes of a frame (for "import 3 of 11"). ``confirm``
    receives, after each round, the rows of the processes Brevo completed cleanly, so work done
    survives a later failure of the run. ``budget_setting`` is the key path of ``budget``, named when it runs
    out.
    """
    report = ImportReport()
    pending = [rows] if not rows.empty else []
    round_number = 0
    while pending:
        label = f"isolation round {round_number}: import" if round_number else "import"
        outcomes = writer.import_all(
            chain.from_iterable(bodies(frame) for frame in pending),
            total=sum(count(frame) for frame in pending),
            label=label,
        )
        round_number += 1
        release_unused_memory(collect_cycles=True)  # the packed bodies are gone; recording the state needs room
        report.outcomes.extend(outcomes)
        confirm(_confirmed_rows(rows, [outcome.emails.index for outcome in outcomes if outcome.clean]))
        pending = []
        for outcome in (o for o in outcomes if not o.clean):
            if len(outcome.emails) == 1 and budget >= 1 and _number_taken(outcome, rows):
                budget -= 1
                report.sms_left_out.extend(outcome.emails.tolist())
                log.warning(
                    f"import process {outcome.process_id} {outcome.outcome_text} for a single contact "
                    f"({masked_sample(outcome.emails, mask=mask)[0]}): another Brevo contact holds its number, "
                    "importing it again without SMS"
                )
                pending.append(rows.loc[outcome.emails.index].drop(columns=[SMS]))
            elif len(outcome.emails) == 1:
                report.rejected.extend(outcome.emails.tolist())
                report.rejected_reasons.append(outcome.reason)
                log.warning(
                    f"import process {outcome.process_id} {outcome.outcome_text} for a single contact "
                    f"({masked_sample(outcome.emails, mask=mask)[0]}): rejected ({outcome.reason})"
                )
            elif budget >= 2:
                budget -= 2
                half = len(outcome.emails) // 2
                log.warning(
                    f"import process {outcome.process_id} {outcome.outcome_text} "
                    f"({len(outcome.emails)} contacts): retrying as two imports to isolate the refused ones"
                )
                labels = outcome.emails.index
                pending.extend(rows.loc[part] for part in (labels[:half], labels[half:]))
            else:
                report.unresolved.append(outcome)
    _raise_unless_progress(report, budget_setting)
    return report


def _number_taken(outcome: ImportOutcome, rows: pd.DataFrame) -> bool:
    """Brevo left the contact out only because its SMS number belongs to another contact, and it was sent
    with one (a retry without SMS has none, so a second refusal is final)."""
    if set(outcome.refusals) != {DUPLICATE_SMS} or SMS not in rows:
        return False
    return bool(rows.loc[outcome.emails.index, SMS].notna().all())


def _confirmed_rows(rows: pd.DataFrame, labels: list[pd.Index]) -> pd.DataFrame:
    """The rows of the cleanly completed imports, found by label (every import clean: all of ``rows``)."""
    if not labels:
        return rows.iloc[:0]
    if sum(len(part) for part in labels) == len(rows):
        return rows
    return rows.loc[labels[0].append(labels[1:])]


def _raise_unless_progress(report: ImportReport, budget_setting: str) -> None:
    if report.outcomes and not any(o.status.succeeded for o in report.outcomes):
        raise ImportsFailed(
            f"every import of this run failed ({len(report.outcomes)} processes, last one "
            f"{report.outcomes[-1].status.status}): Brevo refuses the imports as a whole, not particular "
            "contacts. Check the account in Brevo; the next run sends the same contacts again."
        )
    if report.unresolved:
        described = ", ".join(f"{o.process_id} ({o.outcome_text}, {len(o.emails)} contacts)" for o in report.unresolved)
        raise ImportsFailed(
            f"Brevo did not complete import process(es) {described}, and the run spent its extra imports "
            f"({budget_setting}) isolating refused contacts; completed imports are recorded, the next run sends "
            "the rest again."
        )
