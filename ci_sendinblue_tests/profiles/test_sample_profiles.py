"""The sample profiles generator and the bundled ``examples/profiles.csv``.

The messy rows are recognised here with plain predicates on the values, not with the generator's own
bookkeeping, so the tests say what a reader of the file sees.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd
import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email

import ci_sendinblue
from ci_sendinblue.profiles.sample import generate_sample_profiles, write_sample_profiles

BUNDLED_CSV = Path(ci_sendinblue.__file__).parent / "examples" / "profiles.csv"
EXPECTED_COLUMNS = [
    "CustomerId",
    "FirstName",
    "LastName",
    "Email",
    "Phone",
    "City",
    "Country",
    "LifetimeValue",
    "LoyaltyTier",
    "SignupDate",
    "LastPurchaseDate",
    "MarketingConsent",
]
ROWS = 5000
# Sizes whose shares round down differently: 12_345 * 0.5 % is 61.725, 150 * 0.5 % is 0.75.
SIZES = [ROWS, 12_345, 150]
REFERENCE_DATE = pd.Timestamp("2025-06-30")


def read_csv_as_text(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@cache
def sample(rows: int) -> pd.DataFrame:
    return generate_sample_profiles(count=rows, seed=7)


@pytest.fixture(scope="module")
def profiles() -> pd.DataFrame:
    return sample(ROWS)


def share(mask: pd.Series) -> float:
    return mask.sum() / len(mask)


def rows_for(rows: int, *percents: float) -> int:
    """The documented count of one or more kinds: each ``count * share`` rounded down."""
    return sum(rows * round(percent * 100) // 10000 for percent in percents)


def email_is_valid(text: str) -> bool:
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def phone_is_valid(text: str, country: str) -> bool:
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) == country


def valid_phones(frame: pd.DataFrame) -> pd.Series:
    pairs = zip(frame["Phone"], frame["Country"], strict=True)
    return pd.Series([phone_is_valid(phone, country) for phone, country in pairs], index=frame.index)


def names(frame: pd.DataFrame) -> pd.Series:
    return frame["FirstName"] + "|" + frame["LastName"]


def digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def test_bundled_csv_equals_a_fresh_generation(profiles: pd.DataFrame) -> None:
    bundled = read_csv_as_text(BUNDLED_CSV)

    pd.testing.assert_frame_equal(bundled, profiles, check_dtype=False)


def test_same_seed_gives_the_same_profiles() -> None:
    pd.testing.assert_frame_equal(generate_sample_profiles(800, seed=3), generate_sample_profiles(800, seed=3))


def test_same_seed_gives_the_same_profiles_in_other_processes_whatever_their_hash_seed() -> None:
    script = (
        "import hashlib; from ci_sendinblue.profiles.sample import generate_sample_profiles as g; "
        "print(hashlib.sha256(g(2000, seed=11).to_csv(index=False).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for hash_seed in ("1", "2")
    }

    assert digests == {digest(generate_sample_profiles(2000, seed=11))}


def test_different_seed_gives_different_profiles() -> None:
    first, second = generate_sample_profiles(800, seed=3), generate_sample_profiles(800, seed=4)

    for column in ["FirstName", "Email", "Phone", "City", "LifetimeValue", "SignupDate"]:
        assert share(first[column] != second[column]) > 0.5, column


def test_count_sets_the_number_of_rows() -> None:
    assert len(generate_sample_profiles(123)) == 123
    assert list(generate_sample_profiles(0).columns) == EXPECTED_COLUMNS


@pytest.mark.parametrize(("count", "seed"), [(-1, 7), (10, -1)])
def test_a_negative_count_or_seed_is_refused(count: int, seed: int) -> None:
    with pytest.raises(ValueError, match="must be zero or more"):
        generate_sample_profiles(count, seed=seed)


def test_columns_are_the_documented_ones_and_all_text(profiles: pd.DataFrame) -> None:
    assert list(profiles.columns) == EXPECTED_COLUMNS
    assert all(pd.api.types.is_object_dtype(dtype) for dtype in profiles.dtypes)
    assert all(isinstance(value, str) for value in profiles.to_numpy().ravel())


def test_customer_ids_are_unique_and_non_empty(profiles: pd.DataFrame) -> None:
    ids = profiles["CustomerId"]

    assert ids.str.fullmatch(r"C\d{6}").all()
    assert ids.is_unique


def test_values_are_well_formed(profiles: pd.DataFrame) -> None:
    assert profiles["Country"].str.fullmatch(r"[A-Z]{2}").all()
    assert profiles["LifetimeValue"].str.fullmatch(r"\d+\.\d{2}").all()
    assert set(profiles["LoyaltyTier"]) == {"Bronze", "Silver", "Gold", "Platinum"}
    assert set(profiles["MarketingConsent"]) == {"true", "false"}
    signup = pd.to_datetime(profiles["SignupDate"], format="%Y-%m-%d")
    bought = profiles["LastPurchaseDate"] != ""
    last_purchase = pd.to_datetime(profiles.loc[bought, "LastPurchaseDate"], format="%Y-%m-%d")
    assert (last_purchase >= signup[bought]).all()
    assert 0.05 < share(~bought) < 0.25
    assert (profiles.loc[~bought, "LifetimeValue"] == "0.00").all()


def test_dates_are_before_the_reference_date(profiles: pd.DataFrame) -> None:
    bought = profiles["LastPurchaseDate"] != ""
    dates = pd.concat([profiles["SignupDate"], profiles.loc[bought, "LastPurchaseDate"]])

    assert (pd.to_datetime(dates, format="%Y-%m-%d") < REFERENCE_DATE).all()


def test_cities_are_mostly_the_dozen_with_their_country(profiles: pd.DataFrame) -> None:
    dozen = {
        "Seattle": "US", "Redmond": "US", "Bellevue": "US", "Portland": "US", "San Francisco": "US",
        "New York": "US", "London": "GB", "Paris": "FR", "Berlin": "DE", "Madrid": "ES", "Tokyo": "JP",
        "Sydney": "AU",
    }  # fmt: skip
    in_dozen = profiles["City"].isin(list(dozen))

    assert share(in_dozen) > 0.75
    assert (profiles.loc[in_dozen, "Country"] == profiles.loc[in_dozen, "City"].map(dozen)).all()
    assert profiles.groupby("City")["Country"].nunique().max() == 1


def test_lifetime_value_is_skewed_with_a_good_share_above_1000(profiles: pd.DataFrame) -> None:
    value = profiles["LifetimeValue"].astype(float)

    assert 0.25 < share(value > 1000) < 0.45
    assert value.mean() > 1.5 * value.median()
    assert value.max() > 20_000


def test_loyalty_tier_follows_lifetime_value(profiles: pd.DataFrame) -> None:
    value = profiles["LifetimeValue"].astype(float)
    by_value = pd.cut(
        value, [0, 500, 2000, 8000, float("inf")], right=False, labels=["Bronze", "Silver", "Gold", "Platinum"]
    )

    assert share(profiles["LoyaltyTier"] == by_value.astype(str)) > 0.85
    medians = value.groupby(profiles["LoyaltyTier"]).median()
    assert medians["Bronze"] < medians["Silver"] < medians["Gold"] < medians["Platinum"]


def test_names_come_from_several_scripts(profiles: pd.DataFrame) -> None:
    text = names(profiles)
    scripts = {
        "latin accents": r"[éüøñåçß]",
        "chinese or japanese": r"[\u3040-\u30ff\u4e00-\u9fff]",
        "arabic": r"[\u0600-\u06ff]",
        "hebrew": r"[\u0590-\u05ff]",
    }
    for script, pattern in scripts.items():
        assert text.str.contains(pattern).sum() >= 10, script


def test_emails_are_at_example_domains(profiles: pd.DataFrame) -> None:
    emails = profiles["Email"].str.strip().str.lower()
    with_at = emails[emails.str.contains("@")]
    domains = with_at.str.rsplit("@", n=1).str[1].str.replace(" ", "").str.replace("..", ".", regex=False)

    assert domains.str.fullmatch(r"([a-z]+\.)?example(\.(com|org|net))?").all()
    without_at = emails[(emails != "") & ~emails.str.contains("@")]
    assert without_at.str.contains("example").all()


EMAIL_KINDS: dict[str, Callable[[str], bool]] = {
    "missing @": lambda e: e.strip() != "" and "@" not in e,
    "double dot": lambda e: ".." in e,
    "missing TLD": lambda e: "@" in e and "." not in e.rsplit("@", 1)[1],
    "space inside": lambda e: " " in e.strip(),
    "empty": lambda e: e == "",
    "outer whitespace": lambda e: e.strip() != "" and e != e.strip(),
    "mixed case": lambda e: e.strip() != e.strip().lower(),
}
EMAIL_KIND_PERCENT = {
    "missing @": 0.5,
    "double dot": 0.5,
    "missing TLD": 0.5,
    "space inside": 0.5,
    "empty": 1,
    "outer whitespace": 1,
    "mixed case": 1.5,
}


def email_kinds(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({kind: frame["Email"].map(matches) for kind, matches in EMAIL_KINDS.items()})


def clean_emails(frame: pd.DataFrame) -> pd.Series:
    return frame.loc[~email_kinds(frame).any(axis=1), "Email"]


@pytest.mark.parametrize("rows", SIZES)
@pytest.mark.parametrize("kind", list(EMAIL_KINDS))
def test_each_messy_email_kind_is_its_share_rounded_down(rows: int, kind: str) -> None:
    assert email_kinds(sample(rows))[kind].sum() == rows_for(rows, EMAIL_KIND_PERCENT[kind])


@pytest.mark.parametrize("rows", SIZES)
def test_messy_email_kinds_are_on_distinct_rows(rows: int) -> None:
    assert email_kinds(sample(rows)).sum(axis=1).max() <= 1


def test_clean_emails_are_lower_case_and_valid(profiles: pd.DataFrame) -> None:
    clean = clean_emails(profiles)

    assert len(clean) == ROWS - rows_for(ROWS, *EMAIL_KIND_PERCENT.values())
    assert (clean == clean.str.lower()).all()
    assert clean.map(email_is_valid).all()


@pytest.mark.parametrize("rows", [ROWS, 200_000])
def test_clean_emails_are_unique_apart_from_the_duplicates(rows: int) -> None:
    clean = clean_emails(sample(rows))

    assert clean.value_counts().max() == 2
    assert clean.duplicated().sum() == rows_for(rows, 1)


def test_a_mailbox_taken_by_an_earlier_profile_gets_a_number_after_a_dot(profiles: pd.DataFrame) -> None:
    number = clean_emails(profiles).str.extract(r"\.(\d+)(?:\+[a-z0-9]+)?@", expand=False).dropna()

    assert len(number) > 0
    assert (number.astype(int) >= 2).all()


def test_duplicate_emails_belong_to_the_same_person_with_conflicting_consent(profiles: pd.DataFrame) -> None:
    emails = profiles["Email"].str.strip().str.lower()
    duplicated = profiles[(emails != "") & emails.duplicated(keep=False)]

    assert duplicated["Email"].nunique() == rows_for(ROWS, 1)
    for _, pair in duplicated.groupby("Email"):
        assert pair["CustomerId"].nunique() == 2
        assert pair["FirstName"].nunique() == 1 and pair["LastName"].nunique() == 1
        assert pair["MarketingConsent"].nunique() == 2


def test_plus_addressing_is_present(profiles: pd.DataFrame) -> None:
    assert 0.01 < share(profiles["Email"].str.contains("+", regex=False)) < 0.1


def test_trimmed_and_mixed_case_emails_are_valid_once_normalised(profiles: pd.DataFrame) -> None:
    kinds = email_kinds(profiles)
    cosmetic = profiles.loc[kinds["outer whitespace"] | kinds["mixed case"], "Email"]

    assert len(cosmetic) == rows_for(ROWS, EMAIL_KIND_PERCENT["outer whitespace"], EMAIL_KIND_PERCENT["mixed case"])
    assert cosmetic.str.strip().str.lower().map(email_is_valid).all()


def test_invalid_emails_are_exactly_the_broken_kinds(profiles: pd.DataFrame) -> None:
    normalised = profiles["Email"].str.strip().str.lower()
    invalid = normalised[(normalised != "") & ~normalised.map(email_is_valid)]
    broken_kinds = ["missing @", "double dot", "missing TLD", "space inside"]

    assert invalid.map(lambda e: any(EMAIL_KINDS[kind](e) for kind in broken_kinds)).all()
    assert len(invalid) == rows_for(ROWS, *(EMAIL_KIND_PERCENT[kind] for kind in broken_kinds))


@pytest.mark.parametrize("rows", [ROWS, 12_345])
def test_phones_are_each_kind_in_its_share(rows: int) -> None:
    profiles = sample(rows)
    phones, valid = profiles["Phone"], valid_phones(profiles)

    assert (phones == "").sum() == rows_for(rows, 1)
    assert ((phones != "") & ~valid).sum() == rows_for(rows, 0.5), "impossible"
    assert (valid & ~phones.str.startswith("+")).sum() == rows_for(rows, 1.5), "national format"
    assert (valid & phones.str.startswith("+")).sum() == rows - rows_for(rows, 1, 0.5, 1.5), "international"


def test_phones_are_often_e164_and_otherwise_spaced(profiles: pd.DataFrame) -> None:
    international = profiles["Phone"][profiles["Phone"].str.startswith("+") & valid_phones(profiles)]

    assert 0.4 < share(international.str.fullmatch(r"\+[1-9]\d{6,14}")) < 0.8
    assert international.str.contains(r"[ -]").any()


def test_national_format_phones_cover_several_countries(profiles: pd.DataFrame) -> None:
    national = profiles[valid_phones(profiles) & ~profiles["Phone"].str.startswith("+")]

    assert {"US", "FR", "DE"} <= set(national["Country"])


def test_phones_in_north_america_and_the_uk_are_in_the_ranges_for_fiction(profiles: pd.DataFrame) -> None:
    chosen = profiles[profiles["Country"].isin(["US", "CA", "GB"]) & valid_phones(profiles)]
    national_numbers = pd.Series(
        [
            str(phonenumbers.parse(p, c).national_number)
            for p, c in zip(chosen["Phone"], chosen["Country"], strict=True)
        ],
        index=chosen.index,
    )
    fictional = {"US": r"\d{3}55501\d{2}", "CA": r"\d{3}55501\d{2}", "GB": r"(2079460|1614960)\d{3}"}

    assert len(chosen) > 1000
    for country, pattern in fictional.items():
        assert national_numbers[chosen["Country"] == country].str.fullmatch(pattern).all(), country


NAME_CHARACTER_PERCENT = {";": 0.5, ",": 0.5, '"': 0.5, "'": 1}


@pytest.mark.parametrize("rows", SIZES)
@pytest.mark.parametrize("character", list(NAME_CHARACTER_PERCENT))
def test_names_with_csv_sensitive_characters_are_their_share(rows: int, character: str) -> None:
    holding = names(sample(rows)).str.contains(character, regex=False)

    assert holding.sum() == rows_for(rows, NAME_CHARACTER_PERCENT[character])


@pytest.mark.parametrize(("rows", "newlines"), [(ROWS, 2), (150, 1), (99, 0)])
def test_two_names_hold_a_newline_one_below_1000_rows_none_below_100(rows: int, newlines: int) -> None:
    assert names(sample(rows)).str.contains("\n", regex=False).sum() == newlines


def test_names_with_an_apostrophe_keep_a_valid_email(profiles: pd.DataFrame) -> None:
    with_apostrophe = profiles[names(profiles).str.contains("'", regex=False)]
    clean = with_apostrophe["Email"][with_apostrophe["Email"].isin(clean_emails(profiles))]

    assert len(clean) > 0
    assert clean.map(email_is_valid).all()


def test_names_with_semicolons_and_newlines_survive_a_csv_round_trip(tmp_path: Path) -> None:
    written = write_sample_profiles(tmp_path / "profiles.csv", count=2000, seed=11)
    original = generate_sample_profiles(count=2000, seed=11)
    tricky = names(original).str.contains(r"[;\n]")

    read_back = read_csv_as_text(written)

    assert tricky.sum() >= 3
    assert names(read_back)[tricky].tolist() == names(original)[tricky].tolist()
    assert len(read_back) == 2000


def test_parquet_output_round_trips(tmp_path: Path) -> None:
    written = write_sample_profiles(tmp_path / "profiles.parquet", count=500, seed=5)

    read_back = pd.read_parquet(written)

    pd.testing.assert_frame_equal(read_back, generate_sample_profiles(count=500, seed=5), check_dtype=False)
