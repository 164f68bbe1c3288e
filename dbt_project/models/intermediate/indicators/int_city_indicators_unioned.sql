-- Every city indicator of both sources in one long form (the columns of
-- int_city_indicators_asif) with its source: the ASIF ICT indicators, the economic-geography
-- and GVC-sector indicators, and the yearbook indicators. int_city_indicators flags them.
-- The ict sector's rows are the ICT indicators themselves under the sector ids (ICT keeps
-- the definition by each year's vintage; docs/methodology.md#gvc-sectors).
with

asif_indicators as (
    select * from {{ ref('int_city_indicators_asif') }}
),

ict_sector_indicators as (
    select
        city_code,
        year,
        case indicator_id
            when 'ict_share_mfg_output' then 'sector_share_mfg_output'
            when 'fdi_dependency_ict_va' then 'fdi_dependency_sector_va'
            when 'fdi_dependency_ict_output' then 'fdi_dependency_sector_output'
            when 'export_intensity_ict' then 'export_intensity_sector'
            when 'ict_segment_share' then 'sector_segment_share'
        end as indicator_id,
        case when breakdown = 'total' then 'ict' else 'ict:' || breakdown end as breakdown,
        value,
        numerator,
        denominator,
        has_imputed_value_added,
        release_ids,
        disclosure_cells
    from asif_indicators
    where
        (
            indicator_id in ('ict_share_mfg_output', 'export_intensity_ict')
            and breakdown = 'total'
        )
        or (
            indicator_id in ('fdi_dependency_ict_va', 'fdi_dependency_ict_output')
            and breakdown in ('total', 'hmt', 'foreign')
        )
        or indicator_id = 'ict_segment_share'
)

select
    *,
    'asif' as source
from asif_indicators
union all
select
    *,
    'asif' as source
from ict_sector_indicators
union all
select
    *,
    'asif' as source
from {{ ref('int_city_indicators_geography') }}
union all
select
    *,
    'asif' as source
from {{ ref('int_city_indicators_sectors') }}
union all
select
    *,
    'fdi_city' as source
from {{ ref('int_city_indicators_fdi_city') }}
