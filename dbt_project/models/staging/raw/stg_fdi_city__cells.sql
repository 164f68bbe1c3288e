-- Yearbook cells of every fdi_city release in raw.fdi_city (superseded ones included): printed
-- labels mapped to canonical ownership / measure / division (of the year's classification
-- vintage, 'C' = the manufacturing total; 'TOTAL', 'B', 'D' = the all-industry total, mining
-- and utilities sections printed in the same table) and values converted to thousand yuan, exactly
-- (DECIMAL). int_fdi_city_cells_in_force keeps the effective release of each (year, city).
with

raw_cells as (
    select * from {{ source('raw', 'fdi_city') }}
),

value_labels as (
    select
        field,
        lower(trim(raw_value)) as printed_label,
        canonical,
        to_thousand_yuan
    from {{ ref('fdi_value_map') }}
),

vintages as (
    select
        year_from,
        year_to,
        vintage
    from {{ ref('classification_vintages') }}
    where dataset = 'fdi_city'
),

division_names as (
    select
        vintage,
        trim(name_printed) as name_printed,
        division_code
    from {{ ref('fdi_division_names') }}
),

cells as (
    select
        raw_cells.release_id,
        raw_cells.source_file,
        raw_cells.source_row,
        raw_cells.source_sheet,
        raw_cells.layout,
        raw_cells.period as year,
        raw_cells.year as printed_year,
        trim(raw_cells.city_code) as city_code,
        nullif(trim(raw_cells.file_city_code), '') as printed_city_code,
        vintages.vintage,
        -- printed codes may lose their leading zero ('6' for '06'); names map per vintage
        case
            when {{ full_match('trim(raw_cells.industry_code)', '[0-9]{1,2}') }}
                then lpad(trim(raw_cells.industry_code), 2, '0')
            when nullif(trim(raw_cells.industry_code), '') is not null
                then upper(trim(raw_cells.industry_code))
        end as printed_industry_code,
        nullif(trim(raw_cells.industry_name), '') as industry_name,
        raw_cells.ownership as printed_ownership,
        raw_cells.measure as printed_measure,
        raw_cells.unit as printed_unit,
        raw_cells.value as printed_value
    from raw_cells
    left join vintages
        on raw_cells.period between vintages.year_from and vintages.year_to
),

mapped_cells as (
    select
        cells.*,
        coalesce(cells.printed_industry_code, division_names.division_code) as industry_code,
        ownership_labels.canonical as ownership,
        measure_labels.canonical as measure,
        unit_labels.to_thousand_yuan
    from cells
    left join division_names
        on
            cells.vintage = division_names.vintage
            and cells.industry_name = division_names.name_printed
    left join value_labels as ownership_labels
        on
            ownership_labels.field = 'ownership'
            and lower(trim(cells.printed_ownership)) = ownership_labels.printed_label
    left join value_labels as measure_labels
        on
            measure_labels.field = 'measure'
            and lower(trim(cells.printed_measure)) = measure_labels.printed_label
    left join value_labels as unit_labels
        on
            unit_labels.field = 'unit'
            and lower(trim(cells.printed_unit)) = unit_labels.printed_label
)

select
    release_id,
    year,
    city_code,
    industry_code,
    -- a table's all-industry total and its mining and utilities sections, printed beside the
    -- divisions: mapped (so the release loads) but not industries of the marts
    coalesce(industry_code in ('TOTAL', 'B', 'D'), false) as is_out_of_scope,
    ownership,
    measure,
    vintage,
    cast(printed_value * to_thousand_yuan as decimal(28, 4)) as value_thousand_yuan,
    printed_value,
    printed_unit,
    to_thousand_yuan,
    printed_year,
    printed_city_code,
    printed_industry_code,
    industry_name,
    printed_ownership,
    printed_measure,
    layout,
    source_file,
    source_sheet,
    source_row
from mapped_cells
