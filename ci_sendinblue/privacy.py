"""Masking of personal data shown in the Dagster UI (metadata, logs).

Enough stays visible to recognise a row while debugging (first letter, domain, last digits), not enough to
contact the person.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def mask_email(email: object) -> str:
    text = "" if _missing(email) else str(email).strip()
    local, at, domain = text.rpartition("@")
    if not at:
        return _mask_middle(text)
    return f"{local[:1]}***@{domain}"


def mask_phone(phone: object) -> str:
    text = "" if _missing(phone) else str(phone).strip()
    if len(text) <= 4:
        return "*" * len(text)
    return text[:4] + "".join("*" if ch.isalnum() else ch for ch in text[4:-2]) + text[-2:]


def mask_value(value: object) -> str:
    """Any other personal value (a birth date, a name): its first and last characters, the rest starred."""
    return _mask_middle("" if _missing(value) else str(value).strip())


def masked_sample(values: Iterable[object], *, mask: bool, kind: str = "email", size: int = 10) -> list[str]:
    masker = mask_email if kind == "email" else mask_phone
    sample = []
    for value in values:
        if len(sample) == size:
            break
        sample.append(masker(value) if mask else ("" if _missing(value) else str(value)))
    return sample


def _mask_middle(text: str) -> str:
    if len(text) <= 2:
        return "*" * len(text)
    return text[:1] + "*" * min(len(text) - 2, 8) + text[-1:]


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def labelled_sample(values: pd.Series, *, mask: bool, label: str, kind: str = "email", size: int = 10) -> list[str]:
    """Masked values that can be told apart: many addresses mask alike (``c***@example.com``), so each one
    carries its row's number, ``label`` naming what the rows are ("member 12: c***@example.com")."""
    head = values.iloc[:size]
    shown = masked_sample(head, mask=mask, kind=kind, size=size)
    return [f"{label} {int(row) + 1}: {value}" for row, value in zip(head.index, shown, strict=True)]
