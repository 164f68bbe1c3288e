-- fct_data_quality, step staging: rows staged per release (ASIF firm-years and yearbook cells
-- of the effective release), exact duplicate rows removed, cells without a value, cells of a
-- table's all-industry total or mining / utilities sections (not kept), and printed labels the
-- seeds do not map. One row per (release_id, metric, detail).
with

staged_asif as (
    select
        release_id,
        count(*) as rows_staged,
        sum(duplicates_removed) as duplicates_removed
    from {{ ref('int_asif_firm_years_in_force') }}
    group by release_id
),

fdi_cells as (
    select * from {{ ref('int_fdi_city_cells_in_force') }}
),

staged_fdi as (
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
        'cells_out_of_scope' as metric,
        industry_name as detail,
        count(*) as row_count
    from fdi_cells
    where is_out_of_scope
    group by release_id, industry_name
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
)

select
    release_id,
    cast(null as string) as city_code,
    'staging' as step,
    'rows_staged' as metric,
    '' as detail,
    cast(rows_staged as double) as value,
    'F' as conf_status
from staged_asif
union all
select
    release_id,
    cast(null as string) as city_code,
    'staging' as step,
    'duplicates_removed' as metric,
    '' as detail,
    cast(duplicates_removed as double) as value,
    'F' as conf_status
from staged_asif
union all
select
    release_id,
    cast(null as string) as city_code,
    'staging' as step,
    metric,
    detail,
    cast(row_count as double) as value,
    'F' as conf_status
from staged_fdi
