"""Typed attributes in the sync: a change of an attribute's Brevo type or of how its text is read resends the
contacts, a value left out as unconvertible is converted and reported again by the next run, and reconcile
sees a value Brevo stores as equal to the one a run sends."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ci_sendinblue.sendinblue.attributes import parse_attributes, plan_conversions
from ci_sendinblue.sendinblue.contacts import EMAIL, ExportMembers, gather_members
from ci_sendinblue.sendinblue.mapping import FieldMapping
from ci_sendinblue.sendinblue.reconcile import list_as_state
from ci_sendinblue.sendinblue.sync_diff import ATTRIBUTES_HASH
from ci_sendinblue.sendinblue.sync_plan import SyncPlan, plan_sync, raw_value_hashes
from ci_sendinblue.sendinblue.sync_state import PHONE_KEY
from ci_sendinblue_tests.helpers import LISTED_ATTRIBUTES

NO_STATE = pd.DataFrame({c: pd.Series([], dtype=object) for c in (EMAIL, ATTRIBUTES_HASH, PHONE_KEY)})
ACCOUNT = parse_attributes(LISTED_ATTRIBUTES)
COLUMNS = {
    "FIRSTNAME": "First",
    "LTV": "Value",
    "BIRTHDAY": "Born",
    "OPTIN": "Optin",
    "TIER": "Tier",
    "INTERESTS": "Likes",
}
PROFILES = pd.DataFrame(
    {
        "Email": ["ann@example.com", "bob@example.com", "cy@example.com"],
        "First": ["Ann", "Bob", "Cy"],
        "Value": ["1299,50", "2000", "n/a"],
        "Born": ["11/02/1989", "1990-12-01", "someday"],
        "Optin": ["yes", "0", "TRUE"],
        "Tier": ["gold", "2", "Silver"],
        "Likes": ["run, yoga", "Yoga", ""],
    },
    dtype="string[pyarrow]",
)


def members(
    frame: pd.DataFrame = PROFILES,
    formats: Mapping[str, Mapping[str, str]] | None = None,
    account: Mapping[str, Any] = ACCOUNT,
) -> ExportMembers:
    mapping = FieldMapping.parse(
        {"email": "Email", **COLUMNS}, formats, {"decimal_separator": ",", "date_format": "%d/%m/%Y"}
    )
    gathered = gather_members({"s": frame}, mapping)
    return dataclasses.replace(gathered, conversions=plan_conversions(mapping, account, export_name="news"))


def plan(current: ExportMembers, previous: pd.DataFrame = NO_STATE, **options: Any) -> SyncPlan:
    return plan_sync(current, raw_value_hashes(current), previous, **options)


def confirmed(result: SyncPlan, previous: pd.DataFrame = NO_STATE) -> pd.DataFrame:
    sent = result.to_import[[EMAIL, ATTRIBUTES_HASH, PHONE_KEY]]
    kept = previous.loc[~previous[EMAIL].isin(sent[EMAIL])]
    return pd.concat([part for part in (kept, sent) if len(part)], ignore_index=True)


def test_typed_values_are_sent_converted_and_the_unconvertible_marked() -> None:
    sent = plan(members()).to_import.set_index(EMAIL)
    assert sent.loc["ann@example.com", ["LTV", "BIRTHDAY", "OPTIN", "TIER", "INTERESTS"]].tolist() == [
        "1299.5",
        '"1989-02-11"',
        "true",
        "1",
        '["Yoga","Run"]',
    ]
    assert sent.loc["cy@example.com", ["LTV", "BIRTHDAY"]].tolist() == ["", ""]
    assert pd.isna(sent.loc["cy@example.com", "INTERESTS"])


def test_a_text_only_export_hashes_exactly_as_before_typed_attributes() -> None:
    text = FieldMapping.parse({"email": "Email", "FIRSTNAME": "First"})
    plain = gather_members({"s": PROFILES}, text)
    planned = dataclasses.replace(plain, conversions=plan_conversions(text, ACCOUNT, export_name="news"))
    assert np.array_equal(raw_value_hashes(plain), raw_value_hashes(planned))


def test_a_change_of_the_type_or_of_a_reading_option_resends_every_contact() -> None:
    state = confirmed(plan(members()))
    assert plan(members(), state).diff.counts()["changed"] == 1, "only the member with unconvertible values"

    reread = plan(members(formats={"LTV": {"decimal_separator": "."}}), state)
    assert reread.diff.counts()["changed"] == 3

    as_text = {**ACCOUNT, "LTV": dataclasses.replace(ACCOUNT["LTV"], type="text")}
    retyped = plan(members(account=as_text), state)
    assert retyped.diff.counts()["changed"] == 3
    assert retyped.to_import.set_index(EMAIL).loc["ann@example.com", "LTV"] == "1299,50"


def test_a_member_with_an_unconvertible_value_is_converted_and_sent_again_until_fixed() -> None:
    first = plan(members())
    again = plan(members(), confirmed(first))
    assert again.to_import[EMAIL].tolist() == ["cy@example.com"]

    fixed = PROFILES.copy()
    fixed.loc[2, ["Value", "Born"]] = ["3,5", "01/01/2000"]
    settled = plan(members(fixed), confirmed(first))
    assert settled.to_import[EMAIL].tolist() == ["cy@example.com"]
    assert plan(members(fixed), confirmed(settled, confirmed(first))).to_import.empty


class StoredList:
    """A list as ``GET /contacts/lists/{id}/contacts`` gives it: typed values in Brevo's JSON forms."""

    def __init__(self, contacts: list[dict[str, Any]]) -> None:
        self.contacts = contacts

    def members(self) -> Iterator[dict[str, Any]]:
        yield from self.contacts


BREVO_HOLDS = [
    {
        "email": "ann@example.com",
        "attributes": {
            "FIRSTNAME": "Ann",
            "LTV": 1299.5,
            "BIRTHDAY": "1989-02-11",
            "OPTIN": True,
            "TIER": 1,
            "INTERESTS": ["Run", "Yoga"],
        },
    },
    {
        "email": "bob@example.com",
        "attributes": {
            "FIRSTNAME": "Bob",
            "LTV": 2000,
            "BIRTHDAY": "1990-12-01",
            "OPTIN": False,
            "TIER": 2,
            "INTERESTS": ["Yoga"],
        },
    },
]


def test_reconcile_sees_the_typed_values_brevo_stores_as_those_a_run_sends() -> None:
    current = members(PROFILES.iloc[:2])
    stored = list_as_state(StoredList(BREVO_HOLDS), current.attributes, current.conversions)  # type: ignore[arg-type]
    result = plan(current, stored, by_value=True)
    assert result.diff.counts() == {"new": 0, "changed": 0, "unchanged": 2, "left": 0}
    assert plan(current, confirmed(result, result.state)).to_import.empty


def test_reconcile_resends_a_typed_value_edited_in_brevo() -> None:
    current = members(PROFILES.iloc[:2])
    edited = [{**BREVO_HOLDS[0], "attributes": {**BREVO_HOLDS[0]["attributes"], "LTV": 1300.0}}, BREVO_HOLDS[1]]
    stored = list_as_state(StoredList(edited), current.attributes, current.conversions)  # type: ignore[arg-type]
    assert plan(current, stored, by_value=True).to_import[EMAIL].tolist() == ["ann@example.com"]


def test_a_category_brevo_gives_back_by_label_is_the_same_value() -> None:
    by_label = [{**BREVO_HOLDS[0], "attributes": {**BREVO_HOLDS[0]["attributes"], "TIER": "Gold"}}, BREVO_HOLDS[1]]
    current = members(PROFILES.iloc[:2])
    stored = list_as_state(StoredList(by_label), current.attributes, current.conversions)  # type: ignore[arg-type]
    assert plan(current, stored, by_value=True).to_import.empty
