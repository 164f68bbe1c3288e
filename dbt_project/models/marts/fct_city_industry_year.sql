-- Additive city × year × industry × ownership measures of both sources (docs/marts.md). With
-- disclosure 'on' the magnitudes of C and D cells are NULL (firm counts are not
-- disclosure-sensitive and stay); the unsuppressed values stay in int_city_industry_year.
select
    city_code,
    year,
    industry_level,
    industry_code,
    ownership,
    source,
    cast(firms as decimal(38, 6)) as firms,
    cast({{ disclosed('gross_output') }} as decimal(38, 6)) as gross_output,
    cast({{ disclosed('value_added') }} as decimal(38, 6)) as value_added,
    cast({{ disclosed('employment') }} as decimal(38, 6)) as employment,
    cast({{ disclosed('export_value') }} as decimal(38, 6)) as export_value,
    conf_status
from {{ ref('int_city_industry_year') }}
order by city_code, year, industry_level, industry_code, ownership, source
