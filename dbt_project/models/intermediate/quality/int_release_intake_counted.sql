-- fct_data_quality, steps raw and ingest: the rows each release has in raw.* (superseded
-- releases included) and what ingestion measured, summed over the release's files.
-- One row per (release_id, step, metric, detail).
with

raw_rows as (
    select
        release_id,
        -- every staged row stands for itself, its exact duplicates and the rows the duplicate
        -- firm-id rule dropped in its favour
        sum(duplicates_removed + 1 + firm_id_rows_dropped) as rows_read
    from {{ ref('stg_asif__firm_years') }}
    group by release_id
    union all
    select
        release_id,
        count(*) as rows_read
    from {{ ref('stg_fdi_city__cells') }}
    group by release_id
),

ingest_stats as (
    select
        release_id,
        metric,
        detail,
        sum(value) as value
    from {{ ref('stg_ops__ingest_stats') }}
    group by release_id, metric, detail
)

select
    release_id,
    cast(null as string) as city_code,
    'raw' as step,
    'rows_read' as metric,
    '' as detail,
    cast(rows_read as double) as value,
    'F' as conf_status
from raw_rows
union all
select
    release_id,
    cast(null as string) as city_code,
    'ingest' as step,
    metric,
    detail,
    value,
    'F' as conf_status
from ingest_stats
