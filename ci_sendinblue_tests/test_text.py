"""The Arrow shortcuts for frames of text give exactly what pandas' own operations give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ci_sendinblue.text import TEXT, duplicated_values, rows_where


def test_rows_where_equals_loc_for_every_kind_of_column() -> None:
    frame = pd.DataFrame(
        {
            "Email": pd.array(["a@example.com", None, "zoë@example.org", "d@example.com"], dtype=TEXT),
            "Score": [1.5, None, 3.0, 4.0],
            "Visits": pd.array([1, None, 3, 4], dtype="Int64"),
            "Since": pd.to_datetime(["2020-01-01", None, "2021-06-30", "2022-01-01"]),
            "Tier": pd.Categorical(["gold", "silver", None, "gold"]),
        },
        index=[10, 42, 7, 3],
    )
    keep = np.array([True, False, True, False])
    pd.testing.assert_frame_equal(rows_where(frame, keep), frame.loc[keep])
    pd.testing.assert_frame_equal(rows_where(frame, ~keep), frame.loc[~keep])


def test_rows_where_leaves_the_original_frame_untouched() -> None:
    frame = pd.DataFrame({"Email": pd.array(["a@example.com", "b@example.com"], dtype=TEXT)})
    kept = rows_where(frame, np.array([True, False]))
    kept["Email"] = pd.array(["changed@example.com"], dtype=TEXT)
    assert frame["Email"].tolist() == ["a@example.com", "b@example.com"]


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(["a", "b", "a", None, None, "", ""], dtype=TEXT),
        pd.Series([], dtype=TEXT),
        pd.Series([None, None], dtype=TEXT),
        pd.Series(["a", None, "b", None, ""], dtype=TEXT),
        pd.Series(["a", "A", "a "], dtype=TEXT),
        pd.Series(["x", "y", "x"], dtype=object),
    ],
)
@pytest.mark.parametrize("hashed_up_to", [1_000, 0], ids=["hash table", "ranks"])
def test_duplicated_values_flags_every_occurrence_of_a_repeated_present_value(
    values: pd.Series, hashed_up_to: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ci_sendinblue.text._HASHED_UP_TO", hashed_up_to)
    expected = (values.duplicated(keep=False) & values.notna()).to_numpy(dtype=bool)
    assert duplicated_values(values).tolist() == expected.tolist()


def test_both_ways_of_finding_duplicates_agree_on_a_large_shuffled_column(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    keys = rng.integers(0, 40_000, size=50_000)
    values = pd.Series([None if k % 97 == 0 else f"CUST-{k:06d}" for k in keys], dtype=TEXT)
    found = []
    for hashed_up_to in (10**9, 0):
        monkeypatch.setattr("ci_sendinblue.text._HASHED_UP_TO", hashed_up_to)
        found.append(duplicated_values(values))
    expected = (values.duplicated(keep=False) & values.notna()).to_numpy(dtype=bool)
    assert found[0].tolist() == found[1].tolist() == expected.tolist()
    assert 0 < expected.sum() < len(values)
