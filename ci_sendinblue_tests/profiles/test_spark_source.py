"""Profiles read by Spark in local mode open as an ibis table on the session (Parquet files, their types)."""

from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ci_sendinblue.config.models import ProfilesSettings
from ci_sendinblue.profiles.tables import open_profiles, reading

pytestmark = pytest.mark.spark


def test_parquet_files_open_on_a_local_spark_session(tmp_path):
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java 17: no java on PATH")
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    pq.write_table(pa.table({"CustomerId": ["C1", "C2"], "LifetimeValue": [1250.5, None]}), tmp_path / "p.parquet")
    settings = ProfilesSettings(
        spark={"master": "local[1]", "path": tmp_path, "conf": {"spark.ui.enabled": False}}, key="CustomerId"
    )
    pt = open_profiles(settings)
    assert pt.kind == "spark" and pt.table.get_backend().name == "pyspark"
    assert pt.description == f"Parquet files {tmp_path} read by Spark (master local[1])"
    with reading(pt):
        read = pt.table.order_by("CustomerId").to_pyarrow().to_pylist()
    assert read == [{"CustomerId": "C1", "LifetimeValue": 1250.5}, {"CustomerId": "C2", "LifetimeValue": None}]
