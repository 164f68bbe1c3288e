"""After a dbt step on Spark, DuckDB sees Spark's tables as views over their Parquet files:
plain and year-partitioned folders laid out as Spark writes them, replacing what DuckDB had."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.warehouse.spark_tables import expose_spark_tables


def _spark_table(folder: Path, rows: str, partition: str = "") -> None:
    """Write a part file the way Spark lays a table out (with its _SUCCESS marker)."""
    target = folder / partition if partition else folder
    target.mkdir(parents=True, exist_ok=True)
    (folder / "_SUCCESS").touch()
    with duckdb.connect() as con:
        con.execute(
            f"copy ({rows}) to '{target / 'part-00000-x.c000.snappy.parquet'}' (format parquet)"
        )


def test_spark_tables_replace_duckdbs_and_keep_their_partition_column(tmp_path: Path) -> None:
    spark = tmp_path / "spark"
    marts = spark / "warehouse" / "marts.db"
    _spark_table(marts / "dim_city", "select 'K' as city_code, 'Kunshan' as city_name")
    _spark_table(marts / "fct_x", "select 'K' as city_code, 1.5 as value", "year=2005")
    _spark_table(marts / "fct_x", "select 'D' as city_code, 2.5 as value", "year=2006")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create schema marts")
        con.execute("create table marts.dim_city as select 'old' as city_code")
        con.execute("create view marts.fct_x as select 1 as stale")
        assert expose_spark_tables(con, spark, "marts") == 2
        assert con.execute("select * from marts.dim_city").fetchall() == [("K", "Kunshan")]
        rows = con.execute("select city_code, value, year from marts.fct_x order by year")
        assert rows.fetchall() == [("K", 1.5, 2005), ("D", 2.5, 2006)]
        kinds = con.execute(
            "select table_name, table_type from information_schema.tables "
            "where table_schema = 'marts' order by 1"
        ).fetchall()
    assert kinds == [("dim_city", "VIEW"), ("fct_x", "VIEW")]


def test_a_schema_spark_has_not_built_leaves_duckdb_alone(tmp_path: Path) -> None:
    with duckdb.connect() as con:
        con.execute("create schema staging")
        con.execute("create table staging.t as select 1 as a")
        assert expose_spark_tables(con, tmp_path / "spark", "staging") == 0
        assert con.execute("select a from staging.t").fetchall() == [(1,)]
