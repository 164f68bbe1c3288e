"""The warehouse's ops tables as Parquet for Spark: the ingestion records releases, their files
and its counts in the DuckDB warehouse (one writer, transactional), and dbt on Spark reads them
as the ops sources from `<data>/spark/ops/<table>/` (macros/engine_sources.sql). Exported
before every dbt run on Spark, so the sources are the state the run started from. The
complexity step exports its table the same way (`export_tables`)."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

import duckdb

from orchestration.warehouse.schema import connect

# The ops tables dbt reads (models/staging/ops/_ops__sources.yml); the others are the
# orchestration's own bookkeeping.
OPS_SOURCES = ("releases", "release_files", "catalog_rejections", "ingest_stats")


def export_ops(warehouse_path: Path, spark_dir: Path) -> Path:
    """Write each ops source table of the warehouse as one Parquet file in its own folder
    under `spark_dir/ops`, replacing the last export whole; returns that folder."""
    with connect(warehouse_path, read_only=True) as con:
        return export_tables(con, "ops", OPS_SOURCES, spark_dir / "ops")


def export_tables(
    con: duckdb.DuckDBPyConnection, schema: str, tables: Iterable[str], target: Path
) -> Path:
    """Each `schema.table` as `target/<table>/data.parquet`, the folder replaced whole (a
    fresh one is written beside it, then swapped in); returns `target`."""
    fresh = target.with_name(target.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    for table in tables:
        (fresh / table).mkdir(parents=True)
        path = str(fresh / table / "data.parquet").replace("'", "''")
        # ordered, so an export of the same state is the same bytes
        con.execute(
            f"copy (select * from {schema}.{table} order by all) to '{path}' (format parquet)"
        )
    shutil.rmtree(target, ignore_errors=True)
    fresh.rename(target)
    return target
