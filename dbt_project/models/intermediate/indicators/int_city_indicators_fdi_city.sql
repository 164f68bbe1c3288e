-- The indicators docs/marts.md computes from the yearbook tables (fdi_city), per city and year,
-- in the same long form as int_city_indicators_asif. ICT is the printed ICT division of the
-- year's vintage (40 in 2002, 39 in 2011/2017); FIE = hmt + foreign, or the printed 'fie'
-- column when a table prints only the combined group. The rows come from the
-- indicator_measures seed (source 'fdi_city'); the measures keep the cells' exact type.
with

cells as (
    select * from {{ ref('int_fdi_city_cells_harmonised') }}
),

city_totals as (
    select
        city_code,
        year,
        {{ sorted_distinct_list('release_id', ',') }} as release_ids,
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

-- FIE = HMT + foreign, or the printed combined group when a table prints only that
city_measures as (
    select
        city_code,
        year,
        release_ids,
        false as has_imputed_value_added,
        mfg_gross_output,
        ict_gross_output,
        ict_value_added,
        ict_gross_output_hmt,
        ict_gross_output_foreign,
        ict_value_added_hmt,
        ict_value_added_foreign,
        coalesce(ict_gross_output_hmt + ict_gross_output_foreign, ict_gross_output_fie)
            as ict_fie_gross_output,
        coalesce(ict_value_added_hmt + ict_value_added_foreign, ict_value_added_fie)
            as ict_fie_value_added
    from city_totals
),

measures as (
    {{ measures_long('city_measures', [
        'mfg_gross_output', 'ict_gross_output', 'ict_value_added',
        'ict_gross_output_hmt', 'ict_gross_output_foreign',
        'ict_value_added_hmt', 'ict_value_added_foreign',
        'ict_fie_gross_output', 'ict_fie_value_added',
    ]) | indent(4) }}
)

{{ indicators_from_measures('fdi_city', 'measures') }}
