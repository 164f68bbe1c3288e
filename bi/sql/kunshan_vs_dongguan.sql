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
        city_code,
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
)

select
    series.indicator_id,
    dim_indicator.title,
    series.breakdown,
    series.source,
    series.year,
    any_value(series.value) filter (where series.city_code = '320583') as kunshan,
    any_value(series.value) filter (where series.city_code = '441900') as dongguan,
    any_value(series.obs_status) filter (where series.city_code = '320583') as kunshan_obs_status,
    any_value(series.obs_status) filter (
        where series.city_code = '441900'
    ) as dongguan_obs_status,
    any_value(series.conf_status) filter (
        where series.city_code = '320583'
    ) as kunshan_conf_status,
    any_value(series.conf_status) filter (
        where series.city_code = '441900'
    ) as dongguan_conf_status
from series
inner join marts.dim_indicator on series.indicator_id = dim_indicator.indicator_id
group by series.indicator_id, dim_indicator.title, series.breakdown, series.source, series.year
order by series.indicator_id, series.breakdown, series.source, series.year
