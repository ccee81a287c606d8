"""The segment members' contract: a present, unique customer key and a valid, normalised email."""

from __future__ import annotations

import pandas as pd
import pandera.errors
import pytest

from ci_sendinblue.segments.schemas import segment_members_schema
from ci_sendinblue.text import TEXT

SCHEMA = segment_members_schema("CustomerId", "Email")


def members(keys: list[str | None], emails: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "CustomerId": pd.array(keys, dtype=TEXT),
            "Email": pd.array(emails, dtype=TEXT),
            "City": ["Lyon"] * len(keys),  # other profile columns pass unchecked
        }
    )


def failures(frame: pd.DataFrame) -> pd.DataFrame:
    with pytest.raises(pandera.errors.SchemaErrors) as raised:
        SCHEMA.validate(frame, lazy=True)
    return raised.value.failure_cases


def test_members_with_unique_keys_and_valid_emails_pass() -> None:
    frame = members(["c1", "c2"], ["ann@example.com", "bob@example.org"])
    pd.testing.assert_frame_equal(SCHEMA.validate(frame), frame)


def test_every_row_of_a_repeated_key_fails_the_unique_check() -> None:
    cases = failures(members(["c1", "c2", "c1"], ["a@example.com", "b@example.com", "c@example.com"]))
    unique = cases[cases["check"] == "unique"]
    assert set(unique["column"]) == {"CustomerId"}
    assert sorted(unique["index"]) == [0, 2]


def test_a_missing_key_and_an_invalid_or_upper_case_email_fail() -> None:
    cases = failures(members(["c1", None, "c3"], ["a@example.com", "b@example.com", "Ann@Example.com"]))
    assert ("CustomerId", 1) in set(zip(cases["column"], cases["index"], strict=True))
    email = cases[cases["column"] == "Email"]
    assert list(email["index"]) == [2]
