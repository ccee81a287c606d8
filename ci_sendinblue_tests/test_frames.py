"""Frames handed between assets as Arrow IPC files come back as they left, text still Arrow-backed."""

from __future__ import annotations

import dagster as dg
import pandas as pd

from ci_sendinblue.frames import ArrowFrames
from ci_sendinblue.text import TEXT


def test_a_frame_comes_back_with_its_values_index_and_text_type(tmp_path) -> None:
    frame = pd.DataFrame(
        {"Email": pd.array(["a@example.com", None, "zoë@example.org"], dtype=TEXT), "Score": [1.5, None, 3.0]},
        index=[10, 42, 7],
    )

    @dg.asset
    def members() -> pd.DataFrame:
        return frame

    @dg.asset
    def copied(members: pd.DataFrame) -> pd.DataFrame:
        pd.testing.assert_frame_equal(members, frame)
        assert members["Email"].dtype == TEXT
        return members

    io = ArrowFrames(base_dir=str(tmp_path))
    assert dg.materialize([members, copied], resources={"io_manager": io}).success
    assert (tmp_path / "members.arrow").is_file()
    # A later run of the downstream asset alone reads the file the first run left.
    assert dg.materialize([members, copied], selection=[copied], resources={"io_manager": io}).success


def test_only_frames_are_stored(tmp_path) -> None:
    @dg.asset
    def not_a_frame() -> dict:
        return {"a": 1}

    result = dg.materialize(
        [not_a_frame], resources={"io_manager": ArrowFrames(base_dir=str(tmp_path))}, raise_on_error=False
    )
    assert not result.success
    [failure] = result.get_step_failure_events()
    assert "not_a_frame: the Arrow IO manager stores pandas DataFrames, not dict" in str(
        failure.step_failure_data.error.cause
    )
