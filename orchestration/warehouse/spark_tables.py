"""What dbt built on Spark, seen from the DuckDB warehouse: after each dbt step on Spark, every
table of the step's schemas becomes a DuckDB view over its Parquet files in Spark's warehouse
folder. The GX gates, the publish and the run summary then read Spark's data with the same SQL
as on DuckDB, and the served files are written the same way (docs/scale-out.md)."""

from __future__ import annotations

from pathlib import Path

import duckdb


def spark_table_folders(spark_dir: Path, schema: str) -> dict[str, Path]:
    """Spark's managed tables of `schema`: name → folder (`<warehouse>/<schema>.db/<name>`)."""
    schema_dir = spark_dir / "warehouse" / f"{schema}.db"
    if not schema_dir.is_dir():
        return {}
    return {p.name: p for p in sorted(schema_dir.iterdir()) if p.is_dir()}


def _drop_relation(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> None:
    kind = con.execute(
        "select table_type from information_schema.tables "
        "where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    if kind is not None:
        relation = "view" if kind[0] == "VIEW" else "table"
        con.execute(f'drop {relation} {schema}."{name}"')


def expose_spark_tables(con: duckdb.DuckDBPyConnection, spark_dir: Path, schema: str) -> int:
    """Replace the DuckDB relations of `schema` that Spark also has with views over Spark's
    files (a year-partitioned table keeps `year` from its folder names); returns their count."""
    con.execute(f"create schema if not exists {schema}")
    folders = spark_table_folders(spark_dir, schema)
    for name, folder in folders.items():
        files = str(folder / "**" / "*.parquet").replace("'", "''")
        _drop_relation(con, schema, name)
        con.execute(
            f'create view {schema}."{name}" as select * from read_parquet('
            f"'{files}', hive_partitioning = true, union_by_name = true)"
        )
    return len(folders)
