"""The diff sends only what changed since Brevo's last confirmation; the attribute hash is stable and exact."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from ci_sendinblue.sendinblue.sync_diff import SyncDiff, attributes_hash, diff_members, normalize_email_keys

ATTRIBUTES = ["FIRSTNAME", "LASTNAME", "LTV"]


def members(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["email", "attributes_hash"], dtype=object)


def current_members(*rows: tuple[str, str]) -> pd.DataFrame:
    frame = members(*rows)
    frame["FIRSTNAME"] = [f"First of {email}" for email in frame["email"]]  # other columns are carried along
    return frame


@pytest.fixture
def diff() -> SyncDiff:
    previous = members(("kept@example.com", "h1"), ("edited@example.com", "h2"), ("gone@example.com", "h3"))
    current = current_members(("kept@example.com", "h1"), ("edited@example.com", "h2-new"), ("fresh@example.com", "h4"))
    return diff_members(current, previous)


def test_a_member_absent_from_the_state_is_new(diff: SyncDiff) -> None:
    assert diff.new["email"].tolist() == ["fresh@example.com"]


def test_a_member_whose_hash_differs_is_changed(diff: SyncDiff) -> None:
    assert diff.changed["email"].tolist() == ["edited@example.com"]


def test_a_member_with_the_same_hash_is_unchanged(diff: SyncDiff) -> None:
    assert diff.unchanged["email"].tolist() == ["kept@example.com"]


def test_a_stored_member_no_longer_current_has_left(diff: SyncDiff) -> None:
    assert diff.left.tolist() == ["gone@example.com"]


def test_counts_match_the_classification(diff: SyncDiff) -> None:
    assert diff.counts() == {"new": 1, "changed": 1, "unchanged": 1, "left": 1}
    assert (diff.new_count, diff.changed_count, diff.unchanged_count, diff.left_count) == (1, 1, 1, 1)


def test_new_and_changed_rows_keep_every_current_column_and_index(diff: SyncDiff) -> None:
    assert diff.to_import["email"].tolist() == ["fresh@example.com", "edited@example.com"]
    assert diff.to_import["FIRSTNAME"].tolist() == ["First of fresh@example.com", "First of edited@example.com"]
    assert diff.to_import.index.tolist() == [2, 1]


def test_emails_normalised_upstream_match_the_stored_ones() -> None:
    raw = pd.Series([" Ann@Example.COM ", "BOB@example.com\t"])
    current = members(*zip(normalize_email_keys(raw), ["h1", "h2"], strict=True))
    previous = members(("ann@example.com", "h1"), ("bob@example.com", "h2"))

    result = diff_members(current, previous)

    assert result.unchanged["email"].tolist() == ["ann@example.com", "bob@example.com"]
    assert result.counts() == {"new": 0, "changed": 0, "unchanged": 2, "left": 0}


def test_with_no_previous_state_every_member_is_new() -> None:
    current = current_members(("a@example.com", "h1"), ("b@example.com", "h2"))
    result = diff_members(current, members())
    assert result.new["email"].tolist() == ["a@example.com", "b@example.com"]
    assert result.counts() == {"new": 2, "changed": 0, "unchanged": 0, "left": 0}


def test_with_no_current_member_every_stored_one_has_left() -> None:
    previous = members(("a@example.com", "h1"), ("b@example.com", "h2"))
    result = diff_members(current_members(), previous)
    assert result.left.tolist() == ["a@example.com", "b@example.com"]
    assert result.counts() == {"new": 0, "changed": 0, "unchanged": 0, "left": 2}


def test_nothing_on_either_side_is_an_empty_diff() -> None:
    assert diff_members(current_members(), members()).counts() == {"new": 0, "changed": 0, "unchanged": 0, "left": 0}


def test_identical_sides_leave_everyone_unchanged() -> None:
    same = members(("a@example.com", "h1"))
    assert diff_members(same, same).counts() == {"new": 0, "changed": 0, "unchanged": 1, "left": 0}


def test_duplicate_current_emails_are_refused_without_naming_them() -> None:
    current = members(("dup@example.com", "h1"), ("dup@example.com", "h2"))
    with pytest.raises(ValueError, match="1 duplicate") as raised:
        diff_members(current, members())
    assert "dup@example.com" not in str(raised.value)


def test_a_blank_email_is_refused() -> None:
    with pytest.raises(ValueError, match="blank"):
        diff_members(members(("", "h1")), members())


@pytest.fixture
def attributes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "FIRSTNAME": ["Ann", "Bob", None, ""],
            "LASTNAME": ["Lee", "O'Brien; Jr", "Müller", "x"],
            "LTV": [1500.0, 20.5, np.nan, 3.0],
        }
    )


def test_the_hash_is_the_same_on_every_call(attributes: pd.DataFrame) -> None:
    assert attributes_hash(attributes, ATTRIBUTES).tolist() == attributes_hash(attributes.copy(), ATTRIBUTES).tolist()


def test_the_hash_is_the_same_in_another_process(attributes: pd.DataFrame) -> None:
    script = (
        "import numpy as np, pandas as pd\n"
        "from ci_sendinblue.sendinblue.sync_diff import attributes_hash\n"
        "f = pd.DataFrame({'FIRSTNAME': ['Ann', 'Bob', None, ''], 'LASTNAME': ['Lee', \"O'Brien; Jr\", 'Müller', 'x'],"
        " 'LTV': [1500.0, 20.5, np.nan, 3.0]})\n"
        "print(','.join(attributes_hash(f, ['FIRSTNAME', 'LASTNAME', 'LTV'])))\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": "12345"}
    )
    assert other.stdout.strip().split(",") == attributes_hash(attributes, ATTRIBUTES).tolist()


def test_the_hash_does_not_depend_on_column_order(attributes: pd.DataFrame) -> None:
    reordered = attributes[list(reversed(ATTRIBUTES))]
    assert (
        attributes_hash(reordered, list(reversed(ATTRIBUTES))).tolist()
        == attributes_hash(attributes, ATTRIBUTES).tolist()
    )


@pytest.mark.parametrize(("column", "value"), [("FIRSTNAME", "Anne"), ("LASTNAME", "Lea"), ("LTV", 1500.01)])
def test_the_hash_changes_when_any_attribute_changes(attributes: pd.DataFrame, column: str, value: object) -> None:
    edited = attributes.copy()
    edited.loc[0, column] = value
    before, after = attributes_hash(attributes, ATTRIBUTES), attributes_hash(edited, ATTRIBUTES)
    assert before[0] != after[0]
    assert before[1:].tolist() == after[1:].tolist()


def test_none_and_empty_text_hash_differently() -> None:
    frame = pd.DataFrame({"FIRSTNAME": [None, ""]})
    first, second = attributes_hash(frame, ["FIRSTNAME"])
    assert first != second


def test_values_cannot_shift_between_columns() -> None:
    frame = pd.DataFrame({"A": ["ab", "a"], "B": ["c", "bc"]})
    first, second = attributes_hash(frame, ["A", "B"])
    assert first != second


def test_adding_an_attribute_changes_the_hash(attributes: pd.DataFrame) -> None:
    assert attributes_hash(attributes, ["FIRSTNAME"])[0] != attributes_hash(attributes, ["FIRSTNAME", "LASTNAME"])[0]


def test_an_integral_float_hashes_like_the_integer() -> None:
    as_float = pd.DataFrame({"LTV": [1500.0, np.nan]})
    as_integer = pd.DataFrame({"LTV": pd.array([1500, None], dtype="Int64")})
    assert attributes_hash(as_float, ["LTV"]).tolist() == attributes_hash(as_integer, ["LTV"]).tolist()


def test_the_hash_keeps_the_frame_index(attributes: pd.DataFrame) -> None:
    indexed = attributes.set_axis([10, 20, 30, 40])
    assert attributes_hash(indexed, ATTRIBUTES).index.tolist() == [10, 20, 30, 40]


def test_an_empty_frame_hashes_to_an_empty_series() -> None:
    assert attributes_hash(pd.DataFrame({"A": []}), ["A"]).empty


def test_hashing_an_unknown_column_is_an_error(attributes: pd.DataFrame) -> None:
    with pytest.raises(KeyError, match="NOPE"):
        attributes_hash(attributes, ["NOPE"])
