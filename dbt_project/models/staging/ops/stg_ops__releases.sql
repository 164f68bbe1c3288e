-- Every release ingestion recorded in ops.releases, one row per release, typed: status as
-- ingestion set it (loaded | quarantined); superseded is derived in int_releases_classified.
select
    release_id,
    dataset,
    period,
    revision,
    nullif(trim(city_codes), '') as city_codes,
    try_cast(published_at as date) as published_at,
    coalesce(provisional, false) as is_provisional,
    sha256,
    status,
    status_reason
from {{ source('ops', 'releases') }}
