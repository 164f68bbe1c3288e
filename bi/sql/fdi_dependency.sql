-- Foreign-invested dependency of ICT in Kunshan (320583) and Dongguan (441900): the share of
-- ICT value added (fdi_dependency_ict_va) and gross output (fdi_dependency_ict_output) of
-- firms registered as HMT or foreign ('total' = both, 'hmt', 'foreign'), and of firms whose
-- HMT + foreign capital is >= 25 % of paid-in capital ('cap25', ASIF only). The two sources
-- side by side: ASIF firm data (1998-2013) and city yearbooks (fdi_city, 2010-2020); they
-- overlap in 2010-2013.
select
    dependency.city_code,
    dim_city.name_en as city,
    dependency.indicator_id,
    dependency.breakdown,
    dependency.year,
    any_value(dependency.value) filter (where dependency.source = 'asif') as asif,
    any_value(dependency.value) filter (where dependency.source = 'fdi_city') as fdi_city,
    any_value(dependency.obs_status) filter (where dependency.source = 'asif') as asif_obs_status,
    any_value(dependency.obs_status) filter (
        where dependency.source = 'fdi_city'
    ) as fdi_city_obs_status,
    any_value(dependency.conf_status) filter (
        where dependency.source = 'asif'
    ) as asif_conf_status
from marts.fct_city_indicators as dependency
inner join marts.dim_city on dependency.city_code = dim_city.city_code
where
    dependency.indicator_id in ('fdi_dependency_ict_va', 'fdi_dependency_ict_output')
    and dependency.city_code in ('320583', '441900')
group by
    dependency.city_code,
    dim_city.name_en,
    dependency.indicator_id,
    dependency.breakdown,
    dependency.year
order by dependency.city_code, dependency.indicator_id, dependency.breakdown, dependency.year
