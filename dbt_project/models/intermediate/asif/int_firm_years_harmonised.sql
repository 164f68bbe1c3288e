{{ config(materialized='incremental', **by_year_incremental()) }}
-- One row per kept ASIF firm-year in comparable terms: harmonised 2011 class and division
-- (the largest crosswalk weight), manufacturing and ICT flags of the year's own vintage
-- (docs/marts.md: ICT = division 41 / 40 / 39 of 1994 / 2002 / 2011), own city unit, ownership
-- by registration type (2xx hmt, 3xx foreign) and by capital share (cap25), the 20-million
-- sales flag and the coverage regime. Value added is completed in int_firm_years_value_added.
-- Incremental by year (the year's release).
with

screened_releases as (
    select distinct
        year,
        release_id as input_key
    from {{ ref('int_firm_years_screened') }}
),

years_to_build as (
    {{ years_to_build('screened_releases') | indent(4) }}
),

kept_firm_years as (
    select {{ all_columns_except(ref('int_firm_years_screened'), ['built_from']) }}
    from {{ ref('int_firm_years_screened') }}
    where drop_reason is null and year in (select years_to_build.year from years_to_build)
),

classes as (
    select * from {{ ref('int_class_harmonisation') }}
),

location_units as (
    select
        year,
        loc6,
        max(city_code) filter (where is_primary_unit) as city_code,
        {{ sorted_list('city_code', ',') }} as city_units
    from {{ ref('int_location_year_units') }}
    where unit_kind = 'unit'
    group by year, loc6
),

coverage_regimes as (
    select
        year_from,
        year_to,
        regime
    from {{ ref('coverage_regimes') }}
    where dataset = 'asif'
)

select
    kept_firm_years.year,
    kept_firm_years.firm_id,
    kept_firm_years.release_id,
    kept_firm_years.firm_name,
    kept_firm_years.vintage,
    kept_firm_years.industry_code,
    classes.class_2011,
    classes.division_2011,
    kept_firm_years.is_manufacturing,
    kept_firm_years.is_ict,
    location_units.city_code,
    location_units.city_units,
    kept_firm_years.registration_type,
    kept_firm_years.ownership_group,
    -- HMT + foreign capital >= 25 % of paid-in capital (the equity-JV threshold), exact
    coalesce(
        kept_firm_years.paid_in_capital > 0
        and (
            coalesce(kept_firm_years.capital_hmt, 0) + coalesce(kept_firm_years.capital_foreign, 0)
        ) * 4 >= kept_firm_years.paid_in_capital,
        false
    ) as is_cap25,
    -- main-business revenue >= 20 million yuan: the 2011+ frame applied to every year
    coalesce(kept_firm_years.sales >= 20000, false) as is_sales_20m,
    coverage_regimes.regime as coverage_regime,
    kept_firm_years.gross_output,
    kept_firm_years.value_added,
    kept_firm_years.intermediate_input,
    kept_firm_years.vat_payable,
    kept_firm_years.sales,
    kept_firm_years.export_value,
    kept_firm_years.employment,
    kept_firm_years.paid_in_capital,
    kept_firm_years.capital_hmt,
    kept_firm_years.capital_foreign,
    years_to_build.built_from
from kept_firm_years
inner join years_to_build on kept_firm_years.year = years_to_build.year
inner join classes
    on
        kept_firm_years.vintage = classes.vintage
        and kept_firm_years.classification_code = classes.code
inner join location_units
    on
        kept_firm_years.year = location_units.year
        and kept_firm_years.loc6 = location_units.loc6
left join coverage_regimes
    on kept_firm_years.year between coverage_regimes.year_from and coverage_regimes.year_to
