-- Every release an indicator cites is in dim_release and loaded (not superseded or
-- quarantined).
with

cited as (
    select distinct {{ split_to_rows('release_ids', ',') }} as release_id
    from {{ ref('fct_city_indicators') }}
)

select cited.release_id
from cited
left join {{ ref('dim_release') }} as releases on cited.release_id = releases.release_id
where releases.status is distinct from 'loaded'
