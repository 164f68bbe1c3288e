-- The staged yearbook cells of the release in force for each (year, city) — docs/catalog.md
-- supersession (int_release_supply_chosen) applied to stg_fdi_city__cells.
with

supply_in_force as (
    select
        release_id,
        city_code
    from {{ ref('int_release_supply_chosen') }}
    where dataset = 'fdi_city' and is_effective
),

staged_cells as (
    select * from {{ ref('stg_fdi_city__cells') }}
)

select
    staged_cells.release_id,
    staged_cells.year,
    staged_cells.city_code,
    staged_cells.industry_code,
    staged_cells.is_out_of_scope,
    staged_cells.ownership,
    staged_cells.measure,
    staged_cells.vintage,
    staged_cells.value_thousand_yuan,
    staged_cells.printed_value,
    staged_cells.printed_unit,
    staged_cells.to_thousand_yuan,
    staged_cells.printed_year,
    staged_cells.printed_city_code,
    staged_cells.printed_industry_code,
    staged_cells.industry_name,
    staged_cells.printed_ownership,
    staged_cells.printed_measure,
    staged_cells.layout,
    staged_cells.source_file,
    staged_cells.source_sheet,
    staged_cells.source_row
from staged_cells
inner join supply_in_force
    on
        staged_cells.release_id = supply_in_force.release_id
        and staged_cells.city_code = supply_in_force.city_code
