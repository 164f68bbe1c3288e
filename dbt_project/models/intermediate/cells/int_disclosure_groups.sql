{{ config(materialized='incremental', **by_year_incremental()) }}
-- The additive relations among published ASIF cells that secondary suppression must respect
-- (a parent equals the sum of its children, so one hidden member can be recovered from the
-- others). One row per group member:
--   ownership : total = domestic + hmt + foreign, per unit × year × industry;
--   division  : manufacturing 'C' = its harmonised divisions, per unit × year × ownership;
--   segment   : division 39 = its ICT segments, per unit × year × ownership;
--   group     : each division = its three-digit groups, per unit × year × ownership (the
--               group cells also carry their unit × year × division block);
--   geography : parent unit = its county-level units + its unpublished remainder (Suzhou =
--               Kunshan + rest of Suzhou), per year × industry × ownership.
-- The remainder (rest of Suzhou) is a unit of its own in the first three: it is published in
-- effect, as the difference of two published cells, whenever both are.
-- Cells with no firms do not exist; their known zero needs no protection. Incremental by
-- year on a digest of the year's cells as the relations read them (which cells, where, of
-- what): a year whose values alone change (value added, through the imputation) keeps its
-- relations.
with

year_inputs as (
    select
        year,
        {{ rows_digest([
            'cell_id', 'city_code', 'unit_kind', 'industry_level', 'industry_code', 'ownership'
        ]) }} as input_key
    from {{ ref('int_asif_industry_cells') }}
    group by year
),

years_to_build as (
    {{ years_to_build('year_inputs') | indent(4) }}
),

cells as (
    select
        years_to_build.built_from,
        cells_built.cell_id,
        cells_built.city_code,
        cells_built.unit_kind,
        cells_built.year,
        cells_built.industry_level,
        cells_built.industry_code,
        cells_built.ownership
    from {{ ref('int_asif_industry_cells') }} as cells_built
    inner join years_to_build on cells_built.year = years_to_build.year
),

-- the manufacturing total 'C' and the 2011 divisions it is the sum of
manufacturing_codes as (
    select code
    from {{ ref('industry_codes') }}
    where vintage = '2011' and level = 'division' and is_manufacturing
    union all
    select 'C' as code
),

child_units as (
    select
        city_code,
        parent_code
    from {{ ref('cities') }}
    where level = 'county_city'
),

ownership_members as (
    select
        'ownership' as group_type,
        concat_ws('/', city_code, unit_kind, year, industry_level, industry_code) as group_key,
        cell_id,
        year,
        built_from,
        case when ownership = 'total' then 'parent' else 'child' end as member_role,
        cast(null as {{ dbt.type_string() }}) as division_block
    from cells
),

division_members as (
    select
        'division' as group_type,
        concat_ws('/', city_code, unit_kind, year, ownership) as group_key,
        cell_id,
        year,
        built_from,
        case when industry_code = 'C' then 'parent' else 'child' end as member_role,
        cast(null as {{ dbt.type_string() }}) as division_block
    from cells
    where
        industry_level = 'division'
        and industry_code in (select manufacturing_codes.code from manufacturing_codes)
),

segment_members as (
    select
        'segment' as group_type,
        concat_ws('/', city_code, unit_kind, year, ownership) as group_key,
        cell_id,
        year,
        built_from,
        case when industry_level = 'division' then 'parent' else 'child' end as member_role,
        cast(null as {{ dbt.type_string() }}) as division_block
    from cells
    where industry_level = 'ict_segment' or (industry_level = 'division' and industry_code = '39')
),

group_members as (
    select
        'group' as group_type,
        concat_ws(
            '/', city_code, unit_kind, year, ownership, left(industry_code, 2)
        ) as group_key,
        cell_id,
        year,
        built_from,
        case when industry_level = 'division' then 'parent' else 'child' end as member_role,
        case
            when industry_level = 'group'
                then concat_ws('/', city_code, unit_kind, year, left(industry_code, 2))
        end as division_block
    from cells
    where
        industry_level = 'group'
        or (industry_level = 'division' and industry_code <> 'C')
),

geography_members as (
    select
        'geography' as group_type,
        concat_ws(
            '/', coalesce(child_units.parent_code, cells.city_code),
            cells.year, cells.industry_level, cells.industry_code, cells.ownership
        ) as group_key,
        cells.cell_id,
        cells.year,
        cells.built_from,
        case
            when cells.unit_kind = 'unit' and child_units.city_code is null then 'parent'
            else 'child'
        end as member_role,
        cast(null as {{ dbt.type_string() }}) as division_block
    from cells
    left join child_units on cells.city_code = child_units.city_code
    where
        cells.unit_kind = 'remainder'
        or child_units.city_code is not null
        or cells.city_code in (select parent_units.parent_code from child_units as parent_units)
),

members as (
    select * from ownership_members
    union all
    select * from division_members
    union all
    select * from segment_members
    union all
    select * from group_members
    union all
    select * from geography_members
)

select
    group_type || ':' || group_key as group_id,
    group_type,
    cell_id,
    member_role,
    -- group cells: the unit × year × division their ownership parts share (the block
    -- int_asif_industry_cells_disclosure hides whole)
    division_block,
    year,
    built_from
from members
