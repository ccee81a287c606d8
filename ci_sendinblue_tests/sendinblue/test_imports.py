"""Contacts are packed into few import bodies, none over the limit, every contact once and intact."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ci_sendinblue.sendinblue.errors import ContactTooLarge
from ci_sendinblue.sendinblue.imports import count_import_bodies, import_bodies


def contacts(count: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "email": [f"person{i}@example.com" for i in range(count)],
            "FIRSTNAME": [f"First{i}" for i in range(count)],
            "LASTNAME": [None if i % 3 == 0 else f"Last{i}" for i in range(count)],
        }
    )


def test_no_body_is_over_the_limit_and_none_is_needlessly_small():
    bodies = list(import_bodies(contacts(1000), list_id=12, max_bytes=4096))
    sizes = [len(b.body) for b in bodies]
    assert len(bodies) > 1
    assert max(sizes) <= 4096
    smallest_item = min(len(json.dumps(item)) for b in bodies for item in json.loads(b.body)["jsonBody"])
    assert all(size + smallest_item + 1 > 4096 - 40 for size in sizes[:-1])


def test_every_contact_is_sent_exactly_once_in_order():
    bodies = list(import_bodies(contacts(1000), list_id=12, max_bytes=4096))
    sent = [item["email"] for b in bodies for item in json.loads(b.body)["jsonBody"]]
    assert sent == [f"person{i}@example.com" for i in range(1000)]
    assert [e for b in bodies for e in b.emails] == sent


def test_small_exports_take_one_request():
    assert len(list(import_bodies(contacts(50), list_id=12, max_bytes=8 * 1024 * 1024))) == 1


def test_the_body_names_the_list_and_updates_existing_contacts():
    [body] = import_bodies(contacts(2), list_id=7, max_bytes=10_000)
    payload = json.loads(body.body)
    assert payload["listIds"] == [7]
    assert payload["updateExistingContacts"] is True
    assert payload["emptyContactsAttributes"] is False


def test_missing_values_are_left_out_so_brevo_keeps_its_own():
    [body] = import_bodies(contacts(1), list_id=7, max_bytes=10_000)
    assert json.loads(body.body)["jsonBody"] == [
        {"email": "person0@example.com", "attributes": {"FIRSTNAME": "First0"}}
    ]


def test_missing_values_are_sent_empty_when_the_export_clears_them():
    [body] = import_bodies(contacts(1), list_id=7, max_bytes=10_000, clear_empty_attributes=True)
    payload = json.loads(body.body)
    assert payload["emptyContactsAttributes"] is True
    assert payload["jsonBody"][0]["attributes"] == {"FIRSTNAME": "First0", "LASTNAME": ""}


@pytest.mark.parametrize("name", ['Say "hi"; then\nnewline', "tab\there", "=cmd|' /C calc'!A0", "עברית", "😀", "a,b;c"])
def test_names_arrive_intact(name):
    frame = pd.DataFrame({"email": ["a@example.com"], "LASTNAME": [name]})
    [body] = import_bodies(frame, list_id=1, max_bytes=10_000)
    assert json.loads(body.body)["jsonBody"][0]["attributes"]["LASTNAME"] == name


def test_a_contact_larger_than_the_limit_is_refused_with_a_masked_email():
    frame = pd.DataFrame({"email": ["ann@example.com"], "LASTNAME": ["x" * 5000]})
    with pytest.raises(ContactTooLarge, match=r"a\*\*\*@example.com"):
        list(import_bodies(frame, list_id=1, max_bytes=2048))


@pytest.mark.parametrize("clear_empty", [False, True])
def test_every_text_arrives_exactly_as_the_standard_json_encoder_writes_it(clear_empty: bool) -> None:
    """Bodies are built by column with Arrow; they must equal what json.dumps gives, byte for byte."""
    tricky = ['Say "hi"', "back\\slash", "Mary\nAnn", "tab\there", "bell\x07", "Zoë 葵 🙂", "", '\\"', "\u2028"]
    frame = pd.DataFrame(
        {
            "email": [f"p{i}@example.com" for i in range(len(tricky))],
            "FIRSTNAME": tricky,
            "LASTNAME": [None, *tricky[:-1]],
        }
    )
    [body] = import_bodies(frame, list_id=3, max_bytes=1_000_000, clear_empty_attributes=clear_empty)
    expected = [
        json.dumps(
            {
                "email": e,
                "attributes": {
                    k: "" if v is None else v
                    for k, v in (("FIRSTNAME", f), ("LASTNAME", la))
                    if v is not None or clear_empty
                },
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for e, f, la in frame.itertuples(index=False, name=None)
    ]
    assert body.body.decode().endswith('"jsonBody":[' + ",".join(expected) + "]}")
    assert body.emails.tolist() == frame["email"].tolist()


def test_bodies_are_filled_up_to_the_limit_and_never_past_it() -> None:
    frame = contacts(3000)
    limit = 20_000
    bodies = list(import_bodies(frame, list_id=12, max_bytes=limit))
    assert all(len(b.body) <= limit for b in bodies)
    first_of_next = [json.loads(b.body)["jsonBody"][0] for b in bodies[1:]]
    for body, nxt in zip(bodies, first_of_next, strict=False):
        item = json.dumps(nxt, ensure_ascii=False, separators=(",", ":")).encode()
        assert len(body.body) + 1 + len(item) > limit, "the next contact would have fitted"
    assert sum(len(b.emails) for b in bodies) == 3000


@pytest.mark.parametrize("rows_per_chunk", [1, 7, 333, 1000])
def test_encoding_in_chunks_packs_exactly_the_bodies_of_encoding_all_at_once(monkeypatch, rows_per_chunk) -> None:
    """Large exports are encoded a chunk of contacts at a time (bounded memory); a body left open at the end
    of a chunk continues into the next, so no body is smaller or larger than packing everything at once."""
    frame = contacts(2500).set_index(pd.RangeIndex(100, 2600))
    monkeypatch.setattr("ci_sendinblue.sendinblue.imports.ENCODE_ROWS", 10_000)
    whole = list(import_bodies(frame, list_id=12, max_bytes=6000))
    monkeypatch.setattr("ci_sendinblue.sendinblue.imports.ENCODE_ROWS", rows_per_chunk)
    chunked = list(import_bodies(frame, list_id=12, max_bytes=6000))
    assert [b.body for b in chunked] == [b.body for b in whole]
    assert [b.emails.index.tolist() for b in chunked] == [b.emails.index.tolist() for b in whole]


def test_a_contact_too_large_in_a_later_chunk_is_named_masked(monkeypatch) -> None:
    frame = contacts(30)
    frame.loc[25, "FIRSTNAME"] = "x" * 5000
    monkeypatch.setattr("ci_sendinblue.sendinblue.imports.ENCODE_ROWS", 10)
    with pytest.raises(ContactTooLarge, match=r"the contact p\*+@example\.com alone takes \d+ bytes"):
        list(import_bodies(frame, list_id=12, max_bytes=4096))


def test_columns_in_several_arrow_chunks_pack_the_same_bodies() -> None:
    """A segment read back from its Arrow file holds each column in several chunks (one per record batch);
    the members share those columns uncopied when no email repeats, and must pack exactly as one chunk does."""
    import pyarrow as pa

    frame = contacts(2500)
    chunked = pd.DataFrame(
        {
            name: pd.arrays.ArrowStringArray(
                pa.chunked_array(
                    [
                        pa.array(frame[name].iloc[start : start + 700], type=pa.large_string())
                        for start in (0, 700, 1400, 2100)
                    ]
                )
            )
            for name in frame.columns
        }
    )
    assert chunked["FIRSTNAME"].array._pa_array.num_chunks == 4
    whole = list(import_bodies(frame.astype("string[pyarrow]"), list_id=12, max_bytes=6000))
    assert [b.body for b in import_bodies(chunked, list_id=12, max_bytes=6000)] == [b.body for b in whole]


def test_quotes_and_backslashes_without_control_characters_are_escaped_as_json_does() -> None:
    names = ['O"Neil', "back\\slash", "plain", None]
    frame = pd.DataFrame({"email": [f"q{i}@example.com" for i in range(4)], "FIRSTNAME": names})
    [body] = import_bodies(frame, list_id=3, max_bytes=1_000_000)
    sent = json.loads(body.body)["jsonBody"]
    assert [item["attributes"].get("FIRSTNAME") for item in sent] == names
    assert '"FIRSTNAME":"O\\"Neil"' in body.body.decode()


@pytest.mark.parametrize("clear_empty", [False, True])
def test_an_export_mapping_one_attribute_sends_contacts_missing_it(clear_empty: bool) -> None:
    """Arrow's element-wise join of a single column with null_handling="skip" returns fewer rows than it
    was given; an export of email + FIRSTNAME with a profile lacking a first name failed on it."""
    frame = pd.DataFrame({"email": [f"q{i}@example.com" for i in range(4)], "FIRSTNAME": ["Ann", None, "Bo", None]})
    [body] = import_bodies(frame, list_id=3, max_bytes=10_000, clear_empty_attributes=clear_empty)
    sent = json.loads(body.body)["jsonBody"]
    missing = {"FIRSTNAME": ""} if clear_empty else {}
    assert sent == [
        {"email": "q0@example.com", "attributes": {"FIRSTNAME": "Ann"}},
        {"email": "q1@example.com", "attributes": missing},
        {"email": "q2@example.com", "attributes": {"FIRSTNAME": "Bo"}},
        {"email": "q3@example.com", "attributes": missing},
    ]


def awkward_contacts(count: int) -> pd.DataFrame:
    """Values whose JSON is longer than their text (quotes, backslashes, control characters), multi-byte
    text, empty and missing values, in every position."""
    awkward = ['O"Brien', "back\\slash", "tab\there", "new\nline", "Zoë", "李小龍", "", None, "x" * 300, "\x01"]
    return pd.DataFrame(
        {
            "email": [f"person{i}@example.com" for i in range(count)],
            "FIRSTNAME": [awkward[i % len(awkward)] for i in range(count)],
            "LASTNAME": [awkward[(i * 7) % len(awkward)] for i in range(count)],
            "SMS": [None if i % 4 else f"+1206555{i:04d}" for i in range(count)],
        }
    )


@pytest.mark.parametrize("clear_empty", [False, True])
@pytest.mark.parametrize("limit", [1024, 5000, 65_536])
def test_the_announced_number_of_imports_is_the_number_packed(clear_empty, limit) -> None:
    """Logs say "import 3 of 11" before the first body is packed: the count must be the packer's."""
    frame = awkward_contacts(2000)
    packed = list(import_bodies(frame, list_id=12, max_bytes=limit, clear_empty_attributes=clear_empty))
    assert len(packed) > 1 or limit == 65_536
    counted = count_import_bodies(frame, list_id=12, max_bytes=limit, clear_empty_attributes=clear_empty)
    assert counted == len(packed)


def test_an_export_with_only_emails_counts_its_imports() -> None:
    frame = contacts(500)[["email"]]
    assert count_import_bodies(frame, list_id=1, max_bytes=2048) == len(
        list(import_bodies(frame, list_id=1, max_bytes=2048))
    )
    assert count_import_bodies(frame.iloc[:0], list_id=1, max_bytes=2048) == 0


@pytest.mark.parametrize("scan_bytes", [3, 1 << 22])
def test_json_lengths_match_the_standard_library_for_every_ascii_character_and_beyond(monkeypatch, scan_bytes):
    """The count of imports reads each value's JSON length from its bytes, a slice at a time (3 bytes: every
    slice boundary falls inside a value); json.dumps is the reference."""
    from ci_sendinblue.sendinblue.imports import _json_lengths

    monkeypatch.setattr("ci_sendinblue.sendinblue.imports._SCAN_BYTES", scan_bytes)

    values = [chr(code) for code in range(128)] + ["é", "李小龍", "\u2028", 'a"b\\c\nd\x01', "", None]
    lengths, present = _json_lengths(pd.Series(values, dtype=object))
    expected = [len(json.dumps(v, ensure_ascii=False)[1:-1].encode()) if v is not None else 0 for v in values]
    assert lengths.tolist() == expected
    assert present.tolist() == [v is not None for v in values]


def typed_contacts(count: int) -> pd.DataFrame:
    """Text beside typed literals as ``conversion`` makes them: missing, unconvertible ("") and awkward text."""
    text = awkward_contacts(count)
    literals = {
        "LTV": ["1299.5", "1500.0", None, "", "-0.0", "1e+16", "5e-324"],
        "BIRTHDAY": ['"1989-02-11"', None, "", '"2024-02-29"'],
        "OPTIN": ["true", "false", None, ""],
        "TIER": ["1", "22", None, ""],
        "INTERESTS": [
            '["Yoga","Run"]',
            json.dumps(['Say "hi"', "Zoë"], ensure_ascii=False, separators=(",", ":")),
            None,
            "",
            "[]",
        ],
    }
    for attribute, values in literals.items():
        text[attribute] = pd.Series([values[(i * 3) % len(values)] for i in range(count)], dtype="string[pyarrow]")
    return text


TYPED = frozenset({"LTV", "BIRTHDAY", "OPTIN", "TIER", "INTERESTS"})


@pytest.mark.parametrize("clear_empty", [False, True])
def test_typed_values_are_sent_as_json_literals_and_unconvertible_ones_are_left_out(clear_empty: bool) -> None:
    """A missing value is sent as "" only when the export clears empty attributes; an unconvertible one never,
    so it cannot clear what Brevo holds."""
    frame = typed_contacts(40)
    [body] = import_bodies(frame, list_id=3, max_bytes=1_000_000, clear_empty_attributes=clear_empty, literal=TYPED)
    expected = []
    for row in frame.to_dict("records"):
        attributes = {}
        for name, value in row.items():
            if name == "email":
                continue
            if name in TYPED:
                if value == "":
                    continue
                if pd.isna(value):
                    if clear_empty:
                        attributes[name] = ""
                    continue
                attributes[name] = json.loads(value)
            elif not pd.isna(value):
                attributes[name] = value
            elif clear_empty:
                attributes[name] = ""
        expected.append({"email": row["email"], "attributes": attributes})
    encoded = ",".join(json.dumps(item, ensure_ascii=False, separators=(",", ":")) for item in expected)
    assert body.body.decode().endswith('"jsonBody":[' + encoded + "]}")
    sent = json.loads(body.body)["jsonBody"]
    assert {type(item["attributes"].get("LTV")) for item in sent} <= {float, str, type(None)}
    assert isinstance(sent[0]["attributes"]["OPTIN"], bool)


@pytest.mark.parametrize("clear_empty", [False, True])
@pytest.mark.parametrize("limit", [1024, 5000])
def test_the_count_of_imports_stays_exact_with_typed_columns(clear_empty: bool, limit: int) -> None:
    frame = typed_contacts(1500)
    options = {"list_id": 12, "max_bytes": limit, "clear_empty_attributes": clear_empty, "literal": TYPED}
    packed = list(import_bodies(frame, **options))
    assert len(packed) > 1
    assert count_import_bodies(frame, **options) == len(packed)
    assert all(len(body.body) <= limit for body in packed)


def test_all_text_exports_pack_the_same_contacts_as_before_typed_attributes() -> None:
    """Pinned: an export without typed attributes sends byte for byte what it sent before (only the head
    gained disableNotification)."""
    [body] = import_bodies(contacts(3), list_id=7, max_bytes=10_000)
    assert body.body.decode() == (
        '{"listIds":[7],"updateExistingContacts":true,"emptyContactsAttributes":false,"disableNotification":true,'
        '"jsonBody":[{"email":"person0@example.com","attributes":{"FIRSTNAME":"First0"}},'
        '{"email":"person1@example.com","attributes":{"FIRSTNAME":"First1","LASTNAME":"Last1"}},'
        '{"email":"person2@example.com","attributes":{"FIRSTNAME":"First2","LASTNAME":"Last2"}}]}'
    )


def test_imports_are_quiet_unless_the_export_asks_for_brevos_mail() -> None:
    [quiet] = import_bodies(contacts(2), list_id=7, max_bytes=10_000)
    [told] = import_bodies(contacts(2), list_id=7, max_bytes=10_000, notify=True)
    assert json.loads(quiet.body)["disableNotification"] is True
    assert json.loads(told.body)["disableNotification"] is False
    assert count_import_bodies(contacts(300), list_id=7, max_bytes=2048, notify=True) == len(
        list(import_bodies(contacts(300), list_id=7, max_bytes=2048, notify=True))
    )
