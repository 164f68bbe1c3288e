-- docs/marts.md, docs/methodology.md (GVC sectors): the ict sector of the sector_* indicators
-- is today's ICT. For every city and year each ict sector row of fct_city_indicators equals
-- its ICT id, and each ICT id of the five has its ict sector row: the same value (within
-- 1e-12 relative; both NULL when suppressed or not computable), conf_status and obs_flags.
--   sector_share_mfg_output      ict            ict_share_mfg_output       total
--   fdi_dependency_sector_va     ict, ict:<o>   fdi_dependency_ict_va      total, hmt, foreign
--   fdi_dependency_sector_output ict, ict:<o>   fdi_dependency_ict_output  total, hmt, foreign
--   export_intensity_sector      ict            export_intensity_ict       total
--   sector_segment_share         ict:<segment>  ict_segment_share          <segment>
with

indicators as (
    select
        city_code,
        year,
        indicator_id,
        breakdown,
        value,
        conf_status,
        obs_flags
    from {{ ref('fct_city_indicators') }}
    where source = 'asif'
),

ict_rows as (
    select *
    from indicators
    where
        indicator_id in (
            'ict_share_mfg_output', 'fdi_dependency_ict_va', 'fdi_dependency_ict_output',
            'export_intensity_ict', 'ict_segment_share'
        )
        and breakdown not in ('threshold_20m', 'cap25')
),

-- the ict sector rows under the id and breakdown of the ICT row they equal
sector_rows as (
    select
        city_code,
        year,
        replace(indicator_id, 'sector', 'ict') as indicator_id,
        case when breakdown = 'ict' then 'total' else substring(breakdown, 5) end as breakdown,
        value,
        conf_status,
        obs_flags
    from indicators
    where
        indicator_id in (
            'sector_share_mfg_output', 'fdi_dependency_sector_va',
            'fdi_dependency_sector_output', 'export_intensity_sector', 'sector_segment_share'
        )
        and (breakdown = 'ict' or breakdown like 'ict:%')
)

select
    coalesce(ict_rows.city_code, sector_rows.city_code) as city_code,
    coalesce(ict_rows.year, sector_rows.year) as year,
    coalesce(ict_rows.indicator_id, sector_rows.indicator_id) as indicator_id,
    coalesce(ict_rows.breakdown, sector_rows.breakdown) as breakdown,
    ict_rows.value as ict_value,
    sector_rows.value as sector_value,
    ict_rows.conf_status as ict_conf_status,
    sector_rows.conf_status as sector_conf_status,
    ict_rows.obs_flags as ict_obs_flags,
    sector_rows.obs_flags as sector_obs_flags
from ict_rows
full outer join sector_rows
    on
        ict_rows.city_code = sector_rows.city_code
        and ict_rows.year = sector_rows.year
        and ict_rows.indicator_id = sector_rows.indicator_id
        and ict_rows.breakdown = sector_rows.breakdown
where
    ict_rows.city_code is null
    or sector_rows.city_code is null
    or ict_rows.conf_status <> sector_rows.conf_status
    or ict_rows.obs_flags <> sector_rows.obs_flags
    or (ict_rows.value is null) <> (sector_rows.value is null)
    or abs(ict_rows.value - sector_rows.value)
    > 1e-12 * greatest(abs(ict_rows.value), abs(sector_rows.value))
