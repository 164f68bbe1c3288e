-- Every ASIF indicator of DESIGN §5 per published city unit, year and breakdown, in long
-- form: the exact numerator and denominator, the value computed once from them (DOUBLE),
-- whether any value added in it is imputed (E), the releases it comes from and the cells
-- whose disclosure status it inherits (ids of int_disclosure_cell_status).
with

totals as (
    select * from {{ ref('int_city_year_asif_totals') }}
),

national_totals as (
    select * from {{ ref('int_year_asif_national_totals') }}
),

entry_exit as (
    select * from {{ ref('int_city_year_ict_entry_exit') }}
),

published_cells as (
    select
        city_code,
        year,
        industry_level,
        industry_code,
        gross_output
    from {{ ref('int_asif_industry_cells') }}
    where unit_kind = 'unit' and ownership = 'total'
),

segments as (
    select distinct segment from {{ ref('ict_segment_map') }}
),

manufacturing_divisions as (
    select code
    from {{ ref('industry_codes') }}
    where vintage = '2011' and level = 'division' and is_manufacturing
),

levels as (
    select
        city_code,
        year,
        'mfg_output' as indicator_id,
        'total' as breakdown,
        mfg_gross_output as numerator,
        null as denominator,
        false as has_imputed_value_added,
        release_ids,
        ['division/C/total'] as disclosure_cells
    from totals
    union all
    select
        city_code,
        year,
        'ict_output' as indicator_id,
        'total' as breakdown,
        ict_gross_output as numerator,
        null as denominator,
        false as has_imputed_value_added,
        release_ids,
        ['division/39/total'] as disclosure_cells
    from totals
    union all
    select
        city_code,
        year,
        'firms_ict' as indicator_id,
        'total' as breakdown,
        ict_firms as numerator,
        null as denominator,
        false as has_imputed_value_added,
        release_ids,
        cast([] as varchar[]) as disclosure_cells
    from totals
),

ict_shares as (
    select
        city_code,
        year,
        'ict_share_mfg_output' as indicator_id,
        'total' as breakdown,
        ict_gross_output as numerator,
        mfg_gross_output as denominator,
        false as has_imputed_value_added,
        release_ids,
        ['division/39/total', 'division/C/total', 'derived/mfg_not_ict'] as disclosure_cells
    from totals
    union all
    select
        city_code,
        year,
        'ict_share_mfg_output' as indicator_id,
        'threshold_20m' as breakdown,
        ict_gross_output_sales_20m as numerator,
        mfg_gross_output_sales_20m as denominator,
        false as has_imputed_value_added,
        release_ids,
        [
            'derived/ict_sales_20m', 'derived/mfg_sales_20m', 'derived/mfg_sales_20m_not_ict'
        ] as disclosure_cells
    from totals
),

segment_shares as (
    select
        totals.city_code,
        totals.year,
        'ict_segment_share' as indicator_id,
        segments.segment as breakdown,
        coalesce(segment_cells.gross_output, 0) as numerator,
        totals.ict_gross_output as denominator,
        false as has_imputed_value_added,
        totals.release_ids,
        [
            'ict_segment/' || segments.segment || '/total',
            'division/39/total',
            'derived/ict_not_' || segments.segment
        ] as disclosure_cells
    from totals
    cross join segments
    left join published_cells as segment_cells
        on
            totals.city_code = segment_cells.city_code
            and totals.year = segment_cells.year
            and segment_cells.industry_level = 'ict_segment'
            and segments.segment = segment_cells.industry_code
),

-- FDI dependency on value added and on gross output, by registration type and capital share
fdi_dependency as (
    select
        totals.city_code,
        totals.year,
        'fdi_dependency_ict_' || measures.measure as indicator_id,
        breakdowns.breakdown,
        case breakdowns.breakdown
            when 'total'
                then
                    case measures.measure
                        when 'va' then totals.ict_value_added_hmt + totals.ict_value_added_foreign
                        else totals.ict_gross_output_hmt + totals.ict_gross_output_foreign
                    end
            when 'hmt'
                then
                    case measures.measure
                        when 'va' then totals.ict_value_added_hmt
                        else totals.ict_gross_output_hmt
                    end
            when 'foreign'
                then
                    case measures.measure
                        when 'va' then totals.ict_value_added_foreign
                        else totals.ict_gross_output_foreign
                    end
            when 'cap25'
                then
                    case measures.measure
                        when 'va' then totals.ict_value_added_cap25
                        else totals.ict_gross_output_cap25
                    end
        end as numerator,
        case measures.measure
            when 'va' then totals.ict_value_added
            else totals.ict_gross_output
        end as denominator,
        measures.measure = 'va' and totals.ict_has_imputed_va as has_imputed_value_added,
        totals.release_ids,
        case breakdowns.breakdown
            when 'total'
                then ['derived/ict_fie', 'division/39/total', 'division/39/domestic']
            when 'hmt'
                then ['division/39/hmt', 'division/39/total', 'derived/ict_not_hmt']
            when 'foreign'
                then ['division/39/foreign', 'division/39/total', 'derived/ict_not_foreign']
            when 'cap25'
                then ['derived/ict_cap25', 'division/39/total', 'derived/ict_not_cap25']
        end as disclosure_cells
    from totals
    cross join (values ('va'), ('output')) as measures (measure)
    cross join (values ('total'), ('hmt'), ('foreign'), ('cap25')) as breakdowns (breakdown)
),

ict_ratios as (
    select
        city_code,
        year,
        'export_intensity_ict' as indicator_id,
        'total' as breakdown,
        ict_export_value as numerator,
        ict_gross_output as denominator,
        false as has_imputed_value_added,
        release_ids,
        ['division/39/total'] as disclosure_cells
    from totals
    union all
    select
        city_code,
        year,
        'va_ratio_ict' as indicator_id,
        'total' as breakdown,
        ict_value_added as numerator,
        ict_gross_output as denominator,
        ict_has_imputed_va as has_imputed_value_added,
        release_ids,
        ['division/39/total'] as disclosure_cells
    from totals
    union all
    select
        city_code,
        year,
        'top4_share_ict' as indicator_id,
        'total' as breakdown,
        -- not computable below four firms
        case when ict_firms >= 4 then ict_top4_gross_output end as numerator,
        case when ict_firms >= 4 then ict_gross_output end as denominator,
        false as has_imputed_value_added,
        release_ids,
        ['derived/ict_top4', 'division/39/total', 'derived/ict_not_top4'] as disclosure_cells
    from totals
),

-- squares of exact division sums, still exact: DECIMAL(38, 3)² fits DECIMAL(38, 6)
hhi_terms as (
    select
        city_code,
        year,
        sum(division_output * division_output) as sum_squared_output,
        sum(division_output) as mfg_gross_output
    from (
        select
            city_code,
            year,
            cast(round(gross_output, 3) as decimal(38, 3)) as division_output
        from published_cells
        where
            industry_level = 'division'
            and industry_code in (
                select manufacturing_divisions.code from manufacturing_divisions
            )
    ) as divisions
    group by city_code, year
),

structure as (
    select
        totals.city_code,
        totals.year,
        'hhi_mfg' as indicator_id,
        'total' as breakdown,
        hhi_terms.sum_squared_output as numerator,
        hhi_terms.mfg_gross_output * hhi_terms.mfg_gross_output as denominator,
        false as has_imputed_value_added,
        totals.release_ids,
        ['derived/hhi_mfg'] as disclosure_cells
    from totals
    left join hhi_terms
        on
            totals.city_code = hhi_terms.city_code
            and totals.year = hhi_terms.year
),

-- (city ICT / city mfg) / (national ICT / national mfg), as one exact fraction
location_quotients as (
    select
        totals.city_code,
        totals.year,
        'lq_ict' as indicator_id,
        'total' as breakdown,
        totals.ict_gross_output * national_totals.mfg_gross_output as numerator,
        totals.mfg_gross_output * national_totals.ict_gross_output as denominator,
        false as has_imputed_value_added,
        totals.release_ids,
        ['division/39/total', 'division/C/total', 'derived/mfg_not_ict'] as disclosure_cells
    from totals
    inner join national_totals on totals.year = national_totals.year
),

dynamics as (
    select
        city_code,
        year,
        'entry_rate_ict' as indicator_id,
        'total' as breakdown,
        ict_entrants as numerator,
        ict_firms as denominator,
        false as has_imputed_value_added,
        release_ids,
        cast([] as varchar[]) as disclosure_cells
    from entry_exit
    union all
    select
        city_code,
        year,
        'exit_rate_ict' as indicator_id,
        'total' as breakdown,
        ict_exits as numerator,
        previous_ict_firms as denominator,
        false as has_imputed_value_added,
        release_ids,
        cast([] as varchar[]) as disclosure_cells
    from entry_exit
),

ratios as (
    select * from ict_shares
    union all
    select * from segment_shares
    union all
    select * from fdi_dependency
    union all
    select * from ict_ratios
    union all
    select * from structure
    union all
    select * from location_quotients
    union all
    select * from dynamics
)

select
    city_code,
    year,
    indicator_id,
    breakdown,
    cast(numerator as double) as value,
    cast(numerator as decimal(38, 6)) as numerator,
    cast(denominator as decimal(38, 6)) as denominator,
    has_imputed_value_added,
    release_ids,
    disclosure_cells
from levels
union all
select
    city_code,
    year,
    indicator_id,
    breakdown,
    {{ ratio('numerator', 'denominator') }} as value,
    cast(numerator as decimal(38, 6)) as numerator,
    cast(denominator as decimal(38, 6)) as denominator,
    has_imputed_value_added,
    release_ids,
    disclosure_cells
from ratios
