-- Manufacturing gross output of each city unit by harmonised three-digit group and year (the
-- published unit cells of all ownerships), with whether the unit is a matrix location of the
-- complexity measures: a municipality or prefecture-level city (cities.level). A county-level
-- unit tracked on its own (Kunshan) is not: its output is already in its prefecture's.
-- The complexity step (orchestration/complexity) reads this table from the engine that built it.
with

group_outputs as (
    select
        city_code,
        year,
        industry_code,
        gross_output
    from {{ ref('int_city_year_published_outputs') }}
    where industry_level = 'group' and gross_output > 0
),

city_levels as (
    select
        city_code,
        level
    from {{ ref('cities') }}
)

select
    group_outputs.city_code,
    group_outputs.year,
    group_outputs.industry_code,
    cast(group_outputs.gross_output as double) as gross_output,
    city_levels.level in ('prefecture', 'municipality') as is_matrix_location
from group_outputs
inner join city_levels on group_outputs.city_code = city_levels.city_code
