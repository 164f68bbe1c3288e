"""The warehouse's own tables outside dbt: `raw.*` (what ingestion writes) and `ops.*` (the
warehouse's record of releases, rejections and publishes). dbt reads both as sources.

Only the writer (one Dagster pool of size 1) opens `warehouse.duckdb` read-write.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

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


_ASIF_COLUMNS_SQL = ",\n    ".join(f"{c} {_column_type(c)}" for c in ASIF_REQUIRED + ASIF_OPTIONAL)

DDL = f"""
create schema if not exists raw;
create schema if not exists ops;

-- One row per data row of an ASIF release file, canonical names, values as printed
-- (codes as strings with leading zeros; money in the file's thousand yuan).
create table if not exists raw.asif (
    release_id VARCHAR not null,
    source_file VARCHAR not null,      -- path inside the catalog root
    source_row BIGINT not null,        -- 1-based data row in the file
    period INTEGER not null,           -- survey year from the catalog
    {_ASIF_COLUMNS_SQL},
    extra_columns VARCHAR              -- JSON of unmapped columns (NULL when none)
);

-- One row per printed cell of an fdi_city yearbook table; codes and labels as printed,
-- value in the printed unit. Both layouts (long, wide) land here.
create table if not exists raw.fdi_city (
    release_id VARCHAR not null,
    source_file VARCHAR not null,
    source_row BIGINT not null,        -- 1-based row in the file (or sheet for wide xlsx)
    source_sheet VARCHAR,              -- sheet name for xlsx, NULL for CSV
    layout VARCHAR not null,           -- 'long' | 'wide'
    period INTEGER not null,           -- year from the catalog
    city_code VARCHAR not null,        -- the catalog file entry's city_code
    year INTEGER,                      -- year printed in the table
    file_city_code VARCHAR,            -- city code printed in the table (long layout)
    industry_code VARCHAR,             -- printed division code (long layout), NULL for wide
    industry_name VARCHAR,             -- printed industry name
    ownership VARCHAR not null,        -- printed ownership label (zh or en)
    measure VARCHAR not null,          -- printed measure label (zh or en)
    value DECIMAL(20,4),               -- printed value
    unit VARCHAR not null              -- printed unit: 万元 | 亿元 | 千元
);

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


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse (creating it owner-only on first use) with the schema in place."""
    new = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        if new:
            path.chmod(0o600)
        if not read_only:
            ensure_schema(con)
        yield con
    finally:
        con.close()
