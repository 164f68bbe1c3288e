-- What ingestion measured, one row per release, file, metric and detail ('' when none).
select
    release_id,
    source_file,
    metric,
    coalesce(detail, '') as detail,
    value
from {{ source('ops', 'ingest_stats') }}
