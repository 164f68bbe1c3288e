"""On Spark a new ASIF year is added incrementally, as a refresh adds it: the staged firm-years
built without the newest year, then again once its raw folder appears, overwrite only that
year's partition and hold the DuckDB refresh's rows. The same dbt run checks, on Spark, the
hand values of the portable rounding (its data test runs on DuckDB in every build). (The whole
project on Spark against DuckDB: test_spark_engine.py.)"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from orchestration.warehouse.spark_ops import export_ops
from tests.helpers import SPARK_DBT, run_dbt

MODEL = "stg_asif__firm_years"
ROUNDING_TEST = "assert_rounded_decimal_rounds_the_scaled_double"
# each engine digests a year's rows with its own hash (macros/portable/aggregates.sql)
ENGINE_OWN = "built_from"


def _partition_files(data: Path, year: int) -> set[str]:
    folder = data / "spark" / "warehouse" / "staging.db" / MODEL / f"year={year}"
    return {p.name for p in folder.glob("*.parquet")}


@pytest.fixture(scope="module")
def staged_twice(demo_run: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A data folder reading the demo refresh's raw folders (linked, read only) where Spark
    builds MODEL twice: first without the newest ASIF year (with ROUNDING_TEST), then
    incrementally once it is added."""
    data = tmp_path_factory.mktemp("staging") / "data"
    (data / "raw" / "asif").mkdir(parents=True)
    (data / "raw" / "fdi_city").symlink_to(demo_run / "raw" / "fdi_city")
    *older, newest = sorted((demo_run / "raw" / "asif").iterdir())
    for release in older:
        (data / "raw" / "asif" / release.name).symlink_to(release)
    export_ops(demo_run / "warehouse.duckdb", data / "spark")  # what a refresh on Spark does
    year = int(newest.name.split("-")[1])
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        first = ["--select", MODEL, ROUNDING_TEST, "--exclude", "test_type:unit"]
        run_dbt(data, "build", "--target", "spark", *first, dbt=SPARK_DBT)
        results = json.loads((data / "target" / "run_results.json").read_text())["results"]
        before = _partition_files(data, year - 1)
        (data / "raw" / "asif" / newest.name).symlink_to(newest)
        run_dbt(data, "run", "--target", "spark", "--select", MODEL, dbt=SPARK_DBT)
    statuses = {r["unique_id"].split(".")[2]: r["status"] for r in results}
    return {"data": data, "year": year, "before": before, "statuses": statuses}


def test_the_model_built_in_two_steps_has_duckdbs_rows(staged_twice: dict, demo_run: Path) -> None:
    # Spark's table is Parquet under its warehouse folder, partitioned by year: read it back
    # without Spark, columns by name.
    files = staged_twice["data"] / "spark" / "warehouse" / "staging.db" / MODEL
    with duckdb.connect(str(demo_run / "warehouse.duckdb"), read_only=True) as con:
        columns = [c for c, *_ in con.execute(f"describe staging.{MODEL}").fetchall()]
        listed = ", ".join(f'"{c}"' for c in columns if c != ENGINE_OWN)
        duck_rows = Counter(con.execute(f"select {listed} from staging.{MODEL}").fetchall())
        spark_rows = Counter(
            con.execute(
                f"select {listed} from read_parquet('{files}/**/*.parquet', hive_partitioning=true)"
            ).fetchall()
        )
    assert len({row[columns.index("year")] for row in duck_rows}) > 2
    assert spark_rows == duck_rows


def test_spark_adds_a_new_year_without_rewriting_the_others(staged_twice: dict) -> None:
    """The second Spark build wrote the new year's partition and left the year before as the
    first build wrote it (insert_overwrite of the rebuilt years only)."""
    data, year = staged_twice["data"], staged_twice["year"]
    assert staged_twice["before"]
    assert _partition_files(data, year - 1) == staged_twice["before"]
    assert _partition_files(data, year)


def test_rounding_gives_the_hand_values_on_spark(staged_twice: dict) -> None:
    assert staged_twice["statuses"][ROUNDING_TEST] == "pass"
    assert staged_twice["statuses"][MODEL] == "success"
