-- The indicators DESIGN §5 computes from the yearbook tables (fdi_city), per city and year,
-- in the same long form as int_city_indicators_asif. ICT is the printed ICT division of the
-- year's vintage (40 in 2002, 39 in 2011/2017); FIE = hmt + foreign, or the printed 'fie'
-- column when a table prints only the combined group.
with

cells as (
    select * from {{ ref('int_fdi_city_cells_harmonised') }}
),

city_totals as (
    select
        city_code,
        year,
        string_agg(distinct release_id, ',' order by release_id) as release_ids,
        sum(value_thousand_yuan) filter (
            where industry_code = 'C' and ownership = 'total' and measure = 'gross_output'
        ) as mfg_gross_output,
        sum(value_thousand_yuan) filter (
            where is_ict_division and ownership = 'total' and measure = 'gross_output'
        ) as ict_gross_output,
        sum(value_thousand_yuan) filter (
            where is_ict_division and ownership = 'total' and measure = 'value_added'
        ) as ict_value_added,
        sum(value_thousand_yuan) filter (
            where is_ict_division and ownership = 'hmt' and measure = 'gross_output'
        ) as ict_gross_output_hmt,
        sum(value_thousand_yuan) filter (
            where is_ict_division and ownership = 'foreign' and measure = 'gross_output'
        ) as ict_gross_output_foreign,
        sum(value_thousand_yuan) filter (
            where is_ict_division and ownership = 'fie' and measure = 'gross_output'
        ) as ict_gross_output_fie,
        sum(value_thousand_yuan) filter (
            where is_ict_division and ownership = 'hmt' and measure = 'value_added'
        ) as ict_value_added_hmt,
        sum(value_thousand_yuan) filter (
            where is_ict_division and ownership = 'foreign' and measure = 'value_added'
        ) as ict_value_added_foreign,
        sum(value_thousand_yuan) filter (
            where is_ict_division and ownership = 'fie' and measure = 'value_added'
        ) as ict_value_added_fie
    from cells
    group by city_code, year
),

indicators as (
    select
        city_code,
        year,
        'mfg_output' as indicator_id,
        'total' as breakdown,
        mfg_gross_output as numerator,
        null as denominator,
        false as is_ratio,
        release_ids
    from city_totals
    union all
    select
        city_code,
        year,
        'ict_output' as indicator_id,
        'total' as breakdown,
        ict_gross_output as numerator,
        null as denominator,
        false as is_ratio,
        release_ids
    from city_totals
    union all
    select
        city_code,
        year,
        'ict_share_mfg_output' as indicator_id,
        'total' as breakdown,
        ict_gross_output as numerator,
        mfg_gross_output as denominator,
        true as is_ratio,
        release_ids
    from city_totals
    union all
    select
        city_code,
        year,
        'fdi_dependency_ict_va' as indicator_id,
        'total' as breakdown,
        coalesce(
            ict_value_added_hmt + ict_value_added_foreign, ict_value_added_fie
        ) as numerator,
        ict_value_added as denominator,
        true as is_ratio,
        release_ids
    from city_totals
    union all
    select
        city_code,
        year,
        'fdi_dependency_ict_va' as indicator_id,
        'hmt' as breakdown,
        ict_value_added_hmt as numerator,
        ict_value_added as denominator,
        true as is_ratio,
        release_ids
    from city_totals
    union all
    select
        city_code,
        year,
        'fdi_dependency_ict_va' as indicator_id,
        'foreign' as breakdown,
        ict_value_added_foreign as numerator,
        ict_value_added as denominator,
        true as is_ratio,
        release_ids
    from city_totals
    union all
    select
        city_code,
        year,
        'fdi_dependency_ict_output' as indicator_id,
        'total' as breakdown,
        coalesce(
            ict_gross_output_hmt + ict_gross_output_foreign, ict_gross_output_fie
        ) as numerator,
        ict_gross_output as denominator,
        true as is_ratio,
        release_ids
    from city_totals
    union all
    select
        city_code,
        year,
        'fdi_dependency_ict_output' as indicator_id,
        'hmt' as breakdown,
        ict_gross_output_hmt as numerator,
        ict_gross_output as denominator,
        true as is_ratio,
        release_ids
    from city_totals
    union all
    select
        city_code,
        year,
        'fdi_dependency_ict_output' as indicator_id,
        'foreign' as breakdown,
        ict_gross_output_foreign as numerator,
        ict_gross_output as denominator,
        true as is_ratio,
        release_ids
    from city_totals
)

select
    city_code,
    year,
    indicator_id,
    breakdown,
    case
        when is_ratio then {{ ratio('numerator', 'denominator') }}
        else cast(numerator as double)
    end as value,
    cast(numerator as decimal(38, 6)) as numerator,
    cast(denominator as decimal(38, 6)) as denominator,
    false as has_imputed_value_added,
    release_ids,
    cast([] as varchar[]) as disclosure_cells
from indicators
