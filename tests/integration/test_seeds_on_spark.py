"""Every seed loads on Apache Spark (dbt's `spark` target) with the same rows as on DuckDB:
text with apostrophes and backslashes kept, empty cells NULL (not the string 'None'), codes
with their leading zeros."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import DBT_PROJECT_DIR
from tests.helpers import SPARK_DBT, run_dbt

SEEDS = sorted(p.stem for p in (DBT_PROJECT_DIR / "seeds").glob("*.csv"))


def _rows(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[list[str], Counter]:
    result = con.execute(f"select * from {relation}")
    columns = [d[0] for d in result.description]
    return columns, Counter(result.fetchall())


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data folder with the seeds loaded by dbt on DuckDB and on Spark."""
    data = tmp_path_factory.mktemp("seeds") / "data"
    data.mkdir()
    run_dbt(data, "seed")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        run_dbt(data, "seed", "--target", "spark", dbt=SPARK_DBT)
    return data


@pytest.mark.parametrize("seed", SEEDS)
def test_a_seed_has_the_same_rows_on_spark_as_on_duckdb(both_engines: Path, seed: str) -> None:
    # Spark's table is Parquet under its warehouse folder: read it back without Spark.
    spark_files = both_engines / "spark" / "warehouse" / "seeds.db" / seed / "*.parquet"
    with duckdb.connect(str(both_engines / "warehouse.duckdb"), read_only=True) as con:
        duck_columns, duck_rows = _rows(con, f"seeds.{seed}")
        spark_columns, spark_rows = _rows(con, f"read_parquet('{spark_files}')")
    assert spark_columns == duck_columns
    assert sum(spark_rows.values()) > 0
    assert spark_rows == duck_rows


def test_the_seeds_hold_the_values_that_broke_the_spark_loader(both_engines: Path) -> None:
    """The comparison above covers apostrophes and empty cells only if the seeds have them."""
    with duckdb.connect(str(both_engines / "warehouse.duckdb"), read_only=True) as con:
        quoted = con.execute(
            "select count(*) from seeds.cities where contains(name_en, chr(39))"
        ).fetchone()[0]
        empty = con.execute(
            "select count(*) from seeds.indicator_measures where denominator is null"
        ).fetchone()[0]
    assert quoted > 0
    assert empty > 0
