"""Write every export of a publish into its `exports/` folder (docs/exports.md).

Each file (the panel's CSV and .dta together) is one job on a DuckDB connection of its own,
so that a big publish writes them on two cores at once (`lanes`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

import duckdb

from orchestration.warehouse.exports.csv_bom import copy_csv
from orchestration.warehouse.exports.lanes import run_in_lanes
from orchestration.warehouse.exports.panel import PANEL_TABLE, build_panel
from orchestration.warehouse.exports.sdmx import SDMX_FILE, write_sdmx_csv
from orchestration.warehouse.exports.stata import stata_query, write_dta
from orchestration.warehouse.served_db import sql_str

PANEL_NAME = "panel_city_year"
PANEL_FILE_LABEL = "citygvc city x year panel of fct_city_indicators (docs/exports.md)"
INDICATORS = "fct_city_indicators"
# Below this much Parquet in a publish, every export is written in this process: a spawned
# worker needs 0.4 s (warm page cache; 1–3 s cold or on a loaded machine) to import Arrow
# and DuckDB before it takes a job. Measured on 2 cores, this process alone → with a worker:
# demo publish (0.47 MB) 0.55 → 0.59 s, a tenth of the national marts (1.3 MB) 1.2 → 1.0 s,
# a quarter (3.3 MB) 2.5 → 1.8 s, national (12.3 MB) 9.1 → 6.3 s (with pyreadstat's .dta
# writer; with dta118's, national (21 MB) 7.0–7.9 → 4.3–5.0 s).
# 2 MB keeps the demo and anything near break-even (~1 MB) here, also when workers start slowly.
POOL_MIN_BYTES = 2 * 2**20
# Two lanes (this process and one worker): the biggest file takes about as long as the
# others but one together at national scale, so a third lane would mostly wait.
MAX_LANES = 2
# Relative seconds per Parquet byte of each kind of job (measured at national scale: a CSV
# 0.1–0.15 s/MB, a .dta 0.16–0.25 s/MB, the panel 0.7 s/MB of fct_city_indicators), only to
# queue the biggest jobs first.
COST_WEIGHTS = {"csv": 1, "sdmx": 1, "dta": 2, "panel": 7}


@dataclass(frozen=True)
class ExportJob:
    """One export of a publish: `kind` csv or dta of the mart `table`, or the panel or the
    SDMX-CSV file (both from fct_city_indicators)."""

    kind: Literal["csv", "dta", "panel", "sdmx"]
    table: str
    parquet_dir: Path
    out_dir: Path
    doc: dict = field(default_factory=dict)

    @property
    def parquet(self) -> Path:
        return self.parquet_dir / f"{self.table}.parquet"

    def describe(self) -> str:
        names = {"panel": f"{PANEL_NAME}.csv/.dta", "sdmx": SDMX_FILE}
        return f"writing export {names.get(self.kind, f'{self.table}.{self.kind}')}"


def export_jobs(
    parquet_dir: Path, out_dir: Path, tables: list[str], docs: dict[str, dict]
) -> list[ExportJob]:
    """Every export of a publish, the biggest first."""
    jobs = [
        ExportJob(kind, table, parquet_dir, out_dir, docs.get(table, {}))
        for table in tables
        for kind in ("csv", "dta")
    ]
    if INDICATORS in tables and "dim_city" in tables:
        jobs += [ExportJob(k, INDICATORS, parquet_dir, out_dir) for k in ("panel", "sdmx")]
    return sorted(jobs, key=_cost, reverse=True)


def _cost(job: ExportJob) -> int:
    return job.parquet.stat().st_size * COST_WEIGHTS[job.kind]


@cache
def _database() -> duckdb.DuckDBPyConnection:
    """This process's in-memory database for the exports: opening one costs ~11 ms (0.2 s
    for the 18 jobs of a publish), a cursor on it, a connection of its own, 0.3 ms."""
    # One thread (a database setting, so every cursor's): CSV rows then keep the Parquet
    # files' key order.
    return duckdb.connect(config={"threads": 1})


def write_export(job: ExportJob) -> int | None:
    """Write the job's file(s) on a connection of its own; a mart's .dta returns the rows
    written."""
    with _database().cursor() as con:
        if job.kind == "csv":
            copy_csv(con, _mart_query(job), job.out_dir / f"{job.table}.csv")
            return None
        if job.kind == "dta":
            return _write_mart_dta(con, job)
        if job.kind == "panel":
            _write_panel(con, job)
            return None
        write_sdmx_csv(con, job.parquet_dir, job.out_dir / SDMX_FILE)
        return None


def _mart_query(job: ExportJob) -> str:
    return f"select * from read_parquet({sql_str(str(job.parquet))})"


def _column_types(con: duckdb.DuckDBPyConnection, query: str) -> dict[str, str]:
    return dict(con.execute(f"select column_name, column_type from (describe {query})").fetchall())


def _write_mart_dta(con: duckdb.DuckDBPyConnection, job: ExportJob) -> int:
    query = _mart_query(job)
    types = _column_types(con, query)
    table = con.sql(stata_query(query, types)).to_arrow_table()
    write_dta(
        table,
        types,
        job.out_dir / f"{job.table}.dta",
        job.doc.get("columns", {}),
        job.doc.get("description") or job.table,
    )
    return table.num_rows


def _write_panel(con: duckdb.DuckDBPyConnection, job: ExportJob) -> None:
    panel = build_panel(con, job.parquet_dir)
    copy_csv(con, f"select * from {PANEL_TABLE}", job.out_dir / f"{PANEL_NAME}.csv")
    table = con.sql(stata_query(f"select * from {PANEL_TABLE}", panel.types)).to_arrow_table()
    dta = job.out_dir / f"{PANEL_NAME}.dta"
    write_dta(table, panel.types, dta, panel.labels, PANEL_FILE_LABEL)


def worker_count(parquet_dir: Path, tables: list[str], pool_min_bytes: int) -> int:
    """Worker processes beside this one: none for a publish too small to pay for starting
    one, or on one core."""
    size = sum((parquet_dir / f"{t}.parquet").stat().st_size for t in tables)
    if size < pool_min_bytes:
        return 0
    return min(MAX_LANES, len(os.sched_getaffinity(0))) - 1


def write_exports(
    parquet_dir: Path,
    out_dir: Path,
    tables: list[str],
    docs: dict[str, dict],
    pool_min_bytes: int = POOL_MIN_BYTES,
) -> dict[str, int]:
    """CSV + .dta of each mart, the panel and the SDMX-CSV file from the Parquet files of
    a publish; returns the rows written per mart, for the publish audit. From
    `pool_min_bytes` of Parquet on, the files are written in a worker process too."""
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = export_jobs(parquet_dir, out_dir, tables, docs)
    workers = worker_count(parquet_dir, tables, pool_min_bytes)
    results = run_in_lanes(write_export, jobs, workers, ExportJob.describe)
    rows = {job.table: n for job, n in zip(jobs, results, strict=True) if job.kind == "dta"}
    return {table: rows[table] for table in tables}
