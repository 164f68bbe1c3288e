-- Whether top4_share_ict may be published for a city unit and year without narrowing a
-- primary-suppressed value. The four largest ICT firms produce at least any ICT cell with at
-- most four (crosswalk-weighted) firms — division 39 or an ICT segment, any ownership — so
-- the share times ICT output is an upper bound on each such cell. When that bound falls short
-- of a primary gross-output value plus its protection level, the share is hidden ('D' for the
-- id 'derived/ict_top4_bound@gross_output' that top4_share_ict lists in indicator_measures);
-- else 'F'.
with

ict_top4 as (
    select
        city_code,
        year,
        ict_top4_gross_output
    from {{ ref('int_city_year_asif_totals') }}
),

small_ict_cells as (
    select
        cells.city_code,
        cells.year,
        cells.cell_id
    from {{ ref('int_asif_industry_cells') }} as cells
    where
        cells.unit_kind = 'unit'
        and cells.firms <= 4
        and (
            cells.industry_level = 'ict_segment'
            or (cells.industry_level = 'division' and cells.industry_code = '39')
        )
),

bounded_primary_values as (
    select
        small_ict_cells.city_code,
        small_ict_cells.year,
        audit_inputs.value + audit_inputs.protection as reach_needed
    from small_ict_cells
    inner join {{ ref('int_asif_industry_cells_audit_inputs') }} as audit_inputs
        on small_ict_cells.cell_id = audit_inputs.cell_id
    where audit_inputs.magnitude = 'gross_output' and audit_inputs.audit_status = 'C'
)

select
    ict_top4.city_code,
    ict_top4.year,
    'derived/ict_top4_bound@gross_output' as cell_id,
    case
        when
            count(bounded_primary_values.reach_needed) filter (
                where bounded_primary_values.reach_needed > ict_top4.ict_top4_gross_output
            ) > 0
            then 'D'
        else 'F'
    end as conf_status
from ict_top4
left join bounded_primary_values
    on
        ict_top4.city_code = bounded_primary_values.city_code
        and ict_top4.year = bounded_primary_values.year
group by ict_top4.city_code, ict_top4.year
