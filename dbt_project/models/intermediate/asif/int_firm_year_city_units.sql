{{ config(materialized='incremental', **by_year_incremental()) }}
-- The city units each staged ASIF firm-year counts toward: its location code's units in that
-- year (int_location_year_units), including the unpublished remainders disclosure control
-- uses. Incremental by year (the year's release).
with

staged_releases as (
    select distinct
        year,
        release_id as input_key
    from {{ ref('int_asif_firm_years_in_force') }}
),

years_to_build as (
    {{ years_to_build('staged_releases') | indent(4) }}
)

select
    firm_years.year,
    firm_years.firm_id,
    location_units.city_code,
    location_units.unit_kind,
    location_units.years_outside_validity,
    location_units.is_primary_unit,
    years_to_build.built_from
from {{ ref('int_asif_firm_years_in_force') }} as firm_years
inner join years_to_build on firm_years.year = years_to_build.year
inner join {{ ref('int_location_year_units') }} as location_units
    on
        firm_years.year = location_units.year
        and firm_years.loc6 = location_units.loc6
where firm_years.firm_id is not null
