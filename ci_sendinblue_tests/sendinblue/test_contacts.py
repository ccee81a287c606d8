"""Segments become Brevo contacts: union, one contact per email, mapped attributes, international phones."""

from __future__ import annotations

import multiprocessing
import random
import re

import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from ci_sendinblue.profiles.sample import generate_sample_profiles
from ci_sendinblue.sendinblue import phones as phones_module
from ci_sendinblue.sendinblue.contacts import build_export_contacts, gather_members
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


def test_a_person_twice_in_one_segment_is_sent_once_as_their_first_profile_has_them():
    shaped = build_export_contacts(
        {
            "only": segment(
                [
                    ("1", "ann@example.com", "Ann", ""),
                    ("2", "bob@example.com", "Bob", ""),
                    ("3", "ann@example.com", "Annie", ""),
                ]
            ).astype("string[pyarrow]")
        },
        MAPPING,
    )
    assert shaped.contacts["email"].tolist() == ["ann@example.com", "bob@example.com"]
    assert shaped.contacts["FIRSTNAME"].tolist() == ["Ann", "Bob"]
    assert shaped.duplicates == 1
    assert shaped.contacts.index.tolist() == [0, 1]


def test_members_of_one_segment_without_repeats_share_its_columns_uncopied():
    """A million members' columns copied for nothing were ~130 MB more at the full export's peak."""
    frame = segment([("1", "ann@example.com", "Ann", ""), ("2", "bob@example.com", "Bob", "")])
    frame = frame.astype("string[pyarrow]").set_index(pd.Index([10, 20]))
    members = gather_members({"only": frame}, MAPPING)
    shared = members.raw["FIRSTNAME"].array.__arrow_array__().chunk(0).buffers()[2].address
    assert shared == frame["First"].array.__arrow_array__().chunk(0).buffers()[2].address
    assert members.raw.index.tolist() == [0, 1]
    assert members.duplicates == 0


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


# Phone numbers read quickly must read exactly as libphonenumber reads them. The reference below is the plain
# reading: every distinct (number, region) through parse, is_valid_number and format_number. The corpus mixes
# valid numbers of every region libphonenumber knows, written every way people write them, with broken ones.

E164_SHAPE = re.compile(r"^\+[1-9]\d{6,14}$")
SEPARATORS = [" ", " ", "-", ".", "/", " - ", "  "]
ODD_REGIONS = ["", "fr", " de ", "XX", "ZZ", "001", "UK", None]
SUFFIXES = [" x123", " ext. 5", " ext 12", " #12", ",,12", ";ext=7", " (mobile)", "-", " /", ")", "."]
FULL_WIDTH = {ord(character): ord(character) + 0xFEE0 for character in "0123456789+"}


def reference_normalize_phones(phones: pd.Series, regions: pd.Series | str) -> tuple[pd.Series, pd.Series]:
    text = phones.astype("string").str.strip().str.replace(r"^00[\s.\-/]*(?=[1-9])", "+", regex=True)
    present = text.notna() & (text != "")
    region = regions if isinstance(regions, pd.Series) else pd.Series(regions, index=phones.index)
    region = region.astype("string").str.strip().str.upper().fillna("")
    pairs = pd.DataFrame({"number": text[present], "region": region[present]})
    if pairs.empty:
        return pd.Series(pd.NA, index=phones.index, dtype="string"), pd.Series(False, index=phones.index)
    distinct = pairs.drop_duplicates()
    formatted = {
        (number, reg): reference_e164(number, reg)
        for number, reg in zip(distinct["number"], distinct["region"], strict=True)
    }
    keys = zip(pairs["number"], pairs["region"], strict=True)
    converted = pd.Series([formatted[k] for k in keys], index=pairs.index, dtype="string")
    result = converted.reindex(phones.index)
    return result, present & result.isna()


def reference_e164(number: str, region: str) -> str | None:
    if any(character.isalpha() for character in number):
        return None
    try:
        parsed = phonenumbers.parse(number, region or None)
    except phonenumbers.NumberParseException:
        return None
    if parsed.extension or not phonenumbers.is_valid_number(parsed):
        return None
    formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return formatted if E164_SHAPE.match(formatted) else None


def example_numbers() -> list[tuple[str, phonenumbers.PhoneNumber]]:
    """A valid number of every type of every region (and of the non-geographic codes such as +800)."""
    examples = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in phonenumbers.PhoneNumberType.values():
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                examples.append((region, example))
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            examples.append(("001", example))
    return examples


def spaced(rng: random.Random, digits: str) -> str:
    """``digits`` in random groups with random separators between them."""
    groups, start = [], 0
    while start < len(digits):
        size = rng.randint(1, 4)
        groups.append(digits[start : start + size])
        start += size
    return "".join(group + rng.choice(SEPARATORS) for group in groups[:-1]) + groups[-1]


def written(rng: random.Random, code: str, national: str) -> str | None:
    """One way a person might write +``code`` ``national``: international or national, 00-prefixed, with a
    trunk prefix after the country code, an extension, a typo, full-width digits, cut short, too long..."""
    style = rng.randrange(16)
    if style in (0, 1):
        number = phonenumbers.parse(f"+{code}{national}")
        shape = phonenumbers.PhoneNumberFormat.INTERNATIONAL if style == 0 else phonenumbers.PhoneNumberFormat.NATIONAL
        return phonenumbers.format_number(number, shape)
    if style == 2:
        return f"+{code} {spaced(rng, national)}"
    if style == 3:
        return f"+{code} (0){spaced(rng, national)}"
    if style == 4:
        return f"+{code} {rng.choice(['0', '1', '8', '9', '00', '01'])}{national}"
    if style == 5:
        return f"{rng.choice(['00', '00 ', '00-', '011 ', '+00', '+011 '])}{code} {spaced(rng, national)}"
    if style == 6:
        return f"({rng.choice(['+', '+ ', ''])}{code}) {spaced(rng, national)}"
    if style == 7:
        return f"+{code}{national}{rng.choice(SUFFIXES)}"
    if style == 8:
        digits = list(f"{code}{national}")
        digits[rng.randrange(len(digits))] = rng.choice(["O", "l", "a", "\t", "\u00a0", "+"])
        return "+" + "".join(digits)
    if style == 9:
        return rng.choice(
            [
                f"+{code}{national}".translate(FULL_WIDTH),
                f"\uff0b{code} {national}",
                f"+{code} {national.translate(FULL_WIDTH)}",
            ]
        )
    if style == 10:
        return f"+{code}{national[: rng.randint(0, len(national))]}"
    if style == 11:
        return f"+{code}{national}{random_digits(rng, rng.randint(1, 6))}"
    if style == 12:
        return f"+{rng.randint(0, 999)}{national}"
    if style == 13:
        return rng.choice(["+", ""]) + random_digits(rng, rng.randint(1, 20))
    if style == 14:
        return rng.choice(
            [None, "", " ", "\t", "+", "-", "()", f"+{code}{national}" * 9, f"+{code}{' ' * 250}{national}"]
        )
    return f"+{code}{national}"


def random_digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def varied_phone_corpus(count: int, seed: int) -> pd.DataFrame:
    """``count`` (Phone, Country) rows: example numbers with their last digits redrawn, written in random ways,
    read mostly in their own region, else in another one or in a missing or malformed one."""
    rng = random.Random(seed)
    examples = example_numbers()
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    rows = []
    for _ in range(count):
        region, example = rng.choice(examples)
        national = phonenumbers.national_significant_number(example)
        kept = len(national) - rng.randint(0, min(4, len(national) - 1))
        national = national[:kept] + random_digits(rng, len(national) - kept)
        chance = rng.random()
        reading_region = region if chance < 0.7 else rng.choice(regions) if chance < 0.9 else rng.choice(ODD_REGIONS)
        rows.append((written(rng, str(example.country_code), national), reading_region))
    return pd.DataFrame(rows, columns=["Phone", "Country"])


def assert_phones_read_as_the_reference(phones: pd.Series, regions: pd.Series | str) -> None:
    expected_numbers, expected_invalid = reference_normalize_phones(phones, regions)
    numbers, invalid = normalize_phones(phones, regions)
    pd.testing.assert_series_equal(numbers, expected_numbers)
    pd.testing.assert_series_equal(invalid, expected_invalid)


def test_phones_read_exactly_as_plain_libphonenumber_on_a_varied_corpus():
    corpus = varied_phone_corpus(count=50_000, seed=11)
    assert_phones_read_as_the_reference(corpus["Phone"], corpus["Country"])


def test_phones_of_sample_profiles_read_exactly_as_plain_libphonenumber():
    profiles = generate_sample_profiles(count=20_000, seed=5)
    assert_phones_read_as_the_reference(profiles["Phone"], profiles["Country"])
    assert_phones_read_as_the_reference(profiles["Phone"], "FR")


@pytest.mark.parametrize(
    "raw",
    ["+44 (0)20 7946 0586", "+39 06 6982 1234", "+33 06 12 34 56 78", "+1 1 206 555 0142", "+0033 6 12 34 56 78"],
)
@pytest.mark.parametrize("region", ["GB", "US", "FR", "IT", ""])
def test_phones_with_a_trunk_prefix_or_zero_after_the_plus_read_as_plain_libphonenumber(raw, region):
    assert_phones_read_as_the_reference(pd.Series([raw]), region)


def test_numbers_of_country_codes_shared_by_several_regions_read_as_plain_libphonenumber():
    """+1, +7, +44, ... belong to several regions: the region is found by its leading digits or, failing
    those, by the first region the number is valid in, and validity is then judged in that region's rules."""
    rng = random.Random(13)
    shared = sorted(code for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items() if len(regions) > 1)
    numbers = [f"+{rng.choice(shared)}{random_digits(rng, rng.randint(6, 11))}" for _ in range(40_000)]
    assert_phones_read_as_the_reference(pd.Series(numbers), "")


def test_every_libphonenumber_pattern_runs_in_arrows_regex_engine():
    """The column-wise shortcut runs libphonenumber's patterns with RE2 (no look-arounds, no back-references);
    a pattern RE2 refused would quietly send that country's numbers through the slow per-number path."""
    descs = ["general_desc", "fixed_line", "mobile", *phones_module._TYPED_DESCS]
    sample = pa.array(["123456"])
    checked = 0
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        for region in regions:
            metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region)
            patterns = [getattr(getattr(metadata, d), "national_number_pattern", None) for d in descs]
            patterns += [metadata.leading_digits, metadata.national_prefix_for_parsing]
            for pattern in filter(None, patterns):
                pc.match_substring_regex(sample, f"^(?:{pattern})$")
                checked += 1
    assert checked > 1000


def test_phones_read_in_worker_processes_match_those_read_in_process(monkeypatch):
    corpus = varied_phone_corpus(count=3_000, seed=12)
    in_process = normalize_phones(corpus["Phone"], corpus["Country"])
    monkeypatch.setattr("ci_sendinblue.sendinblue.phones._PARALLEL_FROM_PAIRS", 1_000)
    monkeypatch.setattr("ci_sendinblue.sendinblue.phones._PAIRS_PER_TASK", 300)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    for _ in range(2):
        in_workers = normalize_phones(corpus["Phone"], corpus["Country"])
        pd.testing.assert_series_equal(in_workers[0], in_process[0])
        pd.testing.assert_series_equal(in_workers[1], in_process[1])
        assert multiprocessing.active_children() == []


UNGUARDED_SCRIPT = """
import pandas as pd
from ci_sendinblue.sendinblue.phones import normalize_phones

# No `if __name__ == "__main__":` guard: spawned workers re-run this file and fail to start.
phones = pd.Series([f"+49 30 {n:08d}" for n in range(120_000)])
result, invalid = normalize_phones(phones, "DE")
print(len(result), int(result.notna().sum()), int(invalid.sum()))
"""


def test_a_caller_script_without_a_main_guard_still_gets_every_number(tmp_path) -> None:
    """Big exports parse phones in spawned workers; a plain script that cannot host them must not fail."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "unguarded.py"
    script.write_text(UNGUARDED_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    phones = pd.Series([f"+49 30 {n:08d}" for n in range(120_000)])
    expected, invalid = normalize_phones(phones, "DE")
    count, valid, refused = (int(x) for x in done.stdout.split()[-3:])
    assert (count, valid, refused) == (120_000, int(expected.notna().sum()), int(invalid.sum()))


def test_phone_text_is_trimmed_and_given_its_plus_exactly_as_python_reads_white_space() -> None:
    """The distinct numbers are trimmed and their international prefix 00 replaced by Arrow's kernels; the
    white space they take must be Python's own (str.strip, re's \\s), every character of it."""
    from ci_sendinblue.sendinblue import phones as phones_module

    python_space = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    assert python_space == phones_module._WHITESPACE
    raw = ["0049 170 1234567", "00-49-170", "00", "0012", "0007", "+00 1", "4900 1", None, "", "   "]
    raw += [f"{space}00{space}49 151 2345678{space}" for space in python_space]
    raw += ["00\u200b49 151", "00\ufeff49 151", "\u180e0049 151"]  # not white space to Python
    values = pd.Series(raw, dtype="string[pyarrow]")
    reference = values.astype("string[python]").str.strip().str.replace(r"^00[\s.\-/]*(?=[1-9])", "+", regex=True)
    text = pa.chunked_array(values.array.__arrow_array__()).combine_chunks()
    ours = pc.replace_substring_regex(pc.utf8_trim(text, phones_module._WHITESPACE), phones_module._LEADING_00, r"+\1")
    assert ours.to_pylist() == [None if value is pd.NA else value for value in reference.tolist()]
