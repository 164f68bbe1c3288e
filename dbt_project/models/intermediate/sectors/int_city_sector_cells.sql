-- Exact (DECIMAL) sums of published ASIF unit cells for every GVC sector, its segments and the
-- manufacturing total it is a share of (the parts of int_sector_parts), per city unit, year and
-- ownership (total, domestic, hmt, foreign), with the ids of the cells summed (ids of
-- int_disclosure_cell_status). Every city unit and year with ASIF cells gets every part and
-- ownership: 0 where it has no cell; exports stay NULL where no cell reports any, as the cells'
-- own sums do. value_added_imputed: the part of value_added that is imputed.
with

parts as (
    select
        sector_id,
        part,
        industry_level,
        industry_code
    from {{ ref('int_sector_parts') }}
),

cells as (
    select
        city_code,
        year,
        industry_level,
        industry_code,
        ownership,
        gross_output,
        value_added,
        value_added_imputed,
        export_value,
        release_ids
    from {{ ref('int_asif_industry_cells') }}
    where unit_kind = 'unit'
),

city_years as (
    select distinct
        city_code,
        year,
        release_ids
    from cells
),

ownerships as (
    select 'total' as ownership
    union all
    select 'domestic' as ownership
    union all
    select 'hmt' as ownership
    union all
    select 'foreign' as ownership
),

part_cells as (
    select
        city_years.city_code,
        city_years.year,
        city_years.release_ids,
        parts.sector_id,
        parts.part,
        ownerships.ownership,
        concat_ws('/', parts.industry_level, parts.industry_code, ownerships.ownership) as cell_id,
        cells.gross_output,
        cells.value_added,
        cells.value_added_imputed,
        cells.export_value
    from city_years
    cross join parts
    cross join ownerships
    left join cells
        on
            city_years.city_code = cells.city_code
            and city_years.year = cells.year
            and parts.industry_level = cells.industry_level
            and parts.industry_code = cells.industry_code
            and ownerships.ownership = cells.ownership
)

select
    city_code,
    year,
    sector_id,
    part,
    ownership,
    cast(coalesce(sum(gross_output), 0) as decimal(38, 15)) as gross_output,
    cast(coalesce(sum(value_added), 0) as decimal(38, 15)) as value_added,
    cast(coalesce(sum(value_added_imputed), 0) as decimal(38, 15)) as value_added_imputed,
    cast(sum(export_value) as decimal(38, 15)) as export_value,
    {{ sorted_distinct_list('cell_id', ' ') }} as cell_ids,
    release_ids
from part_cells
group by city_code, year, release_ids, sector_id, part, ownership
