-- fct_city_industry_year before disclosure is applied: every published cell of both sources
-- with its unsuppressed measures and its confidentiality statuses, one per magnitude and the
-- row's most restrictive (C > D > F). ASIF cells carry the statuses of
-- int_asif_industry_cells_protected; yearbook (fdi_city) values are published statistics
-- and always free ('F'). Stays inside the warehouse; the mart nulls each magnitude's C/D
-- values when disclosure is on.
{%- set magnitudes = sdc_magnitudes() %}
with

cell_statuses as (
    select
        cell_id,
        {%- for magnitude in magnitudes %}
            max(case when magnitude = '{{ magnitude }}' then conf_status end)
                as conf_status_{{ magnitude }},
        {%- endfor %}
        {{ sdc_worst_status('conf_status') }} as conf_status
    from {{ ref('int_asif_industry_cells_protected') }}
    group by cell_id
),

asif_cells as (
    select
        cells.city_code,
        cells.year,
        cells.industry_level,
        cells.industry_code,
        cells.ownership,
        'asif' as source,
        cells.firms,
        cells.contributors,
        cells.gross_output,
        cells.value_added,
        cells.employment,
        cells.export_value,
        cells.value_added_imputed,
        {%- for magnitude in magnitudes %}
            cell_statuses.conf_status_{{ magnitude }},
        {%- endfor %}
        cell_statuses.conf_status,
        cells.release_ids
    from {{ ref('int_asif_industry_cells') }} as cells
    inner join cell_statuses on cells.cell_id = cell_statuses.cell_id
    where cells.unit_kind = 'unit'
),

fdi_city_cells as (
    select
        city_code,
        year,
        'division' as industry_level,
        industry_code,
        ownership,
        'fdi_city' as source,
        sum(value_thousand_yuan) filter (where measure = 'gross_output') as gross_output,
        sum(value_thousand_yuan) filter (where measure = 'value_added') as value_added,
        {{ sorted_distinct_list('release_id', ',') }} as release_ids
    from {{ ref('int_fdi_city_cells_harmonised') }}
    where
        ownership in ('total', 'domestic', 'hmt', 'foreign')
        and measure in ('gross_output', 'value_added')
    group by city_code, year, industry_code, ownership
)

select
    city_code,
    year,
    industry_level,
    industry_code,
    ownership,
    source,
    firms,
    contributors,
    gross_output,
    value_added,
    employment,
    export_value,
    value_added_imputed,
    {%- for magnitude in magnitudes %}
        conf_status_{{ magnitude }},
    {%- endfor %}
    conf_status,
    release_ids
from asif_cells
union all
select
    city_code,
    year,
    industry_level,
    industry_code,
    ownership,
    source,
    null as firms,
    null as contributors,
    gross_output,
    value_added,
    null as employment,
    null as export_value,
    null as value_added_imputed,
    {%- for magnitude in magnitudes %}
        'F' as conf_status_{{ magnitude }},
    {%- endfor %}
    'F' as conf_status,
    release_ids
from fdi_city_cells
