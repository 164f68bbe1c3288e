-- fct_data_quality, step staging, fdi_city checks per release: cell groups whose ownership
-- parts do not add up to the printed total (docs/catalog.md check) and cities the release no longer
-- supplies (a higher revision took them over). One row per (release_id, metric).
with

ownership_checks as (
    select
        release_id,
        'ownership_sum_inconsistent' as metric,
        count(*) filter (where not is_consistent) as row_count
    from {{ ref('int_fdi_city_ownership_checks') }}
    group by release_id
),

superseded_cities as (
    select
        release_id,
        'cities_superseded' as metric,
        count(*) filter (where not is_effective) as row_count
    from {{ ref('int_release_supply_chosen') }}
    where dataset = 'fdi_city'
    group by release_id
),

checks as (
    select * from ownership_checks
    union all
    select * from superseded_cities
)

select
    release_id,
    cast(null as string) as city_code,
    'staging' as step,
    metric,
    '' as detail,
    cast(row_count as double) as value,
    'F' as conf_status
from checks
