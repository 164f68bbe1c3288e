"""Write every export of a publish into its `exports/` folder (docs/exports.md)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.warehouse.exports.csv_bom import copy_csv
from orchestration.warehouse.exports.panel import PANEL_TABLE, build_panel
from orchestration.warehouse.exports.sdmx import SDMX_FILE, write_sdmx_csv
from orchestration.warehouse.exports.stata import write_dta
from orchestration.warehouse.served_db import sql_str

PANEL_NAME = "panel_city_year"
PANEL_FILE_LABEL = "citygvc city x year panel of fct_city_indicators (docs/exports.md)"


def _column_types(con: duckdb.DuckDBPyConnection, query: str) -> dict[str, str]:
    return dict(con.execute(f"select column_name, column_type from (describe {query})").fetchall())


def _write_mart(
    con: duckdb.DuckDBPyConnection, table: str, parquet: Path, out_dir: Path, doc: dict
) -> int:
    query = f"select * from read_parquet({sql_str(str(parquet))})"
    copy_csv(con, query, out_dir / f"{table}.csv")
    frame = con.execute(query).df()
    write_dta(
        frame,
        _column_types(con, query),
        out_dir / f"{table}.dta",
        doc.get("columns", {}),
        doc.get("description") or table,
    )
    return len(frame)


def write_exports(
    parquet_dir: Path, out_dir: Path, tables: list[str], docs: dict[str, dict]
) -> dict[str, int]:
    """CSV + .dta of each mart, the panel and the SDMX-CSV file from the Parquet files of
    a publish; returns the rows written per mart, for the publish audit."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    # One thread: CSV rows then keep the Parquet files' key order.
    with duckdb.connect(config={"threads": 1}) as con:
        for table in tables:
            parquet = parquet_dir / f"{table}.parquet"
            rows[table] = _write_mart(con, table, parquet, out_dir, docs.get(table, {}))
        if "fct_city_indicators" in tables and "dim_city" in tables:
            panel = build_panel(con, parquet_dir)
            copy_csv(con, f"select * from {PANEL_TABLE}", out_dir / f"{PANEL_NAME}.csv")
            frame = con.execute(f"select * from {PANEL_TABLE}").df()
            write_dta(
                frame, panel.types, out_dir / f"{PANEL_NAME}.dta", panel.labels, PANEL_FILE_LABEL
            )
            write_sdmx_csv(con, parquet_dir, out_dir / SDMX_FILE)
    return rows
