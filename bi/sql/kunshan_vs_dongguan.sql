-- Kunshan (320583) vs Dongguan (441900): the seed's headline series side by side, one row per
-- indicator, breakdown, source and year. ICT share of manufacturing output (all firms, and
-- firms with sales >= 20 million yuan, comparable across the 2011 threshold change) and the
-- foreign-invested (HMT + foreign) share of ICT value added and output. NULL = suppressed
-- (conf_status C/D) or not computable (obs_status O); obs_status B marks a series break.
with

series as (
    select
        indicator_id,
        breakdown,
        source,
        year,
        case city_code when '320583' then 'kunshan' when '441900' then 'dongguan' end as city,
        value,
        obs_status,
        conf_status
    from marts.fct_city_indicators
    where
        city_code in ('320583', '441900')
        and (
            (indicator_id = 'ict_share_mfg_output' and breakdown in ('total', 'threshold_20m'))
            or (
                indicator_id in ('fdi_dependency_ict_va', 'fdi_dependency_ict_output')
                and breakdown = 'total'
            )
        )
),

-- one column per city and field: kunshan_share_value, kunshan_obs_status, ..., dongguan_conf_status
cities_side_by_side as (
    select *
    from series
    pivot (
        any_value(value) as share_value,
        any_value(obs_status) as obs_status,
        any_value(conf_status) as conf_status
        for city in ('kunshan', 'dongguan')
    )
)

select
    cities_side_by_side.indicator_id,
    dim_indicator.title,
    cities_side_by_side.breakdown,
    cities_side_by_side.source,
    cities_side_by_side.year,
    cities_side_by_side.kunshan_share_value as kunshan,
    cities_side_by_side.dongguan_share_value as dongguan,
    cities_side_by_side.kunshan_obs_status,
    cities_side_by_side.dongguan_obs_status,
    cities_side_by_side.kunshan_conf_status,
    cities_side_by_side.dongguan_conf_status
from cities_side_by_side
inner join marts.dim_indicator on cities_side_by_side.indicator_id = dim_indicator.indicator_id
order by
    cities_side_by_side.indicator_id,
    cities_side_by_side.breakdown,
    cities_side_by_side.source,
    cities_side_by_side.year
