-- Every release the warehouse knows, with the derived status of docs/catalog.md: loaded |
-- superseded | quarantined. Catalog rejections whose id is valid count as quarantined.
with

releases as (
    select * from {{ ref('stg_ops__releases') }}
),

rejections as (
    select * from {{ ref('stg_ops__catalog_rejections') }}
),

supply as (
    select * from {{ ref('int_release_supply_chosen') }}
),

-- what supplies a release's superseded parts instead (NULL for the parts it supplies itself)
supply_parts as (
    select
        release_id,
        is_effective,
        case
            when not is_effective then coalesce(city_code || ' by ', '') || effective_release_id
        end as superseded_part
    from supply
),

release_supply as (
    select
        release_id,
        bool_or(is_effective) as supplies_anything,
        {{ sorted_distinct_list('superseded_part', ', ') }} as superseded_parts
    from supply_parts
    group by release_id
),

recorded_releases as (
    select
        releases.release_id,
        releases.dataset,
        releases.period,
        releases.revision,
        releases.city_codes,
        releases.published_at,
        releases.is_provisional,
        releases.sha256,
        case
            when releases.status = 'loaded' and not release_supply.supplies_anything
                then 'superseded'
            else releases.status
        end as status,
        case
            when releases.status = 'loaded' and not release_supply.supplies_anything
                then 'superseded: ' || release_supply.superseded_parts
            when releases.status = 'loaded' and release_supply.superseded_parts is not null
                then 'partly superseded: ' || release_supply.superseded_parts
            else releases.status_reason
        end as status_reason
    from releases
    left join release_supply on releases.release_id = release_supply.release_id
),

-- docs/catalog.md: a rejected entry with a valid id shows in dim_release as quarantined
rejected_entries as (
    select
        raw_release_id as release_id,
        {{ sorted_distinct_list("reason || coalesce(': ' || detail, '')", '; ') }} as status_reason
    from rejections
    where
        {{ full_match('raw_release_id', '[a-z0-9][a-z0-9_-]{0,63}') }}
        and raw_release_id not in (select releases.release_id from releases)
    group by raw_release_id
)

select
    release_id,
    dataset,
    period,
    revision,
    city_codes,
    published_at,
    is_provisional,
    sha256,
    status,
    status_reason
from recorded_releases
union all
select
    release_id,
    null as dataset,
    null as period,
    null as revision,
    null as city_codes,
    null as published_at,
    false as is_provisional,
    null as sha256,
    'quarantined' as status,
    status_reason
from rejected_entries
order by release_id
