-- With disclosure on, no C or D value reaches the marts (the serve copy is the marts schema):
-- no indicator value, and no magnitude of a cell under its own C or D status.
{{ config(enabled=(var('disclosure') == 'on')) }}
select
    'fct_city_indicators' as mart,
    city_code,
    year,
    'value' as measure,
    conf_status
from {{ ref('fct_city_indicators') }}
where conf_status in ('C', 'D') and value is not null
{%- for magnitude in sdc_magnitudes() %}
    union all
    select
        'fct_city_industry_year' as mart,
        city_code,
        year,
        '{{ magnitude }}' as measure,
        conf_status_{{ magnitude }} as conf_status
    from {{ ref('fct_city_industry_year') }}
    where conf_status_{{ magnitude }} in ('C', 'D') and {{ magnitude }} is not null
{%- endfor %}
