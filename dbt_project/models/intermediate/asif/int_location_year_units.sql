-- The city units each 6-digit location code seen in a survey year counts toward (docs/marts.md):
-- admin_code_map's 2010-vintage units, preferring mappings valid in that year and otherwise
-- the nearest validity window (a stale code after a recoding still finds its city). A code
-- may count toward several units (Kunshan's 320583 toward 320583 and Suzhou 320500).
-- 'remainder' rows put codes of a parent unit that fall in none of its county-level units
-- into the parent's unpublished remainder (Suzhou without Kunshan): disclosure control needs
-- it, being the difference of two published cells. Computed once per code and year, not per
-- firm, so the firm-level models only join it.
with

location_years as (
    select distinct
        year,
        loc6
    from {{ ref('int_asif_firm_years_in_force') }}
    where loc6 is not null
),

admin_codes as (
    select
        admin_code,
        city_code,
        coalesce(valid_from, 0) as valid_from,
        coalesce(valid_to, 9999) as valid_to
    from {{ ref('admin_code_map') }}
),

cities as (
    select
        city_code,
        level,
        parent_code
    from {{ ref('cities') }}
),

candidate_units as (
    select
        location_years.year,
        location_years.loc6,
        admin_codes.city_code,
        greatest(
            admin_codes.valid_from - location_years.year,
            location_years.year - admin_codes.valid_to,
            0
        ) as years_outside_validity
    from location_years
    inner join admin_codes on location_years.loc6 = admin_codes.admin_code
),

units as (
    select
        candidate_units.year,
        candidate_units.loc6,
        candidate_units.city_code,
        'unit' as unit_kind,
        candidate_units.years_outside_validity,
        -- the most specific unit (Kunshan rather than Suzhou) is a firm's own city
        row_number() over (
            partition by candidate_units.year, candidate_units.loc6
            order by (cities.level = 'county_city') desc, candidate_units.city_code asc
        ) = 1 as is_primary_unit
    from candidate_units
    left join cities on candidate_units.city_code = cities.city_code
    qualify
        candidate_units.years_outside_validity
        = min(candidate_units.years_outside_validity) over (
            partition by candidate_units.year, candidate_units.loc6
        )
),

child_units as (
    select
        city_code,
        parent_code
    from cities
    where level = 'county_city'
),

remainders as (
    select
        parents.year,
        parents.loc6,
        parents.city_code,
        'remainder' as unit_kind,
        parents.years_outside_validity,
        false as is_primary_unit
    from units as parents
    where
        parents.city_code in (select child_units.parent_code from child_units)
        and not exists (
            select 1
            from units as children
            inner join child_units on children.city_code = child_units.city_code
            where
                children.year = parents.year
                and children.loc6 = parents.loc6
                and child_units.parent_code = parents.city_code
        )
)

select * from units
union all
select * from remainders
