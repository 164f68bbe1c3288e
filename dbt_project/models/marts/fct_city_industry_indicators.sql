-- City × year × harmonised group indicators of docs/marts.md (rca, relatedness_density), one
-- row per (city_code, year, industry_level, industry_code, indicator_id). With disclosure 'on'
-- the values of C and D rows are NULL; the unsuppressed values stay in int_group_indicators.
select
    city_code,
    year,
    industry_level,
    industry_code,
    indicator_id,
    {{ disclosed('value') }} as value,
    unit,
    obs_status,
    obs_flags,
    conf_status,
    release_ids
from {{ ref('int_group_indicators') }}
where city_code is not null
order by city_code, year, industry_level, industry_code, indicator_id
