"""The profiles come from one source of five kinds, each written as the README shows; a mistake names its key
path, and a password never appears in the configuration or in a message about it."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ci_sendinblue.config.loading import ConfigError, ProfilesNotCheckedWarning, load_settings
from ci_sendinblue.config.models import ProfilesSettings
from ci_sendinblue_tests.helpers import base_config

CDM_DATA = Path(__file__).resolve().parent.parent / "data" / "cdm"


def with_profiles(profiles: dict[str, Any]) -> dict[str, Any]:
    config = copy.deepcopy(base_config())
    config["profiles"] = profiles
    return config


def problems_of(write_project: Callable[..., Path], config: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_settings(write_project(config))
    return raised.value.problems


@pytest.mark.parametrize(
    ("profiles", "kind"),
    [
        ({"path": "profiles.csv"}, "file"),
        ({"path": "profiles.parquet"}, "file"),
        ({"path": "data/profiles/"}, "dataset"),
        ({"path": "data/*.parquet"}, "dataset"),
        ({"path": "s3://lake/profiles/"}, "dataset"),
        ({"path": "s3://lake/profiles.parquet"}, "file"),
        ({"cdm": {"folder": "lake/ci-output"}}, "cdm"),
        ({"sql": {"database": "crm.duckdb", "table": "analytics.customers"}}, "sql"),
        ({"sql": {"url_env": "PROFILES_DB_URL", "query": "select * from customers"}}, "sql"),
        ({"spark": {"master": "local[2]", "path": "s3a://lake/profiles/"}}, "spark"),
        ({}, None),
    ],
)
def test_each_source_has_its_kind(profiles, kind):
    assert ProfilesSettings(key="CustomerId", **profiles).kind == kind


def test_a_remote_path_keeps_its_url():
    settings = ProfilesSettings(path="abfss://ci@acct.dfs.core.windows.net/out/*.parquet", key="CustomerId")
    assert str(settings.path) == "abfss://ci@acct.dfs.core.windows.net/out/*.parquet"


def test_two_sources_are_refused(write_project):
    config = with_profiles({"path": "profiles.csv", "cdm": {"folder": "lake"}, "key": "CustomerId"})
    assert problems_of(write_project, config) == [
        "profiles: the profiles come from one source: give one of path, cdm, sql or spark (given: path, cdm)"
    ]


def test_a_url_with_a_password_is_refused_without_showing_it(write_project):
    url = "postgresql+psycopg://app:hunter2-secret@db.internal/crm"
    config = with_profiles({"sql": {"url": url, "table": "customers"}, "key": "CustomerId"})
    with pytest.raises(ConfigError) as raised:
        load_settings(write_project(config))
    assert raised.value.problems == [
        "profiles.sql.url: the URL holds a password: put the whole URL in an environment variable and name that "
        "variable in url_env"
    ]
    assert "hunter2" not in str(raised.value)


def test_sql_needs_one_database_and_one_table_or_query(write_project):
    config = with_profiles({"sql": {"url_env": "X", "database": "a.duckdb"}, "key": "CustomerId"})
    assert problems_of(write_project, config) == [
        "profiles.sql: name the database once: database (a DuckDB file), url or url_env (given: database, url_env)",
        "profiles.sql: give the profiles' table or query (exactly one)",
    ]


def test_a_query_that_is_no_select_is_refused(write_project):
    config = with_profiles({"sql": {"url_env": "X", "query": "delete from customers"}, "key": "CustomerId"})
    assert problems_of(write_project, config) == ["profiles.sql.query: must be a SELECT query (or WITH ... SELECT)"]


def test_the_pandas_engine_is_refused_for_anything_but_a_single_file(write_project):
    config = with_profiles({"cdm": {"folder": str(CDM_DATA / "manifest")}, "key": "CustomerId", "engine": "pandas"})
    assert problems_of(write_project, config) == [
        "profiles.engine: the pandas engine reads a single file into memory, not profiles.cdm: use engine auto or ibis"
    ]


def test_an_unknown_suffix_needs_a_format(write_project):
    config = with_profiles({"path": "profiles.xlsx", "key": "CustomerId"})
    [problem] = problems_of(write_project, config)
    assert problem.startswith("profiles.path: profiles file must end in .csv or .parquet, not '.xlsx'")


def test_relative_locations_are_relative_to_the_configuration_file(write_project, tmp_path):
    with duckdb.connect(str(tmp_path / "crm.duckdb")) as con:
        con.execute("create table customers as select 'C1' as CustomerId, 'a@example.com' as Email")
    config = with_profiles({"sql": {"database": "crm.duckdb", "table": "customers"}, "key": "CustomerId"})
    problems = problems_of(write_project, config)  # the file was found: its columns were checked
    assert "segments.platinum.where.field: column 'LoyaltyTier' is not in the profiles (CustomerId, Email)" in problems

    spark = with_profiles({"spark": {"path": "lake/profiles"}, "key": "CustomerId"})
    assert load_settings(write_project(spark)).profiles.spark.path == tmp_path / "lake" / "profiles"
    remote = with_profiles({"spark": {"path": "s3a://lake/profiles/"}, "key": "CustomerId"})
    assert load_settings(write_project(remote)).profiles.spark.path == "s3a://lake/profiles/"


def test_a_cdm_folder_not_there_yet_warns_and_loads(write_project):
    config = with_profiles({"cdm": {"folder": "lake/ci-output"}, "key": "CustomerId"})
    with pytest.warns(ProfilesNotCheckedWarning, match=r"^profiles\.cdm\.folder: CDM folder .* does not exist; "):
        settings = load_settings(write_project(config))
    assert settings.profiles.kind == "cdm"


def test_a_database_url_loads_without_a_warning(write_project):
    config = with_profiles({"sql": {"url_env": "PROFILES_DB_URL", "table": "customers"}, "key": "CustomerId"})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProfilesNotCheckedWarning)
        assert load_settings(write_project(config)).profiles.kind == "sql"


def readme_profiles_examples() -> list[dict[str, Any]]:
    import yaml

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("### Where the profiles live") :]
    section = section[: section.index("\n### ", 1)]
    blocks = section.split("```yaml\n")[1:]
    return [doc["profiles"] for block in blocks for doc in yaml.safe_load_all(block[: block.index("```")])]


def test_every_example_in_the_readme_is_a_valid_source():
    examples = readme_profiles_examples()
    kinds = [ProfilesSettings.model_validate(example).kind for example in examples]
    assert kinds == ["file", "dataset", "cdm", "sql", "sql", "sql", "sql", "spark"]


def test_the_pandas_engine_is_refused_for_a_folder_named_like_a_file(write_project, tmp_path):
    (tmp_path / "profiles.parquet").mkdir()  # as Spark writes a dataset
    config = with_profiles({"path": "profiles.parquet", "key": "CustomerId", "engine": "pandas"})
    assert (
        "profiles.engine: the pandas engine reads a single file into memory, not a dataset of parts: use engine "
        "auto or ibis"
    ) in problems_of(write_project, config)
