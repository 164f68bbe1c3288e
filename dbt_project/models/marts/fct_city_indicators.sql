-- City × year indicators of docs/marts.md, one row per (city_code, year, indicator_id, breakdown,
-- source). With disclosure 'on' the values of C and D rows are NULL (serve copy); the
-- unsuppressed values stay in int_city_indicators.
select
    city_code,
    year,
    indicator_id,
    breakdown,
    source,
    {{ disclosed('value') }} as value,
    unit,
    obs_status,
    obs_flags,
    conf_status,
    release_ids
from {{ ref('int_city_indicators') }}
order by city_code, year, indicator_id, breakdown, source
