-- Yearbook cells in the harmonised classification: each printed division of the year's
-- vintage crosswalked to GB/T 4754-2011 divisions with the seed's fixed weights ('C', the
-- printed manufacturing total, stays 'C'), with the ICT flag of the printed division's own
-- vintage. Measures gross_output and value_added, thousand yuan, exact.
with

-- divisions and the manufacturing total only (a table's all-industry total and sections are
-- counted in fct_data_quality as cells_out_of_scope)
cells as (
    select * from {{ ref('int_fdi_city_cells_in_force') }}
    where value_thousand_yuan is not null and not is_out_of_scope
),

division_crosswalk as (
    select
        from_vintage,
        from_code,
        to_code,
        cast(weight as decimal(9, 6)) as weight
    from {{ ref('industry_crosswalk') }}
    where from_level = 'division'
),

vintage_divisions as (
    select
        vintage,
        code,
        is_ict
    from {{ ref('industry_codes') }}
    where level = 'division'
),

harmonised as (
    select
        cells.release_id,
        cells.year,
        cells.city_code,
        cells.industry_code as printed_division,
        coalesce(division_crosswalk.to_code, cells.industry_code) as industry_code,
        coalesce(vintage_divisions.is_ict, false) as is_ict_division,
        cells.ownership,
        cells.measure,
        cast(cells.value_thousand_yuan as decimal(38, 4))
        * coalesce(division_crosswalk.weight, 1) as value_thousand_yuan
    from cells
    left join division_crosswalk
        on
            cells.vintage = division_crosswalk.from_vintage
            and cells.industry_code = division_crosswalk.from_code
    left join vintage_divisions
        on
            cells.vintage = vintage_divisions.vintage
            and cells.industry_code = vintage_divisions.code
)

select
    release_id,
    year,
    city_code,
    industry_code,
    ownership,
    measure,
    bool_or(is_ict_division) as is_ict_division,
    sum(value_thousand_yuan) as value_thousand_yuan
from harmonised
group by release_id, year, city_code, industry_code, ownership, measure
