{{ config(materialized='view') }}
-- Primary disclosure status of every ASIF cell and magnitude (docs/methodology.md,
-- disclosure control): 'C' when the cell fails the n rule, the (2, k) dominance rule or the
-- p % rule for that magnitude (sdc_primary_status); 'F' otherwise. With the magnitude's
-- value and largest contributions, which secondary suppression
-- (int_asif_industry_cells_disclosure) sums over the groups of int_disclosure_groups. One
-- row per cell × magnitude. A view: the thresholds in force apply on every read.
{%- set magnitudes = sdc_magnitudes() %}
with

cells as (
    select * from {{ ref('int_asif_industry_cells') }}
),

magnitude_cells as (
    {%- for magnitude in magnitudes %}
        select
            year,
            cell_id,
            unit_kind,
            '{{ magnitude }}' as magnitude,
            {{ magnitude }} as value,
            contributors,
            top_{{ magnitude }} as top_contributions
        from cells
        {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select
    year,
    cell_id,
    unit_kind,
    magnitude,
    value,
    contributors,
    top_contributions,
    {{ sdc_primary_status(
        'contributors',
        first_element('top_contributions'),
        array_total('top_contributions'),
        'value'
    ) }} as primary_status
from magnitude_cells
