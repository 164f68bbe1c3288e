"""`export_tables`: the Parquet folders dbt on Spark reads as sources (ops, complexity)."""

from pathlib import Path

import duckdb

from orchestration.warehouse.spark_ops import export_tables


def test_each_table_is_written_in_key_order_and_the_last_export_is_replaced_whole(
    tmp_path: Path,
) -> None:
    con = duckdb.connect()
    con.execute("create schema s")
    con.execute("create table s.a as select * from (values (2, 'y'), (1, 'x')) as t(k, v)")
    con.execute("create table s.b as select 7 as n")
    target = tmp_path / "spark" / "s"
    (target / "stale").mkdir(parents=True)  # a table of an earlier export, gone now

    assert export_tables(con, "s", ("a", "b"), target) == target

    assert sorted(p.name for p in target.iterdir()) == ["a", "b"]
    rows = con.execute(f"select * from '{target / 'a' / 'data.parquet'}'").fetchall()
    assert rows == [(1, "x"), (2, "y")]
    assert con.execute(f"select n from '{target / 'b' / 'data.parquet'}'").fetchall() == [(7,)]
    assert not (tmp_path / "spark" / "s.new").exists()
