-- With disclosure on, no C or D value reaches the marts (the serve copy is the marts schema).
{{ config(enabled=(var('disclosure') == 'on')) }}
select
    'fct_city_indicators' as mart,
    city_code,
    year,
    conf_status
from {{ ref('fct_city_indicators') }}
where conf_status in ('C', 'D') and value is not null
union all
select
    'fct_city_industry_year' as mart,
    city_code,
    year,
    conf_status
from {{ ref('fct_city_industry_year') }}
where
    conf_status in ('C', 'D')
    and (
        gross_output is not null
        or value_added is not null
        or employment is not null
        or export_value is not null
    )
