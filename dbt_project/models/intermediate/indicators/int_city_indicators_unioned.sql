-- Every city indicator of both sources in one long form (the columns of
-- int_city_indicators_asif) with its source: the ASIF ICT indicators, the economic-geography
-- and GVC-sector indicators, and the yearbook indicators. int_city_indicators flags them.
select
    *,
    'asif' as source
from {{ ref('int_city_indicators_asif') }}
union all
select
    *,
    'asif' as source
from {{ ref('int_city_indicators_geography') }}
union all
select
    *,
    'asif' as source
from {{ ref('int_city_indicators_sectors') }}
union all
select
    *,
    'fdi_city' as source
from {{ ref('int_city_indicators_fdi_city') }}
