"""The settings README's "Past one machine" shows are settings the configuration takes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ci_sendinblue.config.models import ProfilesSettings


def past_one_machine_examples() -> list[dict[str, Any]]:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("## Past one machine") :]
    section = section[: section.index("\n## ", 1)]
    blocks = section.split("```yaml\n")[1:]
    return [doc["profiles"] for block in blocks for doc in yaml.safe_load_all(block[: block.index("```")])]


def test_the_spark_snowflake_and_bigquery_examples_are_valid_sources():
    settings = [ProfilesSettings.model_validate(example) for example in past_one_machine_examples()]
    assert [s.kind for s in settings] == ["spark", "sql", "sql"]
    spark, snowflake, bigquery = settings
    assert spark.spark is not None and spark.spark.master == "spark://spark-master.internal:7077"
    assert snowflake.sql is not None and snowflake.sql.url_env == "PROFILES_DB_URL"
    assert bigquery.sql is not None and bigquery.sql.url == "bigquery://my-project/crm"
