"""A run pays only for what changed: raw values are compared first, phones parsed only for new and changed
members, and the shared-SMS rule still sees every member (through the phone keys the state keeps)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import ci_sendinblue.sendinblue.contacts as contacts_module
from ci_sendinblue.sendinblue.contacts import EMAIL, SMS, build_export_contacts, gather_members
from ci_sendinblue.sendinblue.mapping import FieldMapping
from ci_sendinblue.sendinblue.sync_diff import ATTRIBUTES_HASH, row_hashes
from ci_sendinblue.sendinblue.sync_plan import SyncPlan, members_digest, plan_sync, raw_value_hashes
from ci_sendinblue.sendinblue.sync_state import PHONE_KEY

MAPPING = FieldMapping.parse({"email": "Email", "FIRSTNAME": "FirstName", "SMS": "Phone"})
NO_STATE = pd.DataFrame({c: pd.Series([], dtype=object) for c in (EMAIL, ATTRIBUTES_HASH, PHONE_KEY)})


def segment(*rows: tuple[str, str | None, str | None], country: str | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["Email", "FirstName", "Phone"], dtype="string")
    frame["Country"] = pd.Series([country] * len(rows), dtype="string")
    return frame


@pytest.fixture
def parsed_phones(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every phone number handed to the (costly) phone normalisation."""
    seen: list[str] = []
    original = contacts_module.normalize_phones

    def spy(phones: pd.Series, regions: pd.Series | str) -> tuple[pd.Series, pd.Series]:
        seen.extend(phones.dropna().tolist())
        return original(phones, regions)

    monkeypatch.setattr(contacts_module, "normalize_phones", spy)
    yield seen


def plan(frame: pd.DataFrame, previous: pd.DataFrame = NO_STATE, **kwargs: object) -> SyncPlan:
    members = gather_members({"vip": frame}, MAPPING, phone_region_column="Country")
    return plan_sync(members, raw_value_hashes(members), previous, **kwargs)  # type: ignore[arg-type]


def confirmed(result: SyncPlan, previous: pd.DataFrame = NO_STATE) -> pd.DataFrame:
    """The state once Brevo confirmed every import of ``result``."""
    sent = result.to_import[[EMAIL, ATTRIBUTES_HASH, PHONE_KEY]]
    kept = previous.loc[~previous[EMAIL].isin(sent[EMAIL])]
    return pd.concat([part for part in (kept, sent) if len(part)], ignore_index=True)


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


BASE = segment(
    ("ann@example.com", "Ann", "+1 206 555 0142"),
    ("bob@example.com", "Bob", "(206) 555-0143"),
    ("cat@example.com", "Cat", "12"),
    country="US",
)


def test_a_first_run_sends_every_member_shaped_as_brevo_wants_it() -> None:
    result = plan(BASE)
    assert records(result.to_import.drop(columns=[ATTRIBUTES_HASH, PHONE_KEY])) == [
        {EMAIL: "ann@example.com", "FIRSTNAME": "Ann", SMS: "+12065550142"},
        {EMAIL: "bob@example.com", "FIRSTNAME": "Bob", SMS: "+12065550143"},
        {EMAIL: "cat@example.com", "FIRSTNAME": "Cat", SMS: None},
    ]
    assert result.invalid_phones.tolist() == ["cat@example.com"]


def test_the_sent_values_equal_the_whole_export_shaping() -> None:
    shared = segment(("a@example.com", " Ann ", "+12065550142"), ("b@example.com", "", "206 555 0142"), country="US")
    everyone = build_export_contacts({"vip": shared}, MAPPING, phone_region_column="Country").contacts
    sent = plan(shared).to_import.drop(columns=[ATTRIBUTES_HASH, PHONE_KEY])
    pd.testing.assert_frame_equal(sent, everyone, check_dtype=False)


def test_an_unchanged_member_is_neither_parsed_nor_sent(parsed_phones: list[str]) -> None:
    state = confirmed(plan(BASE))
    parsed_phones.clear()
    edited = BASE.copy()
    edited.loc[1, "FirstName"] = "Robert"

    result = plan(edited, state)

    assert result.diff.counts() == {"new": 0, "changed": 1, "unchanged": 2, "left": 0}
    assert result.to_import[EMAIL].tolist() == ["bob@example.com"]
    assert result.to_import[SMS].tolist() == ["+12065550143"]
    assert parsed_phones == ["(206) 555-0143"], "only the changed member's phone is parsed"
    assert result.invalid_phones.tolist() == ["cat@example.com"], "an unchanged invalid phone is still reported"


def test_a_new_region_for_a_national_number_is_a_change() -> None:
    state = confirmed(plan(BASE))
    moved = BASE.copy()
    moved.loc[1, "Country"] = "CA"
    assert plan(moved, state).to_import[EMAIL].tolist() == ["bob@example.com"]


def test_a_member_whose_number_is_taken_by_a_newcomer_ahead_of_it_loses_its_sms() -> None:
    state = confirmed(plan(BASE))
    newcomer = segment(("new@example.com", "New", "+1-206-555-0143"), country="US")
    result = plan(pd.concat([newcomer, BASE], ignore_index=True), state)

    assert records(result.to_import[[EMAIL, SMS]]) == [
        {EMAIL: "new@example.com", SMS: "+12065550143"},
        {EMAIL: "bob@example.com", SMS: None},
    ]
    assert result.shared_phones.tolist() == ["bob@example.com"]


def test_a_member_gets_its_sms_back_when_the_earlier_holder_leaves(parsed_phones: list[str]) -> None:
    holder = segment(("first@example.com", "First", "+12065550143"), country="US")
    with_holder = pd.concat([holder, BASE], ignore_index=True)
    state = confirmed(plan(with_holder))
    assert state.set_index(EMAIL).loc["bob@example.com", PHONE_KEY] is not None
    parsed_phones.clear()

    result = plan(BASE, state)

    assert result.to_import[[EMAIL, SMS]].to_dict("records") == [{EMAIL: "bob@example.com", SMS: "+12065550143"}]
    assert result.diff.left.tolist() == ["first@example.com"]
    assert parsed_phones == ["(206) 555-0143"]


def test_a_state_from_the_previous_hash_version_resends_everyone_once() -> None:
    old = pd.DataFrame({EMAIL: ["ann@example.com"], ATTRIBUTES_HASH: ["0" * 32]})
    result = plan(BASE, old)
    assert result.diff.counts() == {"new": 2, "changed": 1, "unchanged": 0, "left": 0}


def test_by_value_compares_with_the_values_brevo_holds() -> None:
    """Reconcile: Brevo's own values, hashed like contacts, decide; the state is rewritten in raw form."""
    everyone = build_export_contacts({"vip": BASE}, MAPPING, phone_region_column="Country").contacts
    from ci_sendinblue.sendinblue.sync_diff import attributes_hash

    brevo = everyone.assign(**{ATTRIBUTES_HASH: attributes_hash(everyone, ["FIRSTNAME", SMS])})
    brevo.loc[0, ATTRIBUTES_HASH] = "edited in Brevo"
    result = plan(BASE, brevo[[EMAIL, ATTRIBUTES_HASH]], by_value=True)

    assert result.to_import[EMAIL].tolist() == ["ann@example.com"]
    later = plan(BASE, confirmed(result, result.state))
    assert later.diff.counts() == {"new": 0, "changed": 0, "unchanged": 3, "left": 0}


def test_the_digest_changes_with_any_member_value_order_or_setting() -> None:
    def digest(frame: pd.DataFrame, context: str = "mirror") -> str:
        members = gather_members({"vip": frame}, MAPPING, phone_region_column="Country")
        return members_digest(members, raw_value_hashes(members), context=context)

    edited = BASE.copy()
    edited.loc[2, "FirstName"] = "Kat"
    assert digest(BASE) == digest(BASE.copy())
    assert digest(edited) != digest(BASE)
    assert digest(BASE.iloc[::-1].reset_index(drop=True)) != digest(BASE)
    assert digest(BASE.iloc[:2]) != digest(BASE)
    assert digest(BASE, "upsert") != digest(BASE)
    renamed = BASE.copy()
    renamed.loc[0, "Email"] = "ann.lee@example.com"  # same values, another contact
    assert digest(renamed) != digest(BASE)
    # Where one email ends and the next begins counts too, not only the bytes in order.
    shifted = BASE.copy()
    shifted["Email"] = ["a@example.comb", "@example.com", *BASE["Email"].iloc[2:]]
    moved = BASE.copy()
    moved["Email"] = ["a@example.com", "b@example.com", *BASE["Email"].iloc[2:]]
    assert digest(shifted) != digest(moved)


def test_the_digest_is_the_same_however_the_members_are_stored_in_memory() -> None:
    members = gather_members({"vip": BASE}, MAPPING, phone_region_column="Country")
    hashes = raw_value_hashes(members)
    pieces = pa.chunked_array([pa.array(BASE["Email"].iloc[:1]), pa.array(BASE["Email"].iloc[1:])])
    chunked = members.raw.assign(**{EMAIL: pd.Series(pd.arrays.ArrowStringArray(pieces), index=members.raw.index)})
    as_objects = members.raw.assign(**{EMAIL: members.raw[EMAIL].astype(object)})
    expected = members_digest(members, hashes, context="c")
    for raw in (chunked, as_objects):
        assert members_digest(dataclasses.replace(members, raw=raw), hashes, context="c") == expected


def test_row_hashes_are_pinned() -> None:
    """Stored hashes are compared across runs and library upgrades: a changed algorithm must be noticed here
    (then bump the version in sync_diff, and every member is re-sent once) rather than in production."""
    frame = pd.DataFrame({"FIRSTNAME": ["Ann", None, "Zoë"], "LASTNAME": ["Lee", "", "Müller"]})
    assert row_hashes(frame, ["FIRSTNAME", "LASTNAME"]).tolist() == PINNED
    assert row_hashes(frame, ["FIRSTNAME", "LASTNAME"]).dtype == np.uint64


PINNED = [13287771621596287204, 17634594897581675703, 17396146724629180518]


def test_a_segment_in_several_arrow_chunks_plans_digests_and_packs_as_one_chunk() -> None:
    """A segment read back from its Arrow file holds each column in record-batch chunks, which the members
    share uncopied when no email repeats: everything downstream must come out as from one chunk."""
    from ci_sendinblue.sendinblue.imports import import_bodies

    rows = [(f"p{i}@example.com", None if i % 4 == 0 else f"Name{i}", f"+1206555{i:04d}") for i in range(900)]
    whole = segment(*rows, country="US").astype("string[pyarrow]")

    def in_chunks(column: pd.Series) -> pd.Series:
        parts = [pa.array(column.iloc[start : start + 250], type=pa.large_string()) for start in range(0, 900, 250)]
        return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(parts)), index=column.index)

    chunked = whole.apply(in_chunks)
    assert chunked["Email"].array.__arrow_array__().num_chunks == 4
    outcomes = []
    for frame in (whole, chunked):
        members = gather_members({"vip": frame}, MAPPING, phone_region_column="Country")
        hashes = raw_value_hashes(members)
        planned = plan_sync(members, hashes, NO_STATE)
        bodies = [
            b.body
            for b in import_bodies(
                planned.to_import.drop(columns=[ATTRIBUTES_HASH, PHONE_KEY]), list_id=3, max_bytes=8000
            )
        ]
        outcomes.append((members_digest(members, hashes, context="x"), records(planned.to_import), bodies))
    assert outcomes[0] == outcomes[1]
    assert len(outcomes[0][2]) > 1
