-- Every release the warehouse has seen, with its derived status (docs/catalog.md, docs/marts.md).
select
    release_id,
    dataset,
    period,
    revision,
    city_codes as city_code,
    published_at,
    sha256,
    status,
    status_reason
from {{ ref('int_releases_classified') }}
order by release_id
