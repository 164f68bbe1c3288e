"""On Spark a new ASIF year is added incrementally, as a refresh adds it: the staged firm-years
built without the newest year, then again once its raw folder appears, overwrite only that
year's partition and hold the DuckDB refresh's rows. The same Spark session checks the hand
values of the portable rounding (its data test runs on DuckDB in every build) and that a seed
table is reloaded when, and only when, its file has changed (macros/spark_seeds.sql). (The
whole project on Spark against DuckDB: test_spark_engine.py.)"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import SEEDS_DIR
from orchestration.warehouse.spark_ops import export_ops
from tests.helpers import dbt_args, run_spark_session_steps

MODEL = "stg_asif__firm_years"
ROUNDING_TEST = "assert_rounded_decimal_rounds_the_scaled_double"
SEED = "break_years"
# a row the seed's file does not have: a reload of the table removes it
STRAY_ROW = ("asif", 1900, "not in the file")
# each engine digests a year's rows with its own hash (macros/portable/aggregates.sql)
ENGINE_OWN = "built_from"


def _partition_files(data: Path, year: int) -> set[str]:
    folder = data / "spark" / "warehouse" / "staging.db" / MODEL / f"year={year}"
    return {p.name for p in folder.glob("*.parquet")}


def _spark_table(data: Path, schema: str, table: str) -> str:
    """A Spark table as DuckDB reads it: its Parquet files (columns by name)."""
    files = data / "spark" / "warehouse" / f"{schema}.db" / table
    return f"read_parquet('{files}/**/*.parquet', hive_partitioning=true)"


@pytest.fixture(scope="module")
def staged_twice(demo_run: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A data folder reading the demo refresh's raw folders (linked, read only) where one Spark
    session builds MODEL twice: first without the newest ASIF year (with ROUNDING_TEST and
    SEED), then incrementally once it is added (with SEED again, its file unchanged, after
    STRAY_ROW was put in its table); then SEED once more after its table's key was made
    stale, as when the file changes."""
    data = tmp_path_factory.mktemp("staging") / "data"
    (data / "raw" / "asif").mkdir(parents=True)
    (data / "raw" / "fdi_city").symlink_to(demo_run / "raw" / "fdi_city")
    *older, newest = sorted((demo_run / "raw" / "asif").iterdir())
    for release in older:
        (data / "raw" / "asif" / release.name).symlink_to(release)
    export_ops(demo_run / "warehouse.duckdb", data / "spark")  # what a refresh on Spark does
    year = int(newest.name.split("-")[1])
    seed_table = f"seeds.{SEED}"
    spark = ("--target", "spark")
    run_spark_session_steps(
        data,
        [
            {
                "dbt": dbt_args(data, "build", *spark, "--select", MODEL, ROUNDING_TEST, SEED),
                "results": str(data / "first_build.json"),
            },
            {"sql": f"insert into {seed_table} values {STRAY_ROW!r}"},
            {"link": [str(newest), str(data / "raw" / "asif" / newest.name)]},
            {
                "dbt": dbt_args(
                    data,
                    "build",
                    *spark,
                    "--select",
                    MODEL,
                    SEED,
                    "--resource-type",
                    "model",
                    "--resource-type",
                    "seed",
                ),
                "results": str(data / "second_build.json"),
            },
            {"sql": f"create table seeds.{SEED}_unchanged as select * from {seed_table}"},
            {"sql": f"alter table {seed_table} set tblproperties ('citygvc_seed_key' = 'old')"},
            {
                "dbt": dbt_args(data, "seed", *spark, "--select", SEED),
                "results": str(data / "seed_again.json"),
            },
        ],
    )
    results = json.loads((data / "first_build.json").read_text())["results"]
    statuses = {r["unique_id"].split(".")[2]: r["status"] for r in results}
    return {"data": data, "year": year, "statuses": statuses}


def test_the_model_built_in_two_steps_has_duckdbs_rows(staged_twice: dict, demo_run: Path) -> None:
    # Spark's table is Parquet under its warehouse folder, partitioned by year: read it back
    # without Spark, columns by name.
    spark_table = _spark_table(staged_twice["data"], "staging", MODEL)
    with duckdb.connect(str(demo_run / "warehouse.duckdb"), read_only=True) as con:
        columns = [c for c, *_ in con.execute(f"describe staging.{MODEL}").fetchall()]
        listed = ", ".join(f'"{c}"' for c in columns if c != ENGINE_OWN)
        duck_rows = Counter(con.execute(f"select {listed} from staging.{MODEL}").fetchall())
        spark_rows = Counter(con.execute(f"select {listed} from {spark_table}").fetchall())
    assert len({row[columns.index("year")] for row in duck_rows}) > 2
    assert spark_rows == duck_rows


def test_spark_adds_a_new_year_without_rewriting_the_others(staged_twice: dict) -> None:
    """The second Spark build wrote the new year's partition and left the years before as the
    first build wrote them (insert_overwrite of the rebuilt years only): their files are
    older than the second build's results."""
    data, year = staged_twice["data"], staged_twice["year"]
    first = (data / "first_build.json").stat().st_mtime
    older = _partition_files(data, year - 1)
    assert older
    folder = data / "spark" / "warehouse" / "staging.db" / MODEL
    assert all((folder / f"year={year - 1}" / f).stat().st_mtime <= first for f in older)
    newest = _partition_files(data, year)
    assert newest
    assert all((folder / f"year={year}" / f).stat().st_mtime > first for f in newest)


def test_rounding_gives_the_hand_values_on_spark(staged_twice: dict) -> None:
    assert staged_twice["statuses"][ROUNDING_TEST] == "pass"
    assert staged_twice["statuses"][MODEL] == "success"


def _seed_file_rows() -> Counter:
    with (SEEDS_DIR / f"{SEED}.csv").open(newline="") as file:
        return Counter((r["dataset"], int(r["year"]), r["reason"]) for r in csv.DictReader(file))


def _rows(data: Path, table: str) -> Counter:
    relation = _spark_table(data, "seeds", table)
    with duckdb.connect() as con:
        return Counter(con.execute(f"select dataset, year, reason from {relation}").fetchall())


def test_an_unchanged_seed_is_not_reloaded_on_spark(staged_twice: dict) -> None:
    assert _rows(staged_twice["data"], f"{SEED}_unchanged") == _seed_file_rows() + Counter(
        [STRAY_ROW]
    )


def test_a_seed_whose_file_changed_is_reloaded_on_spark(staged_twice: dict) -> None:
    assert _rows(staged_twice["data"], SEED) == _seed_file_rows()
