-- docs/catalog.md: in the yearbook tables domestic + hmt + foreign should equal total within
-- max(2 printed units, 0.1 %) wherever all four are printed. One row per printed cell group
-- (year, city, printed division, measure) that has all four, with the gap and the verdict;
-- a warning test and fct_data_quality read it (yearbooks round, so this never blocks).
with

cells as (
    select * from {{ ref('int_fdi_city_cells_in_force') }}
    where value_thousand_yuan is not null
),

groups as (
    select
        release_id,
        year,
        city_code,
        industry_code,
        measure,
        max(to_thousand_yuan) as printed_unit_thousand_yuan,
        sum(value_thousand_yuan) filter (where ownership = 'total') as total_value,
        sum(value_thousand_yuan) filter (
            where ownership in ('domestic', 'hmt', 'foreign')
        ) as parts_value,
        count(distinct ownership) filter (
            where ownership in ('total', 'domestic', 'hmt', 'foreign')
        ) as ownerships_printed
    from cells
    group by release_id, year, city_code, industry_code, measure
)

select
    release_id,
    year,
    city_code,
    industry_code,
    measure,
    total_value,
    parts_value,
    parts_value - total_value as gap_thousand_yuan,
    greatest(2 * printed_unit_thousand_yuan, abs(total_value) * 0.001) as tolerance_thousand_yuan,
    abs(parts_value - total_value)
    <= greatest(2 * printed_unit_thousand_yuan, abs(total_value) * 0.001) as is_consistent
from groups
where ownerships_printed = 4
