{{ config(
    materialized='incremental',
    **by_year_incremental()
) }}
-- ASIF city × year × industry × ownership cells, unsuppressed, with what disclosure control
-- needs: the number of contributing firms and each magnitude's two largest contributions.
-- Industries: harmonised 2011 divisions, 'C' = manufacturing of the year's vintage, and ICT
-- segments. Ownership: the firm's registration group and 'total'. Units: published city
-- units and the unpublished remainders of parents (see int_firm_year_city_units). A firm's
-- contribution to a cell is its value × its crosswalk weight there; money stays DECIMAL.
-- Incremental by year (int_asif_year_digests).
{%- set magnitudes = sdc_magnitudes() %}
with

year_inputs as (
    select
        year,
        value_added_digest as input_key
    from {{ ref('int_asif_year_digests') }}
),

years_to_build as (
    {{ years_to_build('year_inputs') | indent(4) }}
),

-- read where used (not materialized): a copy of the national firm-years held 0.75 GB for the
-- whole statement
firm_years as {{ inlined_cte() }} (
    select
        year,
        firm_id,
        release_id,
        ownership_group,
        is_manufacturing,
        va_method,
        cast(gross_output as decimal(38, 3)) as gross_output,
        cast(value_added as decimal(38, 3)) as value_added,
        cast(employment as decimal(38, 3)) as employment,
        cast(export_value as decimal(38, 3)) as export_value
    from {{ ref('int_firm_years_value_added') }}
    where year in (select years_to_build.year from years_to_build)
),

industry_weights as (
    select
        year,
        firm_id,
        industry_level,
        industry_code,
        weight
    from {{ ref('int_firm_year_industry_weights') }}
    union all
    select
        year,
        firm_id,
        'division' as industry_level,
        'C' as industry_code,
        cast(1 as decimal(9, 6)) as weight
    from firm_years
    where is_manufacturing
),

units as (
    select
        year,
        firm_id,
        city_code,
        unit_kind
    from {{ ref('int_firm_year_city_units') }}
),

-- the years to build are filtered in firm_years only (the joins on year keep them): a
-- semi-join on the two large inputs too made DuckDB estimate the weights joined to the
-- firm-years at 0.6 M of their 17 M rows and hash that join (3 GB) instead of the
-- units, which spilled and ran out of memory under a 4 GB limit
firm_contributions as (
    select
        units.city_code,
        units.unit_kind,
        firm_years.year,
        industry_weights.industry_level,
        industry_weights.industry_code,
        firm_years.ownership_group,
        firm_years.firm_id,
        firm_years.va_method,
        industry_weights.weight as firms,
        firm_years.gross_output * industry_weights.weight as gross_output,
        firm_years.value_added * industry_weights.weight as value_added,
        firm_years.employment * industry_weights.weight as employment,
        firm_years.export_value * industry_weights.weight as export_value
    from firm_years
    inner join industry_weights
        on
            firm_years.year = industry_weights.year
            and firm_years.firm_id = industry_weights.firm_id
    inner join units
        on
            firm_years.year = units.year
            and firm_years.firm_id = units.firm_id
),

survey_releases as (
    select distinct
        year,
        release_id
    from firm_years
),

-- each firm is in one ownership group: aggregate per group first, then add the groups up
ownership_cells as (
    select
        city_code,
        unit_kind,
        year,
        industry_level,
        industry_code,
        ownership_group as ownership,
        sum(firms) as firms,
        sum(gross_output) as gross_output,
        sum(value_added) as value_added,
        sum(employment) as employment,
        sum(export_value) as export_value,
        coalesce(sum(value_added) filter (where va_method <> 'reported'), 0)
            as value_added_imputed,
        {%- for magnitude in magnitudes %}
            {{ largest_values(magnitude, 2) }} as top_{{ magnitude }},
        {%- endfor %}
        count(*) as contributors
    from firm_contributions
    group by city_code, unit_kind, year, industry_level, industry_code, ownership_group
),

total_cells as (
    select
        city_code,
        unit_kind,
        year,
        industry_level,
        industry_code,
        'total' as ownership,
        sum(firms) as firms,
        sum(gross_output) as gross_output,
        sum(value_added) as value_added,
        sum(employment) as employment,
        sum(export_value) as export_value,
        sum(value_added_imputed) as value_added_imputed,
        {%- for magnitude in magnitudes %}
            {{ largest_values_of_arrays('top_' ~ magnitude, 2) }} as top_{{ magnitude }},
        {%- endfor %}
        sum(contributors) as contributors
    from ownership_cells
    group by city_code, unit_kind, year, industry_level, industry_code
),

cells as (
    select * from ownership_cells
    union all
    select * from total_cells
)

select
    concat_ws(
        '/', cells.city_code, cells.unit_kind, cells.year, cells.industry_level,
        cells.industry_code, cells.ownership
    ) as cell_id,
    cells.*,
    survey_releases.release_id as release_ids,
    years_to_build.built_from
from cells
inner join survey_releases on cells.year = survey_releases.year
inner join years_to_build on cells.year = years_to_build.year
