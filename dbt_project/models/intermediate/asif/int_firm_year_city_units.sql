-- The city units each staged ASIF firm-year counts toward: its location code's units in that
-- year (int_location_year_units), including the unpublished remainders disclosure control
-- uses.
select
    firm_years.year,
    firm_years.firm_id,
    location_units.city_code,
    location_units.unit_kind,
    location_units.years_outside_validity,
    location_units.is_primary_unit
from {{ ref('stg_asif__firm_years') }} as firm_years
inner join {{ ref('int_location_year_units') }} as location_units
    on
        firm_years.year = location_units.year
        and firm_years.loc6 = location_units.loc6
where firm_years.firm_id is not null
