-- Which loaded release supplies each (dataset, period[, city]) — the supersession rule of
-- docs/catalog.md: for asif the highest revision of a period wins; for fdi_city the highest loaded
-- revision supplying a city wins that city. Quarantined releases never supply anything, so a
-- quarantined higher revision leaves the lower one in force. int_asif_firm_years_in_force
-- and int_fdi_city_cells_in_force keep the effective releases' rows of the staged tables.
with

releases as (
    select * from {{ ref('stg_ops__releases') }}
),

loaded_releases as (
    select
        release_id,
        dataset,
        period,
        revision
    from releases
    where status = 'loaded'
),

file_cities as (
    select distinct
        release_id,
        city_code
    from {{ ref('stg_ops__release_files') }}
    where city_code is not null
),

listed_city_items as (
    select
        release_id,
        {{ split_to_rows('city_codes', ',') }} as city_code
    from releases
    where city_codes is not null
),

-- the release's own list covers releases whose file rows carry no city
listed_cities as (
    select distinct
        release_id,
        trim(city_code) as city_code
    from listed_city_items
),

release_cities as (
    select
        release_id,
        city_code
    from file_cities
    union
    select
        release_id,
        city_code
    from listed_cities
),

supply as (
    select
        loaded_releases.release_id,
        loaded_releases.dataset,
        loaded_releases.period,
        loaded_releases.revision,
        release_cities.city_code
    from loaded_releases
    left join release_cities
        on
            loaded_releases.release_id = release_cities.release_id
            and loaded_releases.dataset = 'fdi_city'
),

ranked_supply as (
    select
        release_id,
        dataset,
        period,
        revision,
        city_code,
        -- ties on revision (two ids for one period) resolve to the larger id, deterministically
        first_value(release_id) over (
            partition by dataset, period, coalesce(city_code, '')
            order by revision desc, release_id desc
        ) as effective_release_id
    from supply
)

select
    release_id,
    dataset,
    period,
    revision,
    city_code,
    effective_release_id,
    release_id = effective_release_id as is_effective
from ranked_supply
order by dataset, period, city_code, release_id
