"""The raw rows a refresh leaves, one Parquet folder per loaded release, are the same rows on
Apache Spark as through the warehouse's DuckDB views raw.asif and raw.fdi_city: the same
columns and types, and every row (docs/architecture.md#raw-rows)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from pyspark.sql import SparkSession

# DuckDB's names of the raw types and Spark's for the same Parquet columns.
SPARK_TYPE = {"VARCHAR": "string", "BIGINT": "bigint", "INTEGER": "int"}


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    """A local Spark on 2 cores bound to the loopback interface (left alone, the driver
    advertises the machine's external address), its folders in a temporary directory."""
    local = tmp_path_factory.mktemp("spark")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    session = (
        SparkSession.builder.master("local[2]")
        .appName("citygvc-raw-rows")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.warehouse.dir", str(local / "warehouse"))
        .config("spark.local.dir", str(local / "scratch"))
        .getOrCreate()
    )
    yield session
    session.stop()


def _duckdb_view(data: Path, dataset: str) -> tuple[list[tuple[str, str]], list[tuple]]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        columns = [
            (name, kind) for name, kind, *_ in con.execute(f"describe raw.{dataset}").fetchall()
        ]
        rows = con.execute(f"select * from raw.{dataset}").fetchall()
    return columns, rows


@pytest.mark.parametrize("dataset", ["asif", "fdi_city"])
def test_spark_reads_the_raw_folders_as_the_warehouse_does(
    demo_run: Path, spark: SparkSession, dataset: str
) -> None:
    columns, duckdb_rows = _duckdb_view(demo_run, dataset)
    frame = spark.read.option("recursiveFileLookup", "true").parquet(
        str(demo_run / "raw" / dataset)
    )

    assert [(f.name, f.dataType.simpleString()) for f in frame.schema.fields] == [
        (name, SPARK_TYPE.get(kind, kind.lower())) for name, kind in columns
    ]
    spark_rows = [tuple(row) for row in frame.collect()]
    assert len(spark_rows) == len(duckdb_rows) > 1000
    assert Counter(spark_rows) == Counter(duckdb_rows)
    releases = {row[0] for row in spark_rows}
    assert releases == {p.name for p in (demo_run / "raw" / dataset).iterdir()}
