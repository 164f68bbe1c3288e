"""On Spark a new ASIF year is added incrementally, as a refresh adds it: the staging models
built without the newest year, then again once its raw folder appears, overwrite only that
year's partition and still hold DuckDB's rows. (The whole project on Spark against DuckDB:
test_spark_engine.py.)"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import pytest

from orchestration.warehouse.schema import connect
from orchestration.warehouse.spark_ops import export_ops
from tests.helpers import SPARK_DBT, run_dbt

# model → its schema
ON_SPARK = {
    "stg_asif__firm_years": "staging",
    "stg_fdi_city__cells": "staging",
}


def _partition_files(data: Path, year: int) -> set[str]:
    folder = data / "spark" / "warehouse" / "staging.db" / "stg_asif__firm_years" / f"year={year}"
    return {p.name for p in folder.glob("*.parquet")}


@pytest.fixture(scope="module")
def staged_on_both(demo_run: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A data folder reading the demo refresh's raw folders (linked, read only), with the
    seeds and the models of ON_SPARK built by dbt on DuckDB and on Spark. Spark builds
    twice: first without the newest ASIF year, then incrementally once it is added."""
    data = tmp_path_factory.mktemp("staging") / "data"
    (data / "raw" / "asif").mkdir(parents=True)
    (data / "raw" / "fdi_city").symlink_to(demo_run / "raw" / "fdi_city")
    *older, newest = sorted((demo_run / "raw" / "asif").iterdir())
    for release in older:
        (data / "raw" / "asif" / release.name).symlink_to(release)
    models = ["--select", " ".join(ON_SPARK)]
    export_ops(demo_run / "warehouse.duckdb", data / "spark")  # what a refresh on Spark does
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        run_dbt(data, "seed", "--target", "spark", dbt=SPARK_DBT)
        run_dbt(data, "run", "--target", "spark", *models, dbt=SPARK_DBT)
        year = int(newest.name.split("-")[1])
        before = _partition_files(data, year - 1)
        (data / "raw" / "asif" / newest.name).symlink_to(newest)
        run_dbt(data, "run", "--target", "spark", *models, dbt=SPARK_DBT)
    with connect(data / "warehouse.duckdb"):
        pass  # the warehouse's raw views over the linked folders
    run_dbt(data, "seed")
    run_dbt(data, "run", *models)
    return {"data": data, "year": year, "before": before}


@pytest.mark.parametrize("model", ON_SPARK)
def test_a_model_has_the_same_rows_on_spark_as_on_duckdb(staged_on_both: dict, model: str) -> None:
    # Spark's table is Parquet under its warehouse folder (partitioned by year when the model
    # is rebuilt a year at a time): read it back without Spark, columns by name.
    data = staged_on_both["data"]
    schema = ON_SPARK[model]
    files = data / "spark" / "warehouse" / f"{schema}.db" / model
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        columns = [c for c, *_ in con.execute(f"describe {schema}.{model}").fetchall()]
        listed = ", ".join(f'"{c}"' for c in columns)
        duck_rows = Counter(con.execute(f"select {listed} from {schema}.{model}").fetchall())
        spark_rows = Counter(
            con.execute(
                f"select {listed} from read_parquet('{files}/**/*.parquet', hive_partitioning=true)"
            ).fetchall()
        )
    assert sum(duck_rows.values()) > 100
    assert spark_rows == duck_rows


def test_spark_adds_a_new_year_without_rewriting_the_others(staged_on_both: dict) -> None:
    """The second Spark build wrote the new year's partition and left the year before as the
    first build wrote it (insert_overwrite of the rebuilt years only)."""
    data, year = staged_on_both["data"], staged_on_both["year"]
    assert staged_on_both["before"]
    assert _partition_files(data, year - 1) == staged_on_both["before"]
    assert _partition_files(data, year)
