-- docs/quality-gates.md: FDI dependency by registration type — the hmt and foreign breakdowns add
-- up to
-- the total (foreign-invested = HMT + foreign), for both measures and both sources.
with

shares as (
    select
        city_code,
        year,
        indicator_id,
        source,
        max(value) filter (where breakdown = 'total') as total_share,
        max(value) filter (where breakdown = 'hmt') as hmt_share,
        max(value) filter (where breakdown = 'foreign') as foreign_share
    from {{ ref('int_city_indicators') }}
    where indicator_id in ('fdi_dependency_ict_va', 'fdi_dependency_ict_output')
    group by city_code, year, indicator_id, source
)

select *
from shares
where
    total_share is not null
    and hmt_share is not null
    and foreign_share is not null
    and abs(hmt_share + foreign_share - total_share) > 1e-9
