-- The group-level economic-geography indicators with their unit and flags, before disclosure
-- is applied (the marts null C/D values when it is on). Flags as in int_city_indicators:
-- obs_flags lists B (ASIF break year), O (not computable), P (provisional release) in that
-- order, 'A' when none applies; obs_status is its first code.
with

indicators as (
    select * from {{ ref('int_group_indicator_values') }}
),

year_releases as (
    select
        year,
        release_id
    from {{ ref('int_year_asif_national_totals') }}
),

provisional_releases as (
    select release_id
    from {{ ref('stg_ops__releases') }}
    where is_provisional
),

break_years as (
    select distinct year
    from {{ ref('break_years') }}
    where dataset = 'asif'
),

definitions as (
    select
        indicator_id,
        unit
    from {{ ref('indicator_definitions') }}
),

flagged as (
    select
        indicators.city_code,
        indicators.year,
        indicators.industry_code,
        indicators.indicator_id,
        indicators.value,
        definitions.unit,
        concat_ws(
            ',',
            case when break_years.year is not null then 'B' end,
            case when indicators.value is null then 'O' end,
            case when provisional_releases.release_id is not null then 'P' end
        ) as flag_codes,
        coalesce(indicators.conf_status, 'F') as conf_status,
        year_releases.release_id as release_ids
    from indicators
    inner join year_releases on indicators.year = year_releases.year
    left join provisional_releases on year_releases.release_id = provisional_releases.release_id
    left join break_years on indicators.year = break_years.year
    left join definitions on indicators.indicator_id = definitions.indicator_id
)

select
    city_code,
    year,
    'group' as industry_level,
    industry_code,
    indicator_id,
    value,
    unit,
    {{ obs_status_columns('flag_codes') }},
    conf_status,
    release_ids
from flagged
