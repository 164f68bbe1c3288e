-- docs/quality-gates.md: every share lies in [0, 1] (checked on the unsuppressed values, which the
-- published ones are a subset of).
select
    city_code,
    year,
    indicator_id,
    breakdown,
    source,
    value
from {{ ref('int_city_indicators') }}
where unit = 'share' and (value < 0 or value > 1)
