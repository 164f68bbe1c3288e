-- Indicator documentation (docs/marts.md) from the indicator_definitions seed.
select
    indicator_id,
    title,
    formula,
    unit,
    numerator,
    nullif(denominator, '') as denominator,
    caveats
from {{ ref('indicator_definitions') }}
order by indicator_id
