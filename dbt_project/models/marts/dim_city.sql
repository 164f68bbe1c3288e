-- City units of the marts (docs/marts.md): every prefecture and municipality of the 2010 GB/T
-- 2260 list plus Kunshan as a county-level city of its own.
select
    city_code,
    name_zh,
    name_en,
    level,
    nullif(parent_code, '') as parent_code
from {{ ref('cities') }}
order by city_code
