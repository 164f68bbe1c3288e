-- Additive city × year × industry × ownership measures of both sources (docs/marts.md). With
-- disclosure 'on' each magnitude is NULL where its own status is C or D (firm counts are not
-- disclosure-sensitive and stay); conf_status is the row's most restrictive status. The
-- unsuppressed values stay in int_city_industry_year.
select
    city_code,
    year,
    industry_level,
    industry_code,
    ownership,
    source,
    cast(firms as decimal(38, 6)) as firms,
    cast(contributors as bigint) as contributors,
    {%- for magnitude in sdc_magnitudes() %}
        cast({{ disclosed(magnitude, 'conf_status_' ~ magnitude) }} as decimal(38, 6))
            as {{ magnitude }},
    {%- endfor %}
    conf_status_gross_output,
    conf_status_value_added,
    conf_status_export_value,
    conf_status_employment,
    conf_status
from {{ ref('int_city_industry_year') }}
order by city_code, year, industry_level, industry_code, ownership, source
