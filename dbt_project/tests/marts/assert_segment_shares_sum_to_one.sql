-- docs/quality-gates.md: ict_segment_share sums to 1 per city-year wherever it is computable.
select
    city_code,
    year,
    sum(value) as total_share
from {{ ref('int_city_indicators') }}
where indicator_id = 'ict_segment_share' and value is not null
group by city_code, year
having abs(sum(value) - 1) > 1e-9
