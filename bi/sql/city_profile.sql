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
),

-- one column per headline indicator, named by its id
headline as (
    select *
    from (
        select
            city_code,
            year,
            source,
            indicator_id,
            value
        from indicators
    ) as indicator_values
    pivot (
        any_value(value)
        for indicator_id in (
            'mfg_output',
            'ict_output',
            'ict_share_mfg_output',
            'fdi_dependency_ict_va',
            'fdi_dependency_ict_output',
            'export_intensity_ict',
            'va_ratio_ict',
            'top4_share_ict',
            'hhi_mfg',
            'lq_ict',
            'firms_ict',
            'entry_rate_ict',
            'exit_rate_ict'
        )
    )
),

withheld as (
    select
        city_code,
        year,
        source,
        string_agg(indicator_id, ',' order by indicator_id) filter (
            where conf_status in ('C', 'D')
        ) as suppressed,
        string_agg(indicator_id, ',' order by indicator_id) filter (
            where obs_status = 'B'
        ) as breaks
    from indicators
    group by city_code, year, source
)

select
    headline.city_code,
    dim_city.name_en as city,
    dim_city.name_zh as city_zh,
    dim_city.level,
    headline.year,
    headline.source,
    headline.mfg_output,
    headline.ict_output,
    headline.ict_share_mfg_output,
    headline.fdi_dependency_ict_va,
    headline.fdi_dependency_ict_output,
    headline.export_intensity_ict,
    headline.va_ratio_ict,
    headline.top4_share_ict,
    headline.hhi_mfg,
    headline.lq_ict,
    headline.firms_ict,
    headline.entry_rate_ict,
    headline.exit_rate_ict,
    withheld.suppressed,
    withheld.breaks
from headline
inner join withheld
    on
        headline.city_code = withheld.city_code
        and headline.year = withheld.year
        and headline.source = withheld.source
inner join marts.dim_city on headline.city_code = dim_city.city_code
order by headline.year, headline.source
