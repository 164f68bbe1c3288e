-- Yearbook cells of the effective release for each (year, city) — DESIGN §4 supersession
-- applied to stg_fdi_city__release_cells. Reads two staging models: see _raw__models.yml.
with

effective_supply as (
    select
        release_id,
        city_code
    from {{ ref('stg_ops__release_supply') }}
    where dataset = 'fdi_city' and is_effective
),

release_cells as (
    select * from {{ ref('stg_fdi_city__release_cells') }}
)

select
    release_cells.release_id,
    release_cells.year,
    release_cells.city_code,
    release_cells.industry_code,
    release_cells.ownership,
    release_cells.measure,
    release_cells.vintage,
    release_cells.value_thousand_yuan,
    release_cells.printed_value,
    release_cells.printed_unit,
    release_cells.to_thousand_yuan,
    release_cells.printed_year,
    release_cells.printed_city_code,
    release_cells.printed_industry_code,
    release_cells.industry_name,
    release_cells.printed_ownership,
    release_cells.printed_measure,
    release_cells.layout,
    release_cells.source_file,
    release_cells.source_sheet,
    release_cells.source_row
from release_cells
inner join effective_supply
    on
        release_cells.release_id = effective_supply.release_id
        and release_cells.city_code = effective_supply.city_code
