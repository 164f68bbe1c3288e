-- ASIF against the yearbook tables (fdi_city) where both cover a city and year (2010–2013 in
-- the demo): the published values side by side with their difference. Tolerances (vars
-- reconciliation_share_tolerance, absolute for shares; reconciliation_level_tolerance,
-- relative for levels) mark agreement; the sources differ in frame and vintage, so a miss
-- is a warning to look at, never a failure.
{%- set share_tolerance = var('reconciliation_share_tolerance') %}
{%- set level_tolerance = var('reconciliation_level_tolerance') %}
with

indicators as (
    select * from {{ ref('fct_city_indicators') }}
    where
        indicator_id in (
            'mfg_output',
            'ict_output',
            'ict_share_mfg_output',
            'fdi_dependency_ict_va',
            'fdi_dependency_ict_output'
        )
),

asif as (
    select * from indicators
    where source = 'asif'
),

fdi_city as (
    select * from indicators
    where source = 'fdi_city'
),

paired as (
    select
        asif.city_code,
        asif.year,
        asif.indicator_id,
        asif.breakdown,
        asif.unit,
        asif.value as value_asif,
        fdi_city.value as value_fdi_city,
        fdi_city.value - asif.value as difference,
        (fdi_city.value - asif.value) / nullif(asif.value, 0) as relative_difference
    from asif
    inner join fdi_city
        on
            asif.city_code = fdi_city.city_code
            and asif.year = fdi_city.year
            and asif.indicator_id = fdi_city.indicator_id
            and asif.breakdown = fdi_city.breakdown
)

select
    city_code,
    year,
    indicator_id,
    breakdown,
    unit,
    value_asif,
    value_fdi_city,
    difference,
    relative_difference,
    case
        when unit = 'share' then abs(difference) <= {{ share_tolerance }}
        else abs(relative_difference) <= {{ level_tolerance }}
    end as is_within_tolerance
from paired
order by city_code, year, indicator_id, breakdown
