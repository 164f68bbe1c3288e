-- The complexity step's values as dbt reads them (one row per year, city unit, group and
-- indicator). Built with the marts: the step writes its table after the intermediate models.
select
    cast(year as integer) as year,
    city_code,
    industry_code,
    indicator_id,
    cast(value as double) as value
from {{ source('complexity', 'complexity_values') }}
