"""Segments become Brevo contacts: union, one contact per email, mapped attributes, international phones."""

from __future__ import annotations

import pandas as pd
import pytest

from ci_sendinblue.sendinblue.contacts import build_export_contacts
from ci_sendinblue.sendinblue.mapping import FieldMapping
from ci_sendinblue.sendinblue.phones import normalize_phones

MAPPING = FieldMapping.parse({"email": "Email", "firstname": "First", "SMS": "Phone"})


def segment(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["Id", "Email", "First", "Phone"])


def test_a_person_in_two_segments_is_sent_once_as_the_first_segment_has_them():
    shaped = build_export_contacts(
        {
            "first": segment([("1", "ann@example.com", "Ann", "")]),
            "second": segment([("2", "ann@example.com", "Annie", ""), ("3", "bob@example.com", "Bob", "")]),
        },
        MAPPING,
    )
    assert shaped.contacts["email"].tolist() == ["ann@example.com", "bob@example.com"]
    assert shaped.contacts["FIRSTNAME"].tolist() == ["Ann", "Bob"]
    assert shaped.duplicates == 1
    assert shaped.members_per_segment == {"first": 1, "second": 2}


def test_attribute_names_are_upper_cased_as_brevo_stores_them():
    shaped = build_export_contacts(
        {"first": segment([("1", "a@example.com", "A", "")]), "second": segment([])}, MAPPING
    )
    assert list(shaped.contacts.columns) == ["email", "FIRSTNAME", "SMS"]


def test_empty_values_are_missing_not_empty_text():
    shaped = build_export_contacts(
        {"first": segment([("1", "a@example.com", "  ", "")]), "second": segment([])}, MAPPING
    )
    assert shaped.contacts["FIRSTNAME"].isna().all()


def test_an_invalid_phone_drops_the_sms_attribute_not_the_contact():
    shaped = build_export_contacts(
        {"first": segment([("1", "a@example.com", "A", "call me")]), "second": segment([])}, MAPPING
    )
    assert shaped.contacts["email"].tolist() == ["a@example.com"]
    assert shaped.contacts["SMS"].isna().all()
    assert shaped.invalid_phones.tolist() == ["a@example.com"]


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(206) 555-0142", "US", "+12065550142"),
        ("206.555.0142", "US", "+12065550142"),
        ("+1 206 555 0142", "FR", "+12065550142"),
        ("0033 6 12 34 56 78", "US", "+33612345678"),
        ("00 33 6 12 34 56 78", "US", "+33612345678"),
        ("00-1-206-555-0142", "FR", "+12065550142"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("030 1234567", "DE", "+49301234567"),
        ("+447911123456", "", "+447911123456"),
    ],
)
def test_phones_become_e164(raw, region, expected):
    numbers, invalid = normalize_phones(pd.Series([raw]), region)
    assert numbers.tolist() == [expected]
    assert not invalid.any()


@pytest.mark.parametrize("raw", ["12", "call me", "+1 206 555 0142 ext. 12", "06 12 34 56 78 90 12", "0612345678"])
def test_phones_that_cannot_be_made_valid_are_flagged(raw):
    numbers, invalid = normalize_phones(pd.Series([raw]), "US")
    assert numbers.isna().all()
    assert invalid.all()


def test_a_missing_phone_is_not_an_invalid_one():
    numbers, invalid = normalize_phones(pd.Series([None, ""], dtype=object), "US")
    assert numbers.isna().all()
    assert not invalid.any()


def test_the_region_column_reads_national_numbers_per_profile():
    numbers, _ = normalize_phones(pd.Series(["06 12 34 56 78", "(206) 555-0142"]), pd.Series(["fr", "US"]))
    assert numbers.tolist() == ["+33612345678", "+12065550142"]


def test_a_phone_already_held_by_an_earlier_contact_is_not_sent_again():
    shaped = build_export_contacts(
        {
            "first": segment(
                [("1", "a@example.com", "A", "+12065550142"), ("2", "b@example.com", "B", "(206) 555-0142")]
            ),
            "second": segment([]),
        },
        MAPPING,
    )
    assert shaped.contacts["SMS"].tolist()[0] == "+12065550142"
    assert pd.isna(shaped.contacts["SMS"].tolist()[1])
    assert shaped.shared_phones.tolist() == ["b@example.com"]


@pytest.mark.parametrize("raw", ["1-800-FLOWERS", "206-555-O142", "206 555 0142 (mobile)"])
def test_phones_with_letters_are_refused_not_read_as_keypad_digits(raw):
    numbers, invalid = normalize_phones(pd.Series([raw]), "US")
    assert numbers.isna().all()
    assert invalid.all()


def test_a_float_phone_column_from_parquet_is_sent_without_its_decimal_point():
    members = pd.DataFrame(
        {
            "CustomerId": ["1", "2"],
            "Email": ["a@example.com", "b@example.com"],
            "First": ["A", "B"],
            "Phone": [2065550142.0, None],
        }
    )
    shaped = build_export_contacts({"first": members, "second": members.iloc[:0]}, MAPPING)
    assert shaped.contacts["SMS"].tolist()[0] == "+12065550142"
    assert shaped.invalid_phones.empty
