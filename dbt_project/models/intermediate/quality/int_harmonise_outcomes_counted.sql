-- fct_data_quality, step harmonise, per ASIF release: rows kept and dropped per cleaning
-- rule, unmapped codes, how value added was obtained (method, ratio source), the yearbook
-- benchmark cells of the release's year by status, and firms linked into the panel by name,
-- city and industry. One row per (release_id, metric, detail).
with

screened as (
    select * from {{ ref('int_firm_years_screened') }}
),

firm_years as (
    select * from {{ ref('int_firm_years_value_added') }}
),

screening_outcomes as (
    select
        release_id,
        case when drop_reason is null then 'rows_kept' else 'rows_dropped' end as metric,
        coalesce(drop_reason, '') as detail,
        count(*) as row_count
    from screened
    group by all
),

unmapped_codes as (
    select
        release_id,
        'unmapped_code' as metric,
        case drop_reason
            when 'invalid_location_code' then 'location_code:' || coalesce(location_code, '')
            when 'unmapped_location_code' then 'location_code:' || loc6
            when 'unmapped_industry_code' then 'industry_code:' || coalesce(industry_code, '')
            when 'unmapped_registration_type'
                then 'registration_type:' || coalesce(registration_type, '')
        end as detail,
        count(*) as row_count
    from screened
    where
        drop_reason in (
            'invalid_location_code',
            'unmapped_location_code',
            'unmapped_industry_code',
            'unmapped_registration_type'
        )
    group by all
),

year_releases as (
    select distinct
        year,
        release_id
    from firm_years
),

value_added_methods as (
    select
        release_id,
        'value_added_method' as metric,
        va_method as detail,
        count(*) as row_count
    from firm_years
    group by release_id, va_method
    union all
    select
        release_id,
        'value_added_ratio_source' as metric,
        va_ratio_source as detail,
        count(*) as row_count
    from firm_years
    where va_ratio_source is not null
    group by release_id, va_ratio_source
    union all
    -- the yearbook benchmark cells of the release's year, by status (benchmarked or why not)
    select
        year_releases.release_id,
        'value_added_benchmark_cells' as metric,
        benchmarks.benchmark_status as detail,
        count(*) as row_count
    from {{ ref('int_value_added_benchmarks') }} as benchmarks
    inner join year_releases on benchmarks.year = year_releases.year
    group by year_releases.release_id, benchmarks.benchmark_status
),

panel_links as (
    select
        firm_years.release_id,
        'panel_links' as metric,
        'name_city_industry' as detail,
        count(*) as row_count
    from firm_years
    inner join {{ ref('int_firm_panel') }} as panel
        on
            firm_years.firm_id = panel.firm_id
            and firm_years.year = panel.first_year
    where panel.link_method = 'name_city_industry'
    group by firm_years.release_id
),

outcomes as (
    select * from screening_outcomes
    union all
    select * from unmapped_codes
    union all
    select * from value_added_methods
    union all
    select * from panel_links
)

select
    release_id,
    cast(null as string) as city_code,
    'harmonise' as step,
    metric,
    detail,
    cast(row_count as double) as value,
    'F' as conf_status
from outcomes
