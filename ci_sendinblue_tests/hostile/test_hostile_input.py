"""The hostile-input corpus (README.md beside this file): every case lands exactly as specified in the Brevo
list of a real emulator process, over HTTP, or is rejected with a reason where the user can see it; files
that cannot be read stop the load or the run with a message naming the file, never a bare traceback."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest

from ci_sendinblue.config.loading import ConfigError, load_settings
from ci_sendinblue_tests.helpers import hostile_config, write_yaml
from ci_sendinblue_tests.hostile.corpus import CASES, COLUMNS, Case, case_emails, profile_rows, row_numbers

pytestmark = pytest.mark.e2e
PROFILES = dg.AssetKey("customer_profiles")
SEATTLE = dg.AssetKey(["segments", "seattle_high_value"])
PLATINUM = dg.AssetKey(["segments", "platinum"])
NEWSLETTER = dg.AssetKey(["sendinblue", "newsletter"])
BY_ID = {case.id: case for case in CASES}


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> Path:
    # Every field quoted: a bare carriage return inside an unquoted field is a line break to any CSV reader.
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False, quoting=csv.QUOTE_ALL)
    return path


@pytest.fixture(scope="module")
def corpus_run(materialize_project, hostile_emulator, tmp_path_factory) -> dict[str, Any]:
    """ONE profiles file holding every row-level case, ONE pipeline run, the list read back once."""
    folder = tmp_path_factory.mktemp("corpus")
    write_csv(folder / "profiles.csv", profile_rows())
    run = materialize_project(folder, hostile_config(hostile_emulator.api_url))
    assert run.result.success, run.failure_message
    return {
        "run": run,
        "members": {m["email"]: m["attributes"] for m in hostile_emulator.members(12)},
        "profiles": run.metadata(PROFILES),
        "seattle": run.metadata(SEATTLE),
        "platinum": run.metadata(PLATINUM),
        "list": run.metadata(NEWSLETTER),
    }


@pytest.mark.parametrize("case_id", [case.id for case in CASES])
def test_case(case_id: str, corpus_run: dict[str, Any]) -> None:
    case = BY_ID[case_id]
    members = corpus_run["members"]
    if case.outcome == "lands":
        for contact in case.contacts:
            assert contact["email"] in members, f"{case.id}: {contact['email']!r} is not in the list"
            assert members[contact["email"]] == contact["attributes"], case.id
        return
    assert not case_emails(case) & set(members), f"{case.id} landed but should be rejected"
    rows = row_numbers()[case.id]
    if case.where == "segment":
        reasons = corpus_run["seattle"]["rejected_by_reason"]
        assert case.reason in reasons, f"{case.id}: {case.reason!r} not reported in {reasons}"
        sample = "\n".join(corpus_run["seattle"]["rejected_sample"])
        if f"row {rows[0]}:" not in sample:  # the sample shows the first 10 rejected rows only
            assert len(corpus_run["seattle"]["rejected_sample"]) == 10
    elif case.where == "missing_key":
        listed = [int(n) for n in corpus_run["profiles"]["missing_key_rows"].split(", ")]
        assert rows[0] in listed
    elif case.where == "duplicate_key":
        assert case.reason in corpus_run["profiles"]["duplicate_keys"]
    else:
        assert case.where == "not_selected" and case.reason


def test_the_list_holds_the_landing_contacts_and_nothing_else(corpus_run):
    expected = {c["email"] for case in CASES if case.outcome == "lands" for c in case.contacts}
    assert set(corpus_run["members"]) == expected


def test_every_rejection_is_counted_by_reason(corpus_run):
    expected = Counter(case.reason for case in CASES if case.where == "segment")
    assert corpus_run["seattle"]["rejected_by_reason"] == dict(expected)
    assert corpus_run["seattle"]["rejected"] == sum(expected.values())
    assert corpus_run["platinum"]["rejected"] == 0


def test_profile_keys_are_counted(corpus_run):
    profiles = corpus_run["profiles"]
    assert profiles["rows_read"] == len(profile_rows())
    assert profiles["missing_key"] == sum(len(c.rows) for c in CASES if c.where == "missing_key")
    assert profiles["duplicate_key"] == sum(len(c.rows) for c in CASES if c.where == "duplicate_key")


def test_dropped_phones_and_duplicates_are_counted(corpus_run):
    report = corpus_run["list"]
    contacts = report["contacts"]
    assert contacts["invalid_phones"] == sum(1 for c in CASES if c.phone == "invalid")
    assert contacts["invalid_phones_sent"] == contacts["invalid_phones"], "a first run sends every member"
    assert contacts["shared_phones"] == sum(1 for c in CASES if c.phone == "shared")
    assert contacts["merged_by_email"] == sum(len(c.rows) - 1 for c in CASES if c.kind == "duplicate")
    assert report["rejected"] == 0 and report["dagster/row_count"] == len(corpus_run["members"])


# -- file-level cases: each its own load or run --------------------------------------------------------------


def assert_user_facing(message: str, *needles: str) -> None:
    for needle in needles:
        assert needle in message, f"{needle!r} not in: {message}"
    assert "Traceback" not in message
    for raw in ("pyarrow.lib.", "pandas.errors.", "UnicodeDecodeError:", "KeyError"):
        assert raw not in message, f"raw library error {raw!r} shown to the user: {message}"


def load_error(folder: Path, profiles: str = "profiles.csv", **config_changes: Any) -> str:
    config = hostile_config("http://127.0.0.1:9/v3", profiles)
    config.update(config_changes)
    with pytest.raises(ConfigError) as caught:
        load_settings(write_yaml(folder / "config.yaml", config))
    return str(caught.value)


def good_rows(count: int = 3) -> list[dict[str, str]]:
    return [
        {
            "CustomerId": f"G{i}",
            "FirstName": "Good",
            "LastName": f"Row{i}",
            "Email": f"good{i}@example.com",
            "Phone": "",
            "City": "Seattle",
            "Country": "US",
            "LifetimeValue": "2000",
            "LoyaltyTier": "Gold",
            "MarketingConsent": "true",
        }
        for i in range(count)
    ]


def parquet_bytes(tmp_path: Path) -> bytes:
    pd.DataFrame(good_rows()).to_parquet(tmp_path / "real.parquet", index=False)
    return (tmp_path / "real.parquet").read_bytes()


FILE_CASES: dict[str, tuple[str, Any, tuple[str, ...]]] = {
    # id: (file name, content or a function of tmp_path giving it, texts the ConfigError must contain)
    "empty_file": ("profiles.csv", b"", ("profiles.path:", "profiles.csv is empty")),
    "parquet_named_csv": (
        "profiles.csv",
        parquet_bytes,
        ("profiles.path:", "profiles.csv", "binary file with a .csv name"),
    ),
    "csv_named_parquet": (
        "profiles.parquet",
        "CustomerId,Email\n1,a@example.com\n",
        ("profiles.path:", "profiles.parquet is not a Parquet file"),
    ),
    "truncated_parquet": (
        "profiles.parquet",
        lambda p: parquet_bytes(p)[:200],
        ("profiles.path:", "is not a Parquet file"),
    ),
    "binary_png_named_csv": (
        "profiles.csv",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        ("profiles.path:", "profiles.csv", "NUL byte"),
    ),
    "xlsx_named_csv": (
        "profiles.csv",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + bytes(range(128, 256)),
        ("profiles.path:", "profiles.csv"),
    ),
    "utf16_csv": (
        "profiles.csv",
        lambda p: "CustomerId,Email\n1,a@example.com\n".encode("utf-16"),
        ("profiles.path:", "profiles.csv", "UTF"),
    ),
    "nul_byte_in_a_field": (
        "profiles.csv",
        ",".join(COLUMNS).encode() + b'\nC1,"An\x00n",Lee,a@example.com,,Seattle,US,2000,Gold,true\n',
        ("profiles.path:", "profiles.csv contains a NUL byte"),
    ),
    "repeated_column_name": (
        "profiles.csv",
        (",".join(COLUMNS) + ",Email\n").encode(),
        ("profiles.path:", "more than one column named 'Email'"),
    ),
    "empty_header_cell": (
        "profiles.csv",
        (",".join(COLUMNS) + ",\n").encode(),
        ("profiles.path:", "header cell left empty"),
    ),
    "semicolon_separated": (
        "profiles.csv",
        (";".join(COLUMNS) + "\n").encode(),
        ("profiles.key: column 'CustomerId' is not in the profiles", "CustomerId;FirstName"),
    ),
    "missing_mapped_column": (
        "profiles.csv",
        lambda p: ",".join(c for c in COLUMNS if c != "LastName").encode() + b"\n",
        ("exports.newsletter.mapping.LASTNAME: column 'LastName' is not in the profiles",),
    ),
    "missing_key_column": (
        "profiles.csv",
        lambda p: ",".join(c for c in COLUMNS if c != "CustomerId").encode() + b"\n",
        ("profiles.key: column 'CustomerId' is not in the profiles",),
    ),
}


@pytest.mark.parametrize("case_id", list(FILE_CASES))
def test_file_case_stops_the_load_naming_file_and_field(case_id: str, tmp_path: Path) -> None:
    name, content, needles = FILE_CASES[case_id]
    if callable(content):
        content = content(tmp_path)
    if content is not None:
        (tmp_path / name).write_bytes(content.encode() if isinstance(content, str) else content)
    message = load_error(tmp_path, name)
    assert_user_facing(message, str(tmp_path / "config.yaml"), *needles)


def test_header_only_file_runs_and_sends_nothing(materialize_project, hostile_emulator, tmp_path):
    write_csv(tmp_path / "profiles.csv", [])
    run = materialize_project(tmp_path, hostile_config(hostile_emulator.api_url))
    assert run.result.success, run.failure_message
    assert run.metadata(PROFILES)["rows_read"] == 0
    assert hostile_emulator.members(12) == []


LATIN1 = ",".join(COLUMNS).encode() + b"\nC1,Zo\xeb,M\xfcller,z@example.com,,Seattle,US,2000,Gold,true\n"
RUN_FILE_CASES: dict[str, tuple[Any, tuple[str, ...]]] = {
    # id: (what to do to profiles.csv once the configuration loaded, texts the failure must contain)
    # Loading reads the header only, so these surface when customer_profiles reads the whole file.
    "latin1_csv": (lambda p: p.write_bytes(LATIN1), ("not a UTF-8 CSV file", 'save it as "CSV UTF-8"')),
    "ragged_row": (
        lambda p: p.write_text(
            p.read_text() + '"G9","A","B","g9@example.com","","Seattle","US","1","Gold","t","surplus"\n'
        ),
        ("is not a well-formed CSV file", "Expected 10 fields in line 5, saw 11"),
    ),
    "replaced_by_parquet_after_load": (
        lambda p: p.write_bytes(parquet_bytes(p.parent)),
        ("binary file with a .csv name",),
    ),
    # A file that is not there when the code loads does not stop the load (the schedules stay); its run fails.
    "missing_file": (lambda p: p.unlink(), ("profiles.path", "profiles.csv does not exist")),
    "nul_byte_after_the_first_megabyte": (
        lambda p: p.write_text(p.read_text() + "\n" * (1 << 20) + '"G9","An\x00n","B","g9@example.com"\n'),
        ("contains a NUL byte",),
    ),
}


@pytest.fixture
def run_with_broken_file(materialize_project, hostile_emulator, tmp_path):
    def run(case_id: str):
        break_file, _ = RUN_FILE_CASES[case_id]
        path = write_csv(tmp_path / "profiles.csv", good_rows())
        result = materialize_project(
            tmp_path, hostile_config(hostile_emulator.api_url), before_run=lambda: break_file(path)
        )
        assert not result.result.success
        assert hostile_emulator.members(12) == []
        return path, result

    return run


@pytest.mark.parametrize("case_id", list(RUN_FILE_CASES))
def test_unreadable_file_failure_headline_names_the_file(case_id, run_with_broken_file):
    path, run = run_with_broken_file(case_id)
    assert_user_facing(run.failure_message, str(path), *RUN_FILE_CASES[case_id][1])


def test_parquet_with_integer_phone_and_float_key_lands(materialize_project, hostile_emulator, tmp_path):
    """Wrong column types in Parquet: an int64 phone is read as its digits; a float key (with a gap, as pandas
    writes an integer column with a missing value) still identifies its rows, the gap is a missing key."""
    frame = pd.DataFrame(good_rows(3))
    frame["CustomerId"] = [1.0, 2.0, None]
    frame["Phone"] = [2065550151, 2065550152, 2065550153]
    frame["LifetimeValue"] = [2000, 1500, 3000]
    frame.to_parquet(tmp_path / "profiles.parquet", index=False)
    run = materialize_project(tmp_path, hostile_config(hostile_emulator.api_url, "profiles.parquet"))
    assert run.result.success, run.failure_message
    assert run.metadata(PROFILES)["missing_key"] == 1 and run.metadata(PROFILES)["missing_key_rows"] == "3"
    assert {m["email"]: m["attributes"] for m in hostile_emulator.members(12)} == {
        "good0@example.com": {"FIRSTNAME": "Good", "LASTNAME": "Row0", "SMS": "+12065550151"},
        "good1@example.com": {"FIRSTNAME": "Good", "LASTNAME": "Row1", "SMS": "+12065550152"},
    }


def test_parquet_with_float_phone_column_lands_with_sms(materialize_project, hostile_emulator, tmp_path):
    """An integer phone column with a gap is float64 in Parquet: 2065550161.0 must not become an invalid phone."""
    frame = pd.DataFrame(good_rows(2))
    frame["Phone"] = [2065550161.0, None]
    frame["LifetimeValue"] = [2000.5, 1500.0]
    frame.to_parquet(tmp_path / "profiles.parquet", index=False)
    run = materialize_project(tmp_path, hostile_config(hostile_emulator.api_url, "profiles.parquet"))
    assert run.result.success, run.failure_message
    assert run.metadata(NEWSLETTER)["contacts"]["invalid_phones"] == 0
    assert {m["email"]: m["attributes"] for m in hostile_emulator.members(12)} == {
        "good0@example.com": {"FIRSTNAME": "Good", "LASTNAME": "Row0", "SMS": "+12065550161"},
        "good1@example.com": {"FIRSTNAME": "Good", "LASTNAME": "Row1"},
    }


def test_corpus_size() -> None:
    assert len(CASES) + len(FILE_CASES) + len(RUN_FILE_CASES) + 3 >= 100
    assert isinstance(CASES[0], Case)
