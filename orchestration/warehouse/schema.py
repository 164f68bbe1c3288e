"""The warehouse's own relations outside dbt: the views `raw.*` over the raw rows (Parquet,
one folder per loaded release, written by ingestion) and the tables `ops.*` (the warehouse's
record of releases, rejections and publishes). dbt reads both as sources.

Only the writer (one Dagster pool of size 1) opens `warehouse.duckdb` read-write.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from orchestration.settings import raw_dir_beside

# DuckDB locks the file for one process at a time. The writer pool orders the runs' steps,
# but the one-shot refresh reads and records releases between its runs, outside the pool: a
# daemon's run may hold the file then (or the refresh, when a run's step opens it). Each waits
# its turn instead of failing; a writer holds the file for one step at most (the longest, a
# national dbt build, a few minutes).
LOCK_WAIT_SECONDS = 1800.0
_LOCKED = "Could not set lock on file"

# Canonical ASIF columns (docs/catalog.md). Money in thousand yuan as DECIMAL so sums are exact.
ASIF_REQUIRED = ("firm_id", "location_code", "industry_code", "registration_type", "gross_output")
ASIF_OPTIONAL = (
    "firm_name",
    "founding_year",
    "value_added",
    "intermediate_input",
    "vat_payable",
    "sales",
    "export_value",
    "employment",
    "paid_in_capital",
    "capital_state",
    "capital_collective",
    "capital_legal_person",
    "capital_individual",
    "capital_hmt",
    "capital_foreign",
)
ASIF_TEXT_COLUMNS = ("firm_id", "firm_name", "location_code", "industry_code", "registration_type")
ASIF_INT_COLUMNS = ("founding_year", "employment")
ASIF_MONEY_COLUMNS = tuple(
    c for c in ASIF_REQUIRED + ASIF_OPTIONAL if c not in ASIF_TEXT_COLUMNS + ASIF_INT_COLUMNS
)
MONEY_TYPE = "DECIMAL(18,3)"


def asif_column_sql(column: str, cast: str = "cast") -> str:
    """The SQL expression that gives a canonical ASIF column as read (codes as text, numbers
    as DOUBLE) its raw.asif type: what the writer inserts and what the duplicate rule at
    ingest compares (`cast="try_cast"` where a value may not fit, e.g. before the range
    check has run)."""
    if column in ASIF_MONEY_COLUMNS:
        return f"{cast}({column} as {MONEY_TYPE})"
    if column in ASIF_INT_COLUMNS:
        return f"{cast}(round({column}) as integer)"
    return column


def _column_type(column: str) -> str:
    if column in ASIF_TEXT_COLUMNS:
        return "VARCHAR"
    return "INTEGER" if column in ASIF_INT_COLUMNS else MONEY_TYPE


# The raw rows of every loaded release (docs/architecture.md#raw-rows): one immutable folder of
# Parquet per release, read through the views raw.asif and raw.fdi_city (dbt's sources).
RAW_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    # One row per data row of an ASIF release file, canonical names, values as printed
    # (codes as strings with leading zeros; money in the file's thousand yuan).
    "asif": (
        ("release_id", "VARCHAR"),
        ("source_file", "VARCHAR"),  # path inside the catalog root
        ("source_row", "BIGINT"),  # 1-based data row in the file
        ("period", "INTEGER"),  # survey year from the catalog
        *((c, _column_type(c)) for c in ASIF_REQUIRED + ASIF_OPTIONAL),
        ("extra_columns", "VARCHAR"),  # JSON of unmapped columns (NULL when none)
    ),
    # One row per printed cell of an fdi_city yearbook table; codes and labels as printed,
    # value in the printed unit. Both layouts (long, wide) land here.
    "fdi_city": (
        ("release_id", "VARCHAR"),
        ("source_file", "VARCHAR"),
        ("source_row", "BIGINT"),  # 1-based row in the file (or sheet for wide xlsx)
        ("source_sheet", "VARCHAR"),  # sheet name for xlsx, NULL for CSV
        ("layout", "VARCHAR"),  # 'long' | 'wide'
        ("period", "INTEGER"),  # year from the catalog
        ("city_code", "VARCHAR"),  # the catalog file entry's city_code
        ("year", "INTEGER"),  # year printed in the table
        ("file_city_code", "VARCHAR"),  # city code printed in the table (long layout)
        ("industry_code", "VARCHAR"),  # printed division code (long layout), NULL for wide
        ("industry_name", "VARCHAR"),  # printed industry name
        ("ownership", "VARCHAR"),  # printed ownership label (zh or en)
        ("measure", "VARCHAR"),  # printed measure label (zh or en)
        ("value", "DECIMAL(20,4)"),  # printed value
        ("unit", "VARCHAR"),  # printed unit: 万元 | 亿元 | 千元
    ),
}
RAW_DATASETS = tuple(RAW_COLUMNS)


def raw_release_dir(raw_dir: Path, dataset: str, release_id: str) -> Path:
    """The folder holding a loaded release's raw rows."""
    return raw_dir / dataset / release_id


def raw_typed_sql(dataset: str) -> str:
    """The select list giving a relation's raw columns their raw types, in schema order."""
    return ", ".join(f"cast({_quote(c)} as {t}) as {_quote(c)}" for c, t in RAW_COLUMNS[dataset])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def raw_empty_sql(dataset: str) -> str:
    """A select of no rows with the raw columns of `dataset`."""
    empty = ", ".join(f"cast(null as {t}) as {_quote(c)}" for c, t in RAW_COLUMNS[dataset])
    return f"select {empty} where false"


def _raw_view_sql(raw_dir: Path, dataset: str) -> str:
    folder = raw_dir / dataset
    if not any(folder.glob("*/*.parquet")):
        # read_parquet fails on a pattern that matches nothing: no release yet, no rows.
        return raw_empty_sql(dataset)
    pattern = _sql_text(str(folder / "*" / "*.parquet"))
    return f"select {raw_typed_sql(dataset)} from read_parquet({pattern})"


DDL = """
create schema if not exists raw;
create schema if not exists ops;
create schema if not exists complexity;
create schema if not exists disclosure;

-- The complexity step's values (orchestration/complexity/step.py), which dbt reads as the
-- source complexity.complexity_values; empty until the step first runs.
create table if not exists complexity.complexity_values (
    year integer,
    city_code varchar,
    industry_code varchar,
    indicator_id varchar,
    value double
);

-- The disclosure step's added secondary suppressions (orchestration/disclosure/step.py),
-- which dbt reads as the source disclosure.secondary_completions, and the inputs each year
-- and magnitude's were computed from (the step recomputes them only when their key changes).
create table if not exists disclosure.secondary_completions (
    year integer,
    cell_id varchar,
    magnitude varchar
);
create table if not exists disclosure.audited_magnitudes (
    year integer,
    magnitude varchar,
    cache_key varchar
);
-- keyed by year alone until 2026-12-05; its keys cannot match the new ones
drop table if exists disclosure.audited_years;

-- The warehouse's record of every release it has seen (the refresh compares the catalog
-- with this table, not with a sensor cursor).
create table if not exists ops.releases (
    release_id VARCHAR primary key,
    dataset VARCHAR,
    period INTEGER,
    revision INTEGER,
    city_codes VARCHAR,                -- fdi_city: sorted comma-joined city codes of its files
    published_at VARCHAR,
    provisional BOOLEAN,
    sha256 VARCHAR,                    -- sha256 of the sorted 'path:sha256' lines
    entry_json VARCHAR,                -- the catalog entry as validated (canonical JSON)
    status VARCHAR not null,           -- loaded | quarantined (superseded is derived in dbt)
    status_reason VARCHAR,
    code_fingerprint VARCHAR,          -- code/seed fingerprint when status was set
    rows_loaded BIGINT,
    updated_at TIMESTAMP
);

create table if not exists ops.release_files (
    release_id VARCHAR not null,
    path VARCHAR not null,
    format VARCHAR not null,
    sha256 VARCHAR not null,
    bytes BIGINT not null,
    city_code VARCHAR,
    landed_path VARCHAR
);

create table if not exists ops.catalog_rejections (
    raw_release_id VARCHAR,
    reason VARCHAR not null,
    detail VARCHAR,
    seen_at TIMESTAMP
);

-- A firm_id on two or more differing rows of one loaded ASIF release, and what the duplicate
-- rule kept (orchestration/ingest/duplicates.py; docs/schemas.md#duplicates). Holds firm ids:
-- never published (the marts carry only the counts).
create table if not exists ops.duplicate_firm_ids (
    release_id VARCHAR not null,
    year INTEGER not null,             -- the release's period
    firm_id VARCHAR not null,
    rows BIGINT not null,              -- rows of the release carrying the id, exact copies included
    records BIGINT not null,           -- differing records among them
    kept_source_file VARCHAR not null, -- the kept record's first row
    kept_source_row BIGINT not null,
    rows_dropped BIGINT not null       -- the other records' rows, exact copies included
);

-- Per release and file: what ingestion measured (rows, duplicates, unmapped columns/codes).
create table if not exists ops.ingest_stats (
    release_id VARCHAR not null,
    source_file VARCHAR not null,
    metric VARCHAR not null,
    detail VARCHAR not null default '',
    value DOUBLE
);

-- The product's own phase timings (orchestration/warehouse/timings.py): one row per phase of
-- a Dagster run — ingest phases per release (land, read, checks, gx, write), dbt.<layer>,
-- gx_gate.<suite>, publish. refresh_id names the `citygvc refresh` (else the run id).
create table if not exists ops.run_phases (
    refresh_id VARCHAR not null,
    dagster_run_id VARCHAR not null,
    release_id VARCHAR,                -- ingest phases only
    phase VARCHAR not null,
    seconds DOUBLE not null,           -- wall time
    recorded_at TIMESTAMP not null
);

create table if not exists ops.publishes (
    publish_id VARCHAR primary key,
    fingerprint VARCHAR not null,
    published_at TIMESTAMP,
    manifest_json VARCHAR
);
"""


def ensure_schema(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> None:
    con.execute(DDL)
    for dataset in RAW_DATASETS:
        _move_raw_table_to_files(con, raw_dir, dataset)
    ensure_raw_views(con, raw_dir)


def ensure_raw_views(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> None:
    """(Re)define raw.asif and raw.fdi_city over the release folders in `raw_dir`: needed when
    the first release of a dataset arrives or the last one leaves, or the data folder moved."""
    for dataset in RAW_DATASETS:
        body = _raw_view_sql(raw_dir, dataset)
        # DuckDB keeps a view's SQL reformatted: its comment holds the body it was made from.
        mark = hashlib.sha256(body.encode()).hexdigest()
        current = con.execute(
            "select comment from duckdb_views() where schema_name = 'raw' and view_name = ?",
            [dataset],
        ).fetchone()
        if current is None or current[0] != mark:
            con.execute(f"create or replace view raw.{dataset} as {body}")
            con.execute(f"comment on view raw.{dataset} is {_sql_text(mark)}")


def _move_raw_table_to_files(con: duckdb.DuckDBPyConnection, raw_dir: Path, dataset: str) -> None:
    """A warehouse from before the raw folders kept raw rows in a table: write each release's
    rows to its folder, then drop the table."""
    kind = con.execute(
        "select table_type from information_schema.tables "
        "where table_schema = 'raw' and table_name = ?",
        [dataset],
    ).fetchone()
    if kind is None or kind[0] != "BASE TABLE":
        return
    releases = con.execute(f"select distinct release_id from raw.{dataset} order by 1").fetchall()
    for (release_id,) in releases:
        folder = raw_release_dir(raw_dir, dataset, release_id)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        raw_dir.chmod(0o700)  # licensed microdata: owner only
        target = _sql_text(str(folder / "part-00000.parquet"))
        con.execute(
            f"copy (select {raw_typed_sql(dataset)} from raw.{dataset} "
            f"where release_id = {_sql_text(release_id)}) to {target} (format parquet)"
        )
    con.execute(f"drop table raw.{dataset}")


def open_waiting(
    path: Path, read_only: bool = False, wait_s: float = LOCK_WAIT_SECONDS
) -> duckdb.DuckDBPyConnection:
    """`duckdb.connect`, waiting up to `wait_s` while another process holds the file; then
    DuckDB's own error, which names the process that holds it."""
    deadline, pause = time.monotonic() + wait_s, 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if _LOCKED not in str(exc) or time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(2 * pause, 2.0)


@contextmanager
def connect(
    path: Path, read_only: bool = False, wait_s: float = LOCK_WAIT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse (creating it owner-only on first use) with the schema in place,
    waiting its turn while another process holds it (open_waiting)."""
    new = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = open_waiting(path, read_only, wait_s)
    try:
        if new:
            path.chmod(0o600)
        if not read_only:
            ensure_schema(con, raw_dir_beside(path))
        yield con
    finally:
        con.close()
