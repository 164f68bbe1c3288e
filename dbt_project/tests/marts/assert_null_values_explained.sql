-- docs/marts.md, docs/quality-gates.md: a NULL value is never unexplained: in fct_city_indicators
-- it carries an 'O'
-- (not computable) or conf_status C / D; in fct_city_industry_year a missing ASIF gross
-- output only comes from suppression (C / D).
select
    'fct_city_indicators' as mart,
    city_code,
    year,
    indicator_id || '/' || breakdown || '/' || source as row_key,
    obs_flags,
    conf_status
from {{ ref('fct_city_indicators') }}
where value is null and obs_flags not like '%O%' and conf_status not in ('C', 'D')
union all
select
    'fct_city_industry_year' as mart,
    city_code,
    year,
    industry_level || '/' || industry_code || '/' || ownership || '/' || source as row_key,
    null as obs_flags,
    conf_status
from {{ ref('fct_city_industry_year') }}
where source = 'asif' and gross_output is null and conf_status not in ('C', 'D')
