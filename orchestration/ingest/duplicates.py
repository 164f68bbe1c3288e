"""The duplicate rule of an ASIF release (docs/schemas.md#duplicates), as SQL over its rows.

A *record* is a row's canonical values as raw.asif types them (money DECIMAL(18,3), counts
rounded to integers, codes trimmed by the reader). Rows equal in every canonical column are
one record printed more than once: exact duplicates, counted, one copy kept. A firm_id on
two or more *differing* records of a release is resolved by one deterministic rule: keep the
record with the largest gross output, ties to the record printed first (smallest source
file, then source row); drop the others with their copies. Researchers' cleaning code drops
such ids (`duplicates drop id year, force`); keeping the largest record keeps the big plants
the indicators are about. Staging (stg_asif__firm_years) applies the same rule to the same
values; ingestion measures it for the release gate and lists the ids in
ops.duplicate_firm_ids (firm ids: never published).
"""

from __future__ import annotations

import duckdb

from orchestration.warehouse.schema import ASIF_OPTIONAL, ASIF_REQUIRED

RECORD_COLUMNS = ", ".join(ASIF_REQUIRED + ASIF_OPTIONAL)


def ranked_records_sql(rows: str) -> str:
    """CTEs `repeated_rows` (the rows of `rows` whose firm_id is printed more than once, or
    missing: only they can be copies of one record or differing records of one firm),
    `records` (one per distinct record of those rows: its first row and how many rows print
    it) and `ranked` (records with a firm_id: `firm_rank` 1 = kept by the rule,
    `firm_records` and `firm_rows` of its id). `rows` is a relation with source_file,
    source_row and the canonical columns typed as in raw.asif."""
    # Grouping by every column hashes whole rows; nearly all rows have an id of their own
    # and are their own record, so only the rest are grouped.
    return f"""
    with release_rows_typed as materialized (
        select * from {rows}
    ),
    repeated_ids as (
        select firm_id from release_rows_typed group by firm_id having count(*) > 1
    ),
    repeated_rows as (
        select * from release_rows_typed
        where firm_id is null or firm_id in (select firm_id from repeated_ids)
    ),
    records as (
        select
            firm_id,
            gross_output,
            min({{'source_file': source_file, 'source_row': source_row}}) as first_row,
            count(*) as copies
        from repeated_rows
        group by {RECORD_COLUMNS}
    ),
    ranked as (
        select
            *,
            row_number() over (
                partition by firm_id
                order by gross_output desc nulls last,
                    first_row.source_file, first_row.source_row
            ) as firm_rank,
            count(*) over (partition by firm_id) as firm_records,
            sum(copies) over (partition by firm_id) as firm_rows
        from records
        where firm_id is not null
    )
    """


def resolution_sql(rows: str) -> str:
    """One row per firm_id on differing records of `rows`: its rows and records, the kept
    record's first row, and the rows the rule drops."""
    return f"""
    {ranked_records_sql(rows)}
    select
        firm_id,
        firm_rows as rows,
        firm_records as records,
        first_row.source_file as kept_source_file,
        first_row.source_row as kept_source_row,
        firm_rows - copies as rows_dropped
    from ranked
    where firm_records > 1 and firm_rank = 1
    """


def record_duplicate_firm_ids(con: duckdb.DuckDBPyConnection, release_id: str, period: int) -> None:
    """Replace ops.duplicate_firm_ids of a release with what the rule resolves in its raw.asif
    rows (none for a quarantined release, whose rows are not in raw.asif)."""
    con.execute("delete from ops.duplicate_firm_ids where release_id = ?", [release_id])
    rows = (
        f"(select source_file, source_row, {RECORD_COLUMNS} "
        "from raw.asif where release_id = $release_id)"
    )
    con.execute(
        f"""
        insert into ops.duplicate_firm_ids by name
        select $release_id as release_id, $period as year, resolved.*
        from ({resolution_sql(rows)}) as resolved
        """,
        {"release_id": release_id, "period": period},
    )
