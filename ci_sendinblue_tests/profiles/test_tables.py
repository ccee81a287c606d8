"""Profiles open where they live as ibis tables: files, datasets of parts, CDM folders; each with its rows,
its types, its metadata, and an error naming the setting and the source when it cannot be read."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ci_sendinblue.config.models import ProfilesSettings
from ci_sendinblue.profiles.sources import read_profiles
from ci_sendinblue.profiles.tables import (
    ColumnsKnownAtRun,
    ProfilesSourceError,
    ProfilesSourceUnavailable,
    open_profiles,
    profile_columns,
    reading,
    source_metadata,
)

CDM_DATA = Path(__file__).resolve().parent.parent / "data" / "cdm"
CSV_TEXT = 'Id,Name,Email,Note\n001,"Doe, Jane",,""\n002,Zoë,z@example.com,Null\n'


def rows(profiles: ProfilesSettings) -> list[dict]:
    with open_profiles(profiles) as pt, reading(pt):
        return pt.table.order_by(pt.table.columns[0]).to_pyarrow().to_pylist()


def file_settings(path: Path | str, **options) -> ProfilesSettings:
    return ProfilesSettings(path=path, key=options.pop("key", "Id"), **options)


def write_parquet(path: Path, table: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(table), path)
    return path


# --- files ---------------------------------------------------------------------------------------------------


def test_a_csv_file_opens_as_text_with_empty_fields_missing_as_pandas_reads_it(tmp_path):
    path = tmp_path / "profiles.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    with open_profiles(file_settings(path)) as pt:
        assert pt.kind == "file"
        assert pt.description == f"CSV file {path}"
        assert {str(t) for t in pt.table.schema().types} == {"string"}
        read = pt.table.to_pyarrow().to_pylist()
    assert read == [
        {"Id": "001", "Name": "Doe, Jane", "Email": None, "Note": None},
        {"Id": "002", "Name": "Zoë", "Email": "z@example.com", "Note": "Null"},
    ]
    assert read == read_profiles(path).astype(object).where(lambda f: f.notna(), None).to_dict("records")


def test_a_parquet_file_keeps_its_types(tmp_path):
    path = write_parquet(
        tmp_path / "profiles.parquet",
        {"Id": ["1", "2"], "LifetimeValue": [1250.5, None], "Orders": pa.array([3, 4], pa.int64())},
    )
    with open_profiles(file_settings(path)) as pt:
        schema = pt.table.schema()
        assert (str(schema["LifetimeValue"]), str(schema["Orders"])) == ("float64", "int64")
        assert pt.table.to_pyarrow().column("LifetimeValue").to_pylist() == [1250.5, None]


def test_metadata_gives_the_row_count_the_columns_with_their_types_and_the_source(tmp_path):
    path = write_parquet(tmp_path / "profiles.parquet", {"Id": ["1"], "Value": [1.5], "Seen": [True]})
    with open_profiles(file_settings(path)) as pt:
        metadata = source_metadata(pt, row_count=1)
    assert metadata["dagster/row_count"] == 1
    assert metadata["dagster/column_schema"] == dg.TableSchema(
        columns=[
            dg.TableColumn("Id", "string"),
            dg.TableColumn("Value", "double"),
            dg.TableColumn("Seen", "boolean"),
        ]
    )
    assert metadata["source"] == dg.MetadataValue.text(f"Parquet file {path}")


# --- datasets ------------------------------------------------------------------------------------------------


def test_a_folder_of_csv_parts_is_one_table_of_text(tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "part-0.csv").write_text("Id,City\n1,Seattle\n")
    (folder / "part-1.csv").write_text("Id,City\n2,\n")
    (folder / "_SUCCESS").write_text("")
    settings = file_settings(folder)
    assert settings.kind == "dataset"
    assert rows(settings) == [{"Id": "1", "City": "Seattle"}, {"Id": "2", "City": None}]
    with open_profiles(settings) as pt:
        assert pt.description == f"CSV dataset {folder} (2 parts)"


def test_hive_partition_folders_become_text_columns_and_folders_above_the_root_do_not(tmp_path):
    root = tmp_path / "env=prod" / "profiles"
    write_parquet(root / "Country=US" / "year=2024" / "part-0.parquet", {"Id": ["1"], "Value": [1.0]})
    write_parquet(root / "Country=FR" / "year=2023" / "part-0.parquet", {"Id": ["2"], "Value": [2.0]})
    settings = file_settings(root)
    assert profile_columns(settings) == ["Id", "Value", "Country", "year"]
    assert rows(settings) == [
        {"Id": "1", "Value": 1.0, "Country": "US", "year": "2024"},
        {"Id": "2", "Value": 2.0, "Country": "FR", "year": "2023"},
    ]
    with open_profiles(settings) as pt:
        assert pt.description == f"Parquet dataset {root} (2 parts, hive partitions Country, year)"


def test_a_glob_reads_the_files_it_matches_and_parts_are_matched_by_column_name(tmp_path):
    write_parquet(tmp_path / "data" / "a.parquet", {"Id": ["1"], "Name": ["Ann"]})
    write_parquet(tmp_path / "data" / "b.parquet", {"Name": ["Bo"], "Id": ["2"], "Tier": ["Gold"]})
    write_parquet(tmp_path / "data" / "old" / "c.parquet", {"Id": ["3"], "Name": ["Cy"]})
    assert rows(file_settings(tmp_path / "data" / "*.parquet")) == [
        {"Id": "1", "Name": "Ann", "Tier": None},
        {"Id": "2", "Name": "Bo", "Tier": "Gold"},
    ]


def test_a_relative_path_is_relative_to_the_configuration_file(write_project, tmp_path):
    from ci_sendinblue.config.loading import ConfigError, load_settings
    from ci_sendinblue_tests.helpers import base_config

    write_parquet(tmp_path / "lake" / "p.parquet", {"CustomerId": ["1"]})
    config = base_config()
    config["profiles"]["path"] = "lake/"
    with pytest.raises(ConfigError) as raised:  # the folder was found: its columns were checked
        load_settings(write_project(config))
    assert "profiles.email: column 'Email' is not in the profiles (CustomerId)" in raised.value.problems


# --- CDM -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["model_json", "manifest"])
def test_both_cdm_forms_open_to_the_same_typed_customers(form):
    settings = ProfilesSettings(cdm={"folder": CDM_DATA / form}, key="CustomerId")
    with open_profiles(settings) as pt:
        schema = pt.table.schema()
    assert {name: str(dtype) for name, dtype in schema.items()} == {
        "CustomerId": "string",
        "FirstName": "string",
        "LastName": "string",
        "Email": "string",
        "Phone": "string",
        "City": "string",
        "LifetimeValue": "float64",
        "BirthDate": "timestamp(6)",
        "MarketingConsent": "boolean",
    }
    read = rows(settings)
    assert [r["CustomerId"] for r in read] == ["C001", "C002", "C003", "C004"]
    assert read[1]["LastName"] == "Doe, Jr." and read[1]["Phone"] is None  # a quoted comma, an empty field
    assert (read[2]["FirstName"], read[2]["City"]) == ("Zoë", "Göteborg")
    assert read[3]["FirstName"] == 'Bob "Bobby"'
    assert read[0]["BirthDate"] == dt.datetime(1989, 2, 11)
    assert (read[0]["LifetimeValue"], read[2]["LifetimeValue"]) == (1250.5, None)
    assert [r["MarketingConsent"] for r in read] == [True, False, True, None]
    assert read == rows(ProfilesSettings(cdm={"folder": CDM_DATA / "manifest"}, key="CustomerId"))


def test_cdm_columns_are_read_from_the_metadata_alone():
    settings = ProfilesSettings(cdm={"folder": CDM_DATA / "model_json"}, key="CustomerId")
    assert profile_columns(settings)[:3] == ["CustomerId", "FirstName", "LastName"]


def test_partition_locations_are_mapped_below_a_renamed_folder(tmp_path):
    folder = tmp_path / "downloaded"
    shutil.copytree(CDM_DATA / "model_json", folder)  # its URLs name .../model_json/Customer/...
    assert len(rows(ProfilesSettings(cdm={"folder": folder}, key="CustomerId"))) == 4


@pytest.mark.parametrize("search", ['"globPattern": "*.csv"', '"regularExpression": "part-\\\\d+\\\\.csv"'])
def test_a_manifest_partition_pattern_finds_the_partitions(tmp_path, search):
    folder = tmp_path / "ci"
    shutil.copytree(CDM_DATA / "manifest", folder)
    (folder / "Customer" / "part-00003.csv.backup").write_text("not a partition")
    manifest = folder / "default.manifest.cdm.json"
    text = manifest.read_text()
    start, end = text.index('"dataPartitions"'), text.rindex("]\n    }\n  ]")
    pattern = f'"dataPartitionPatterns": [{{"name": "parts", "rootLocation": "Customer/", {search}}}]\n'
    manifest.write_text(text[:start] + pattern + text[end + 2 :])
    assert len(rows(ProfilesSettings(cdm={"folder": folder}, key="CustomerId"))) == 4


# --- errors --------------------------------------------------------------------------------------------------


def test_a_missing_file_is_unavailable_naming_the_setting(tmp_path):
    with pytest.raises(ProfilesSourceUnavailable) as raised:
        open_profiles(file_settings(tmp_path / "nowhere.csv"))
    assert str(raised.value) == f"profiles.path: profiles file {tmp_path / 'nowhere.csv'} does not exist"
    assert raised.value.setting == "profiles.path"


def test_a_glob_matching_nothing_is_unavailable(tmp_path):
    with pytest.raises(ProfilesSourceUnavailable, match=r"^profiles\.path: no file matches .*\*\.parquet$"):
        open_profiles(file_settings(tmp_path / "*.parquet"))


def test_a_corrupt_parquet_part_is_named(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(ProfilesSourceError, match=r"^profiles\.path: .*a\.parquet is not a Parquet file"):
        open_profiles(file_settings(tmp_path / "data"))


def test_csv_parts_with_different_headers_are_refused_naming_both(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.csv").write_text("Id,Email\n1,a@example.com\n")
    (tmp_path / "p" / "b.csv").write_text("Email,Id\nb@example.com,2\n")
    with pytest.raises(ProfilesSourceError, match=r"have different headers: .*a\.csv has Id, Email; .*b\.csv has"):
        open_profiles(file_settings(tmp_path / "p"))


def test_a_csv_part_with_a_repeated_column_name_is_refused_as_a_profiles_file_is(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.csv").write_text("Id,Email,Email\n1,a,b\n")
    with pytest.raises(ProfilesSourceError, match="more than one column named 'Email'"):
        profile_columns(file_settings(tmp_path / "p"))


def test_a_csv_part_that_is_not_utf8_fails_when_read_naming_the_file_without_its_row(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.csv").write_bytes(b"Id,Name\n1,Ann\n" + "2,Müller\n".encode("latin-1"))
    with open_profiles(file_settings(tmp_path / "p")) as pt, pytest.raises(ProfilesSourceError) as raised, reading(pt):
        pt.table.to_pyarrow()
    message = str(raised.value)
    assert message.startswith(f"profiles.path: cannot read CSV dataset {tmp_path / 'p'} (1 part): ")
    assert "not utf-8" in message.lower() and "a.csv" in message and "ller" not in message


def test_mixed_formats_in_a_folder_are_refused_unless_format_picks_one(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.csv").write_text("Id\n1\n")
    write_parquet(tmp_path / "p" / "b.parquet", {"Id": ["2"]})
    with pytest.raises(ProfilesSourceError, match=r"holds both \.csv and \.parquet files"):
        open_profiles(file_settings(tmp_path / "p"))
    assert rows(file_settings(tmp_path / "p", format="parquet")) == [{"Id": "2"}]


def test_a_missing_cdm_entity_is_named_with_the_entities_there():
    settings = ProfilesSettings(cdm={"folder": CDM_DATA / "model_json", "entity": "customer"}, key="CustomerId")
    with pytest.raises(ProfilesSourceError) as raised:
        open_profiles(settings)
    assert str(raised.value) == (
        f"profiles.cdm.entity: entity 'customer' is not in {CDM_DATA / 'model_json' / 'model.json'} "
        "(entities: Order, Customer); names compare exactly: did you mean 'Customer'?"
    )


def test_a_folder_without_cdm_metadata_is_unavailable(tmp_path):
    with pytest.raises(ProfilesSourceUnavailable, match=r"^profiles\.cdm\.folder: CDM folder .* holds no model\.json"):
        open_profiles(ProfilesSettings(cdm={"folder": tmp_path}, key="CustomerId"))


def test_a_cdm_value_that_does_not_fit_its_type_fails_the_reading_naming_the_partition(tmp_path):
    folder = tmp_path / "model_json"
    shutil.copytree(CDM_DATA / "model_json", folder)
    part = folder / "Customer" / "part-00002.csv"
    part.write_text(part.read_text().replace("2001-12-01T08:30:00Z", "01/12/2001"))
    settings = ProfilesSettings(cdm={"folder": folder}, key="CustomerId")
    with open_profiles(settings) as pt, pytest.raises(ProfilesSourceError) as raised, reading(pt):
        pt.table.to_pyarrow()
    assert str(raised.value).startswith(f"profiles.cdm.folder: cannot read CDM folder {folder} (model.json)")
    assert "part-00002.csv" in str(raised.value) and "bob.lee" not in str(raised.value)


def test_a_load_time_check_names_a_column_the_cdm_entity_lacks(write_project):
    from ci_sendinblue.config.loading import ConfigError, load_settings
    from ci_sendinblue_tests.helpers import base_config

    config = base_config()
    config["profiles"] = {"cdm": {"folder": str(CDM_DATA / "manifest")}, "key": "CustomerNumber"}
    with pytest.raises(ConfigError) as raised:
        load_settings(write_project(config))
    expected = "profiles.key: column 'CustomerNumber' is not in the profiles"
    assert any(problem.startswith(expected) for problem in raised.value.problems)


def test_columns_of_a_database_url_are_known_only_at_run():
    settings = ProfilesSettings(sql={"url": "postgresql://app@db.internal/crm", "table": "customers"}, key="Id")
    with pytest.raises(ColumnsKnownAtRun):
        profile_columns(settings)


def test_the_frames_match_pandas_for_a_csv_file_of_the_sample_profiles(tmp_path):
    from ci_sendinblue.profiles.sample import write_sample_profiles

    path = write_sample_profiles(tmp_path / "profiles.csv", count=300)
    expected = read_profiles(path)
    with open_profiles(file_settings(path, key="CustomerId")) as pt:
        read = pt.table.to_pyarrow().to_pandas()
    pd.testing.assert_frame_equal(
        read.astype(object).where(read.notna(), None), expected.astype(object).where(expected.notna(), None)
    )
