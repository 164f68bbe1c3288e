"""The disclosure step of a refresh: between the intermediate models and the marts it reads
every ASIF cell × magnitude with the greedy suppression pattern and its protection levels
(`intermediate.int_asif_industry_cells_audit_inputs`) and the additive relations among the
cells (`intermediate.int_disclosure_groups`), audits each magnitude of each year with the
attacker's LP and hides the published values that a least-information-loss LP picks to close
every gap (orchestration.disclosure.completion), and writes those values back as
`disclosure.secondary_completions`, the table dbt reads as a source. A year whose inputs are
unchanged since the step last ran keeps its completions (its cache key is the inputs' digest
and this package's source). A value that stays unprotected stops the refresh before the
marts are built (UnprotectedCellsError names it). On Spark the same rows also go to
`<data>/spark/disclosure/secondary_completions/` as Parquet, like the complexity step's."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.disclosure.completion import complete
from orchestration.warehouse.spark_ops import export_tables

CELLS = "intermediate.int_asif_industry_cells_audit_inputs"
RELATIONS = "intermediate.int_disclosure_groups"
OUTPUT = "disclosure.secondary_completions"
CACHE = "disclosure.audited_years"
COLUMNS = ["year", "cell_id", "magnitude"]


@dataclass(frozen=True)
class YearAudit:
    """One year's audit and completion, every magnitude."""

    year: int
    primary_values: int
    added: pd.DataFrame  # COLUMNS
    lps: int
    seconds: float


def step_fingerprint() -> str:
    """The step's own code: a change to it invalidates every cached year."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def year_keys(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """Each year's cache key: the digest its audit inputs were built from, and this code."""
    rows = con.execute(f"select distinct year, built_from from {CELLS}").fetchall()
    fingerprint = step_fingerprint()
    return {int(year): f"{built_from}:{fingerprint}" for year, built_from in rows}


def cached_years(con: duckdb.DuckDBPyConnection, keys: dict[int, str]) -> set[int]:
    """The years whose stored completions were computed from the same inputs and code."""
    stored = con.execute(f"select year, cache_key from {CACHE}").fetchall()
    return {int(year) for year, key in stored if keys.get(int(year)) == key}


def read_year(con: duckdb.DuckDBPyConnection, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    cells = con.execute(
        f"select magnitude, cell_id, value, audit_status as status, protection from {CELLS}"
        " where year = ? order by magnitude, cell_id",
        [year],
    ).df()
    relations = con.execute(
        f"select group_id as relation_id, cell_id, member_role as role from {RELATIONS}"
        " where year = ? order by group_id, cell_id",
        [year],
    ).df()
    return cells, relations


def audit_year(year: int, cells: pd.DataFrame, relations: pd.DataFrame) -> YearAudit:
    """Audit and complete every magnitude of one year (each has its own pattern)."""
    start = time.perf_counter()
    added, lps = [], 0
    for magnitude, frame in cells.groupby("magnitude", sort=True):
        result = complete(frame.drop(columns="magnitude"), relations)
        added.append(pd.DataFrame({"cell_id": result.added, "magnitude": magnitude}))
        lps += result.lps
    frame = pd.concat(added, ignore_index=True).assign(year=year)[COLUMNS]
    primaries = int((cells["status"] == "C").sum())
    return YearAudit(year, primaries, frame, lps, time.perf_counter() - start)


def write_year(con: duckdb.DuckDBPyConnection, audit: YearAudit, key: str) -> None:
    """Replace the year's completions and cache key (one transaction)."""
    con.register("disclosure_step_added", audit.added)
    try:
        con.execute("begin")
        con.execute(f"delete from {OUTPUT} where year = ?", [audit.year])
        con.execute(f"delete from {CACHE} where year = ?", [audit.year])
        con.execute(
            f"insert into {OUTPUT} select cast(year as integer), cell_id, magnitude"
            " from disclosure_step_added"
        )
        con.execute(f"insert into {CACHE} values (?, ?)", [audit.year, key])
        con.execute("commit")
    finally:
        con.unregister("disclosure_step_added")


def forget_other_years(con: duckdb.DuckDBPyConnection, years: set[int]) -> None:
    """Completions of years the warehouse no longer has go (a dropped or rebuilt year)."""
    for table in (OUTPUT, CACHE):
        con.execute(
            f"delete from {table} where year not in (select unnest(?::integer[]))", [list(years)]
        )


def run_disclosure_step(warehouse_path: Path, spark_dir: Path | None = None) -> list[YearAudit]:
    """Audit and complete every year whose inputs changed; returns the years audited."""
    with duckdb.connect(str(warehouse_path)) as con:
        keys = year_keys(con)
        years = sorted(set(keys) - cached_years(con, keys))
        audits = []
        for audit in _audited(con, years):
            write_year(con, audit, keys[audit.year])
            audits.append(audit)
        forget_other_years(con, set(keys))
        if spark_dir is not None:
            export_tables(con, "disclosure", ("secondary_completions",), spark_dir / "disclosure")
    return audits


def _audited(con: duckdb.DuckDBPyConnection, years: list[int]) -> Iterator[YearAudit]:
    """Each year's audit, in year order: years are independent, so several at once on a
    process pool sized to the cores (spawned: a forked DuckDB or BLAS thread pool can hang)."""
    workers = min(len(years), os.cpu_count() or 1)
    if workers <= 1:
        for year in years:
            yield audit_year(year, *read_year(con, year))
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(audit_year, year, *read_year(con, year)) for year in years]
        for future in futures:
            yield future.result()
