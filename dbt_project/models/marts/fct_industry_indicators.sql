-- Year × harmonised group indicators of docs/marts.md (pci, ubiquity, eg_index), one row per
-- (year, industry_level, industry_code, indicator_id). With disclosure 'on' the values of C
-- rows (eg_index below the minimum firm count) are NULL.
select
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
where city_code is null
order by year, industry_level, industry_code, indicator_id
