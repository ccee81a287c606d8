"""The sample profiles generator and the bundled ``examples/profiles.csv``.

The messy rows are recognised here with plain predicates on the values, not with the generator's own
bookkeeping, so the tests say what a reader of the file sees.
"""

from __future__ import annotations

from collections.abc import Callable
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


def read_csv_as_text(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def profiles() -> pd.DataFrame:
    return generate_sample_profiles(count=ROWS, seed=7)


def share(mask: pd.Series) -> float:
    return mask.sum() / len(mask)


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


def names(frame: pd.DataFrame) -> pd.Series:
    return frame["FirstName"] + "|" + frame["LastName"]


def test_bundled_csv_equals_a_fresh_generation(profiles: pd.DataFrame) -> None:
    bundled = read_csv_as_text(BUNDLED_CSV)

    pd.testing.assert_frame_equal(bundled, profiles, check_dtype=False)


def test_same_seed_gives_the_same_profiles() -> None:
    pd.testing.assert_frame_equal(generate_sample_profiles(800, seed=3), generate_sample_profiles(800, seed=3))


def test_different_seed_gives_different_profiles() -> None:
    assert not generate_sample_profiles(800, seed=3).equals(generate_sample_profiles(800, seed=4))


def test_count_sets_the_number_of_rows() -> None:
    assert len(generate_sample_profiles(123)) == 123
    assert list(generate_sample_profiles(0).columns) == EXPECTED_COLUMNS


def test_columns_are_the_documented_ones_and_all_text(profiles: pd.DataFrame) -> None:
    assert list(profiles.columns) == EXPECTED_COLUMNS
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


def test_cities_are_mostly_the_dozen_with_their_country(profiles: pd.DataFrame) -> None:
    dozen = {
        "Seattle": "US", "Redmond": "US", "Bellevue": "US", "Portland": "US", "San Francisco": "US",
        "New York": "US", "London": "GB", "Paris": "FR", "Berlin": "DE", "Madrid": "ES", "Tokyo": "JP",
        "Sydney": "AU",
    }  # fmt: skip
    in_dozen = profiles["City"].isin(list(dozen))

    assert share(in_dozen) > 0.75
    assert (profiles.loc[in_dozen, "Country"] == profiles.loc[in_dozen, "City"].map(dozen)).all()


def test_lifetime_value_is_skewed_with_a_good_share_above_1000(profiles: pd.DataFrame) -> None:
    value = profiles["LifetimeValue"].astype(float)

    assert 0.25 < share(value > 1000) < 0.45
    assert value.mean() > 1.5 * value.median()
    assert value.max() > 20_000


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


def test_emails_are_unique_apart_from_the_duplicates(profiles: pd.DataFrame) -> None:
    emails = profiles["Email"].str.strip().str.lower()
    emails = emails[emails != ""]
    repeated = emails[emails.duplicated(keep=False)]

    assert repeated.value_counts().max() == 2
    assert 0.005 <= repeated.nunique() / len(profiles) <= 0.02


def test_duplicate_emails_belong_to_the_same_person_with_conflicting_consent(profiles: pd.DataFrame) -> None:
    emails = profiles["Email"].str.strip().str.lower()
    duplicated = profiles[(emails != "") & emails.duplicated(keep=False)]

    for _, pair in duplicated.groupby("Email"):
        assert pair["CustomerId"].nunique() == 2
        assert pair["FirstName"].nunique() == 1 and pair["LastName"].nunique() == 1
        assert pair["MarketingConsent"].nunique() == 2


def test_plus_addressing_is_present(profiles: pd.DataFrame) -> None:
    assert 0.01 < share(profiles["Email"].str.contains("+", regex=False)) < 0.1


EMAIL_KINDS: dict[str, Callable[[str], bool]] = {
    "missing @": lambda e: e.strip() != "" and "@" not in e,
    "double dot": lambda e: ".." in e,
    "missing TLD": lambda e: "@" in e and "." not in e.rsplit("@", 1)[1],
    "space inside": lambda e: " " in e.strip(),
    "empty": lambda e: e == "",
    "outer whitespace": lambda e: e.strip() != "" and e != e.strip(),
    "mixed case": lambda e: e.strip() != e.strip().lower(),
}


@pytest.mark.parametrize("kind", list(EMAIL_KINDS))
def test_each_messy_email_kind_is_a_small_share(profiles: pd.DataFrame, kind: str) -> None:
    assert 0.004 <= share(profiles["Email"].map(EMAIL_KINDS[kind])) <= 0.02


def test_trimmed_and_mixed_case_emails_are_valid_once_normalised(profiles: pd.DataFrame) -> None:
    emails = profiles["Email"]
    cosmetic = emails[emails.map(EMAIL_KINDS["outer whitespace"]) | emails.map(EMAIL_KINDS["mixed case"])]

    assert len(cosmetic) > 0
    assert cosmetic.str.strip().str.lower().map(email_is_valid).all()


def test_invalid_emails_are_only_the_messy_kinds(profiles: pd.DataFrame) -> None:
    normalised = profiles["Email"].str.strip().str.lower()
    invalid = normalised[(normalised != "") & ~normalised.map(email_is_valid)]
    broken_kinds = ["missing @", "double dot", "missing TLD", "space inside"]

    assert invalid.map(lambda e: any(EMAIL_KINDS[kind](e) for kind in broken_kinds)).all()
    assert 0.01 <= len(invalid) / len(profiles) <= 0.04


def test_phones_are_mostly_international_and_valid_for_the_country(profiles: pd.DataFrame) -> None:
    phones, countries = profiles["Phone"], profiles["Country"]
    international = phones.str.startswith("+")
    valid = pd.Series([phone_is_valid(p, c) for p, c in zip(phones, countries, strict=True)], index=phones.index)

    assert share(international & valid) > 0.9
    assert share(phones.str.fullmatch(r"\+[1-9]\d{6,14}")) > 0.4  # E.164, the rest with spaces or dashes


def test_national_format_phones_are_a_small_share_and_valid_for_the_country(profiles: pd.DataFrame) -> None:
    national = profiles[(profiles["Phone"] != "") & ~profiles["Phone"].str.startswith("+")]
    valid = [phone_is_valid(p, c) for p, c in zip(national["Phone"], national["Country"], strict=True)]

    assert 0.005 <= sum(valid) / len(profiles) <= 0.02
    assert {"US", "FR", "DE"} <= set(national.loc[valid, "Country"])


def test_impossible_phones_are_a_small_share(profiles: pd.DataFrame) -> None:
    phones, countries = profiles["Phone"], profiles["Country"]
    impossible = [p != "" and not phone_is_valid(p, c) for p, c in zip(phones, countries, strict=True)]

    assert 0.003 <= sum(impossible) / len(profiles) <= 0.02


def test_empty_phones_are_a_small_share(profiles: pd.DataFrame) -> None:
    assert 0.003 <= share(profiles["Phone"] == "") <= 0.02


@pytest.mark.parametrize("character", [";", ",", '"', "'"])
def test_names_with_csv_sensitive_characters_are_a_small_share(profiles: pd.DataFrame, character: str) -> None:
    assert 0.004 <= share(names(profiles).str.contains(character, regex=False)) <= 0.02


def test_one_or_two_names_hold_a_newline(profiles: pd.DataFrame) -> None:
    assert 1 <= names(profiles).str.contains("\n", regex=False).sum() <= 2


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
