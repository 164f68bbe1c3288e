-- Foreign-invested dependency of ICT in Kunshan (320583) and Dongguan (441900): the share of
-- ICT value added (fdi_dependency_ict_va) and gross output (fdi_dependency_ict_output) of
-- firms registered as HMT or foreign ('total' = both, 'hmt', 'foreign'), and of firms whose
-- HMT + foreign capital is >= 25 % of paid-in capital ('cap25', ASIF only). The two sources
-- side by side: ASIF firm data (1998-2013) and city yearbooks (fdi_city, 2010-2020); they
-- overlap in 2010-2013.
with

dependency as (
    select
        city_code,
        indicator_id,
        breakdown,
        year,
        source,
        value,
        obs_status,
        conf_status
    from marts.fct_city_indicators
    where
        indicator_id in ('fdi_dependency_ict_va', 'fdi_dependency_ict_output')
        and city_code in ('320583', '441900')
),

-- one column per source and field: asif_share_value, asif_obs_status, ..., fdi_city_conf_status
sources_side_by_side as (
    select *
    from dependency
    pivot (
        any_value(value) as share_value,
        any_value(obs_status) as obs_status,
        any_value(conf_status) as conf_status
        for source in ('asif', 'fdi_city')
    )
)

select
    sources_side_by_side.city_code,
    dim_city.name_en as city,
    sources_side_by_side.indicator_id,
    sources_side_by_side.breakdown,
    sources_side_by_side.year,
    sources_side_by_side.asif_share_value as asif,
    sources_side_by_side.fdi_city_share_value as fdi_city,
    sources_side_by_side.asif_obs_status,
    sources_side_by_side.fdi_city_obs_status,
    sources_side_by_side.asif_conf_status
from sources_side_by_side
inner join marts.dim_city on sources_side_by_side.city_code = dim_city.city_code
order by
    sources_side_by_side.city_code,
    sources_side_by_side.indicator_id,
    sources_side_by_side.breakdown,
    sources_side_by_side.year
