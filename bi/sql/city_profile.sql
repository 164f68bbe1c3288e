-- Any city's profile: one row per year and source with every headline indicator of the city.
-- Suppressed (C/D) or not computable (O) values are NULL; `suppressed` lists the indicators
-- withheld by disclosure control and `breaks` those with a break in series (obs_status B).
--
-- Choose the city before running (6-digit 2010 GB/T 2260 code, see marts.dim_city):
--     set variable city_code = '441900';
-- Without it the profile is Kunshan's (320583).
with

chosen as (
    select coalesce(getvariable('city_code'), '320583') as city_code
),

indicators as (
    select
        fct.city_code,
        fct.year,
        fct.source,
        fct.indicator_id,
        fct.value,
        fct.obs_status,
        fct.conf_status
    from marts.fct_city_indicators as fct
    inner join chosen on fct.city_code = chosen.city_code
    where fct.breakdown = 'total'
)

select
    indicators.city_code,
    dim_city.name_en as city,
    dim_city.name_zh as city_zh,
    dim_city.level,
    indicators.year,
    indicators.source,
    any_value(indicators.value) filter (where indicators.indicator_id = 'mfg_output') as mfg_output,
    any_value(indicators.value) filter (where indicators.indicator_id = 'ict_output') as ict_output,
    any_value(indicators.value) filter (
        where indicators.indicator_id = 'ict_share_mfg_output'
    ) as ict_share_mfg_output,
    any_value(indicators.value) filter (
        where indicators.indicator_id = 'fdi_dependency_ict_va'
    ) as fdi_dependency_ict_va,
    any_value(indicators.value) filter (
        where indicators.indicator_id = 'fdi_dependency_ict_output'
    ) as fdi_dependency_ict_output,
    any_value(indicators.value) filter (
        where indicators.indicator_id = 'export_intensity_ict'
    ) as export_intensity_ict,
    any_value(indicators.value) filter (
        where indicators.indicator_id = 'va_ratio_ict'
    ) as va_ratio_ict,
    any_value(indicators.value) filter (
        where indicators.indicator_id = 'top4_share_ict'
    ) as top4_share_ict,
    any_value(indicators.value) filter (where indicators.indicator_id = 'hhi_mfg') as hhi_mfg,
    any_value(indicators.value) filter (where indicators.indicator_id = 'lq_ict') as lq_ict,
    any_value(indicators.value) filter (where indicators.indicator_id = 'firms_ict') as firms_ict,
    any_value(indicators.value) filter (
        where indicators.indicator_id = 'entry_rate_ict'
    ) as entry_rate_ict,
    any_value(indicators.value) filter (
        where indicators.indicator_id = 'exit_rate_ict'
    ) as exit_rate_ict,
    string_agg(indicators.indicator_id, ',' order by indicators.indicator_id) filter (
        where indicators.conf_status in ('C', 'D')
    ) as suppressed,
    string_agg(indicators.indicator_id, ',' order by indicators.indicator_id) filter (
        where indicators.obs_status = 'B'
    ) as breaks
from indicators
inner join marts.dim_city on indicators.city_code = dim_city.city_code
group by
    indicators.city_code,
    dim_city.name_en,
    dim_city.name_zh,
    dim_city.level,
    indicators.year,
    indicators.source
order by indicators.year, indicators.source
