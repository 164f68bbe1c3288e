-- What happened to every release on its way to the marts — no silent drops (domain/asif.md
-- §5.3). Long form, one row per (release_id, city_code, step, metric, detail):
--   raw       rows_read (every release in raw.*, superseded ones included);
--   ingest    ops.ingest_stats as ingestion measured it (summed over the release's files);
--   staging   rows_staged, duplicates_removed (exact duplicate rows), fdi cells without a value,
--             cities_superseded, unmapped_label, ownership_sum_inconsistent (DESIGN §4 check);
--   harmonise rows_kept, rows_dropped per cleaning rule, unmapped_code per code,
--             value_added_method, value_added_ratio_source, panel_links;
--   city-year (city_code set) firms, firms_value_added_imputed_share and
--             value_added_imputed_share (share of the city's value added that is imputed;
--             disclosure-controlled like any magnitude).
with

releases as (
    select
        release_id,
        dataset,
        period
    from {{ ref('stg_ops__releases') }}
),

raw_rows as (
    select
        release_id,
        count(*) as rows_read
    from {{ source('raw', 'asif') }}
    group by release_id
    union all
    select
        release_id,
        count(*) as rows_read
    from {{ source('raw', 'fdi_city') }}
    group by release_id
),

ingest_stats as (
    select
        release_id,
        metric,
        coalesce(detail, '') as detail,
        sum(value) as value
    from {{ source('ops', 'ingest_stats') }}
    group by release_id, metric, coalesce(detail, '')
),

staged_asif as (
    select
        release_id,
        count(*) as rows_staged,
        sum(duplicates_removed) as duplicates_removed
    from {{ ref('stg_asif__firm_years') }}
    group by release_id
),

screened as (
    select * from {{ ref('int_firm_years_screened') }}
),

dropped_rows as (
    select
        release_id,
        coalesce(drop_reason, 'kept') as outcome,
        count(*) as row_count
    from screened
    group by release_id, coalesce(drop_reason, 'kept')
),

unmapped_codes as (
    select
        release_id,
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

firm_years as (
    select * from {{ ref('int_firm_years_value_added') }}
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
        count(*) as row_count
    from firm_years
    inner join {{ ref('int_firm_panel') }} as panel
        on
            firm_years.firm_id = panel.firm_id
            and firm_years.year = panel.first_year
    where panel.link_method = 'name_city_industry'
    group by firm_years.release_id
),

fdi_cells as (
    select * from {{ ref('stg_fdi_city__cells') }}
),

fdi_staging as (
    select
        release_id,
        'rows_staged' as metric,
        '' as detail,
        count(*) as row_count
    from fdi_cells
    group by release_id
    union all
    select
        release_id,
        'cells_without_value' as metric,
        '' as detail,
        count(*) as row_count
    from fdi_cells
    where value_thousand_yuan is null
    group by release_id
    union all
    select
        release_id,
        'unmapped_label' as metric,
        case
            when ownership is null then 'ownership:' || coalesce(printed_ownership, '')
            when measure is null then 'measure:' || coalesce(printed_measure, '')
            when to_thousand_yuan is null then 'unit:' || coalesce(printed_unit, '')
            else 'industry:' || coalesce(industry_name, printed_industry_code, '')
        end as detail,
        count(*) as row_count
    from fdi_cells
    where ownership is null or measure is null or to_thousand_yuan is null or industry_code is null
    group by all
    union all
    select
        release_id,
        'ownership_sum_inconsistent' as metric,
        '' as detail,
        count(*) filter (where not is_consistent) as row_count
    from {{ ref('int_fdi_city_ownership_checks') }}
    group by release_id
    union all
    select
        release_id,
        'cities_superseded' as metric,
        '' as detail,
        count(*) filter (where not is_effective) as row_count
    from {{ ref('stg_ops__release_supply') }}
    where dataset = 'fdi_city'
    group by release_id
),

release_metrics as (
    select
        release_id,
        'raw' as step,
        'rows_read' as metric,
        '' as detail,
        cast(rows_read as double) as value
    from raw_rows
    union all
    select
        release_id,
        'ingest' as step,
        metric,
        detail,
        value
    from ingest_stats
    union all
    select
        release_id,
        'staging' as step,
        'rows_staged' as metric,
        '' as detail,
        cast(rows_staged as double) as value
    from staged_asif
    union all
    select
        release_id,
        'staging' as step,
        'duplicates_removed' as metric,
        '' as detail,
        cast(duplicates_removed as double) as value
    from staged_asif
    union all
    select
        release_id,
        'staging' as step,
        metric,
        detail,
        cast(row_count as double) as value
    from fdi_staging
    union all
    select
        release_id,
        'harmonise' as step,
        case when outcome = 'kept' then 'rows_kept' else 'rows_dropped' end as metric,
        case when outcome = 'kept' then '' else outcome end as detail,
        cast(row_count as double) as value
    from dropped_rows
    union all
    select
        release_id,
        'harmonise' as step,
        'unmapped_code' as metric,
        detail,
        cast(row_count as double) as value
    from unmapped_codes
    union all
    select
        release_id,
        'harmonise' as step,
        metric,
        detail,
        cast(row_count as double) as value
    from value_added_methods
    union all
    select
        release_id,
        'harmonise' as step,
        'panel_links' as metric,
        'name_city_industry' as detail,
        cast(row_count as double) as value
    from panel_links
),

city_year_value_added as (
    select
        units.city_code,
        firm_years.year,
        min(firm_years.release_id) as release_id,
        count(*) as firms,
        count(*) filter (where firm_years.va_method <> 'reported') as firms_imputed,
        sum(firm_years.value_added) filter (
            where firm_years.va_method <> 'reported'
        ) as value_added_imputed,
        sum(firm_years.value_added) as value_added
    from firm_years
    inner join {{ ref('int_firm_year_city_units') }} as units
        on
            firm_years.year = units.year
            and firm_years.firm_id = units.firm_id
    where units.unit_kind = 'unit'
    group by units.city_code, firm_years.year
),

imputation_disclosure as (
    select
        city_code,
        year,
        case
            when bool_or(conf_status = 'C') then 'C'
            when bool_or(conf_status = 'D') then 'D'
            else 'F'
        end as conf_status
    from {{ ref('int_derived_disclosure_cells') }}
    where population in ('va_imputed', 'va_reported')
    group by city_code, year
),

city_year_metrics as (
    select
        city_year_value_added.release_id,
        city_year_value_added.city_code,
        'city_year' as step,
        'firms' as metric,
        '' as detail,
        cast(city_year_value_added.firms as double) as value,
        'F' as conf_status
    from city_year_value_added
    union all
    select
        city_year_value_added.release_id,
        city_year_value_added.city_code,
        'city_year' as step,
        'firms_value_added_imputed_share' as metric,
        '' as detail,
        {{ ratio('city_year_value_added.firms_imputed', 'city_year_value_added.firms') }} as value,
        'F' as conf_status
    from city_year_value_added
    union all
    select
        city_year_value_added.release_id,
        city_year_value_added.city_code,
        'city_year' as step,
        'value_added_imputed_share' as metric,
        '' as detail,
        {{ ratio(
            'coalesce(city_year_value_added.value_added_imputed, 0)',
            'city_year_value_added.value_added'
        ) }} as value,
        coalesce(imputation_disclosure.conf_status, 'F') as conf_status
    from city_year_value_added
    left join imputation_disclosure
        on
            city_year_value_added.city_code = imputation_disclosure.city_code
            and city_year_value_added.year = imputation_disclosure.year
),

all_metrics as (
    select
        release_id,
        null as city_code,
        step,
        metric,
        detail,
        value,
        'F' as conf_status
    from release_metrics
    union all
    select
        release_id,
        city_code,
        step,
        metric,
        detail,
        value,
        conf_status
    from city_year_metrics
)

select
    all_metrics.release_id,
    releases.dataset,
    releases.period as year,
    all_metrics.city_code,
    all_metrics.step,
    all_metrics.metric,
    all_metrics.detail,
    {{ disclosed('all_metrics.value', 'all_metrics.conf_status') }} as value,
    all_metrics.conf_status
from all_metrics
left join releases on all_metrics.release_id = releases.release_id
order by
    all_metrics.release_id,
    all_metrics.city_code nulls first,
    all_metrics.step,
    all_metrics.metric,
    all_metrics.detail
